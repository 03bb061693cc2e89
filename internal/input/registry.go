package input

// formats are the loaders, tried in order. Adding a format is one file
// with its Format and one line here.
var formats = []*Format{
	&sloth,
	&openSLO,
	&openSLOV1Alpha,
	&pyrra,
}
