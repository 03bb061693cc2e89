package spec

// Closest returns the candidate nearest to s by edit distance when it is
// near enough to be a typo, or "": the "did you mean" of every diagnostic
// about a name.
func Closest(s string, candidates []string) string { return closest(s, candidates) }
