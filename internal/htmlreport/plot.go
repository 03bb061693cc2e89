package htmlreport

import (
	"bytes"
	"image/color"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure is what one plot shows: a scenario's input series above, its
// signal below with the threshold lines of each severity, over the
// pending and firing bands of the alert. slo diff can put the series of
// two revisions on the same axes by giving both, labelled.
type Figure struct {
	Title string
	// End is the right end of the time axis.
	End     time.Duration
	Inputs  []Series
	Signals []Series
	// Thresholds are drawn as dashed horizontal lines on the signal.
	Thresholds []Threshold
	Bands      []Band
}

// Series is one line: values at times from the scenario's start. NaN
// and infinite values and gaps longer than Step are drawn as breaks.
type Series struct {
	Label  string
	Times  []time.Duration
	Values []float64
	// Step is the time between points; zero means no gaps are detected.
	Step time.Duration
	// Side is "" for a plot of one revision; for slo diff's plots, "base"
	// or "head", whose legends are drawn in columns of their own.
	Side string
}

// Threshold is a value an alert of a severity compares its signal with.
type Threshold struct {
	Severity string
	Label    string
	Value    float64
	// Side is "" for a plot of one revision; for slo diff's plots, "base"
	// (drawn dotted) or "head" (dashed).
	Side string
}

// Band is a span in which an alert of a severity was pending or firing.
type Band struct {
	Severity string
	Firing   bool
	From, To time.Duration
	// Side is "" for a plot of one revision, whose bands fill the whole
	// height; for slo diff's plots, "base" (the lower half) or "head"
	// (the upper half).
	Side string
}

// Width and Height of a figure.
const (
	Width  = 18 * vg.Centimeter
	Height = 13 * vg.Centimeter
)

// Plot renders a figure as an SVG document.
func Plot(f Figure) ([]byte, error) {
	unit, uname := timeUnit(f.End)
	x := func(d time.Duration) float64 { return float64(d) / float64(unit) }

	top := plot.New()
	top.Title.Text = f.Title
	top.Y.Label.Text = "input series"
	top.X.Label.Text = "time (" + uname + ")"
	top.Legend.Top = true
	top.Legend.TextStyle.Font.Size = vg.Points(7)
	top.Add(plotter.NewGrid())
	if err := addSeries(top, f.Inputs, x, 0, func(string) *plot.Legend { return &top.Legend }); err != nil {
		return nil, err
	}

	bottom := plot.New()
	bottom.Y.Label.Text = "signal"
	bottom.X.Label.Text = "time (" + uname + ")"
	bottom.Legend.Top = true
	bottom.Legend.TextStyle.Font.Size = vg.Points(7)
	bottom.Add(plotter.NewGrid())
	bottom.Add(bands{bands: f.Bands, x: x})
	// The signal's legend: in the plot, or, on a diff's plot, below it
	// in a column per side.
	diffMode := slices.ContainsFunc(f.Bands, func(b Band) bool { return b.Side != "" }) ||
		slices.ContainsFunc(f.Thresholds, func(t Threshold) bool { return t.Side != "" }) ||
		slices.ContainsFunc(f.Signals, func(s Series) bool { return s.Side != "" })
	sides := [2]plot.Legend{plot.NewLegend(), plot.NewLegend()}
	var entries [2]int
	// legend is where an entry of side goes; it is called once per entry.
	legend := func(side string) *plot.Legend {
		if !diffMode {
			return &bottom.Legend
		}
		i := 1
		if side == "base" {
			i = 0
		}
		entries[i]++
		return &sides[i]
	}
	seenBand := map[string]bool{}
	for _, b := range f.Bands {
		name := b.Severity + " " + state(b.Firing)
		if b.Side != "" {
			name = b.Side + " " + name + " (" + halfOf(b.Side) + ")"
		}
		if !seenBand[name] {
			seenBand[name] = true
			legend(b.Side).Add(name, swatch{bandColor(b.Severity, b.Firing)})
		}
	}
	if err := addSeries(bottom, f.Signals, x, len(f.Inputs), legend); err != nil {
		return nil, err
	}
	for _, t := range f.Thresholds {
		if math.IsNaN(t.Value) || math.IsInf(t.Value, 0) {
			continue
		}
		l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: t.Value}, {X: x(f.End), Y: t.Value}})
		if err != nil {
			return nil, err
		}
		l.Color = severityColor(t.Severity)
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		l.Width = vg.Points(1.2)
		if t.Side == "base" {
			l.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
			l.Width = vg.Points(1.6)
		}
		bottom.Add(l)
		legend(t.Side).Add(t.Label, l)
	}
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Min, p.X.Max = 0, x(f.End)
		if p.Y.Min > p.Y.Max { // nothing drawn
			p.Y.Min, p.Y.Max = 0, 1
		}
		if p.Y.Min == p.Y.Max {
			p.Y.Min, p.Y.Max = p.Y.Min-1, p.Y.Max+1
		}
		// Room above the data for the legend, and so that a line at the
		// maximum does not sit on the frame.
		room := 0.35
		if p == bottom && diffMode {
			room = 0.1
		}
		p.Y.Max += (p.Y.Max - p.Y.Min) * room
	}

	// A diff's plot is taller by a strip for the legends of its sides.
	var strip vg.Length
	if diffMode {
		n := 0
		for i := range sides {
			sides[i].Top, sides[i].Left = true, true
			sides[i].TextStyle.Font.Size = vg.Points(7)
			sides[i].ThumbnailWidth = vg.Points(16)
			n = max(n, entries[i])
		}
		strip = vg.Points(9)*vg.Length(n) + vg.Points(8)
	}
	c := vgsvg.New(Width, Height+strip)
	dc := draw.New(c)
	half := Height / 2
	top.Draw(draw.Crop(dc, 0, 0, half+strip, 0))
	bottom.Draw(draw.Crop(dc, 0, 0, strip, -half))
	if diffMode {
		margin := vg.Points(24)
		sides[0].Draw(draw.Crop(dc, margin, -Width/2, 0, -Height))
		sides[1].Draw(draw.Crop(dc, Width/2+margin, 0, 0, -Height))
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Inline returns an SVG document as an element to put in HTML: without
// the XML declaration and comments before the svg element.
func Inline(svg []byte) []byte {
	if i := bytes.Index(svg, []byte("<svg")); i > 0 {
		return svg[i:]
	}
	return svg
}

// halfOf says where the bands of a side of a diff are drawn.
func halfOf(side string) string {
	if side == "base" {
		return "lower half"
	}
	return "upper half"
}

func state(firing bool) string {
	if firing {
		return "firing"
	}
	return "pending"
}

// timeUnit picks the unit of the time axis.
func timeUnit(end time.Duration) (time.Duration, string) {
	switch {
	case end <= 3*time.Hour:
		return time.Minute, "minutes"
	case end <= 3*24*time.Hour:
		return time.Hour, "hours"
	}
	return 24 * time.Hour, "days"
}

// addSeries draws each series in its own colour, broken at NaN, infinite
// values and gaps; colour numbering starts at first.
func addSeries(p *plot.Plot, ss []Series, x func(time.Duration) float64, first int, legend func(side string) *plot.Legend) error {
	for i, s := range ss {
		col := plotutil.Color(first + i)
		var line *plotter.Line
		for _, seg := range segments(s, x) {
			l, err := plotter.NewLine(seg)
			if err != nil {
				return err
			}
			l.Color = col
			l.Width = vg.Points(1.2)
			p.Add(l)
			if line == nil {
				line = l
			}
		}
		if line != nil {
			legend(s.Side).Add(shorten(s.Label, 60), line)
		}
	}
	return nil
}

func segments(s Series, x func(time.Duration) float64) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	var last time.Duration
	for i, t := range s.Times {
		v := s.Values[i]
		gap := len(cur) > 0 && s.Step > 0 && t-last > s.Step
		if math.IsNaN(v) || math.IsInf(v, 0) || gap {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
		}
		cur = append(cur, plotter.XY{X: x(t), Y: v})
		last = t
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	// A single point is drawn as a short line so that it shows.
	for i, seg := range out {
		if len(seg) == 1 {
			out[i] = append(seg, seg[0])
		}
	}
	return out
}

func shorten(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// Colours of severities: threshold lines, and (lighter) their bands.
func severityColor(sev string) color.RGBA {
	switch strings.ToLower(sev) {
	case "critical", "page":
		return color.RGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
	case "warning", "ticket":
		return color.RGBA{R: 0xef, G: 0x8f, B: 0x00, A: 0xff}
	}
	return color.RGBA{R: 0x15, G: 0x65, B: 0xc0, A: 0xff}
}

func bandColor(sev string, firing bool) color.Color {
	c := severityColor(sev)
	a := uint8(0x30)
	if firing {
		a = 0x60
	}
	// Premultiplied alpha, as color.RGBA requires.
	return color.RGBA{R: uint8(uint16(c.R) * uint16(a) / 0xff), G: uint8(uint16(c.G) * uint16(a) / 0xff), B: uint8(uint16(c.B) * uint16(a) / 0xff), A: a}
}

// bands draws pending and firing spans as translucent rectangles over the
// whole height of the plot.
type bands struct {
	bands []Band
	x     func(time.Duration) float64
}

func (b bands) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, bd := range b.bands {
		x0, x1 := trX(b.x(bd.From)), trX(b.x(bd.To))
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		if x1 <= x0 {
			continue
		}
		y0, y1 := c.Min.Y, c.Max.Y
		switch bd.Side {
		case "base":
			y1 = (c.Min.Y + c.Max.Y) / 2
		case "head":
			y0 = (c.Min.Y + c.Max.Y) / 2
		}
		c.FillPolygon(bandColor(bd.Severity, bd.Firing), []vg.Point{
			{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1},
		})
	}
}

// swatch is a legend thumbnail filled with a colour.
type swatch struct{ c color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.c, []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y},
	})
}
