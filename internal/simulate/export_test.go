package simulate

// SetMinPrefixSteps sets the fewest steps of a probed until-firing range
// (minPrefixSteps) and returns a function that restores it: the tests'
// ranges are short, and probed all the same.
func SetMinPrefixSteps(n int) (restore func()) {
	old := minPrefixSteps
	minPrefixSteps = n
	return func() { minPrefixSteps = old }
}
