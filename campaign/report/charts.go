package report

import (
	"fmt"
	"html/template"
	"math"
	"path/filepath"
	"strconv"
	"time"

	"github.com/go-analyze/charts"
	"github.com/mailrun/mailrun/campaign/statefile"
)

// statusColors are the colors of the statuses in every chart and table;
// a status without one takes the next of otherColors.
var statusColors = map[string]string{
	"recipients": "#37474f",
	"delivered":  "#2e7d32",
	"failed":     "#c62828",
	"deferred":   "#ef8f00",
	"unknown":    "#6a1b9a",
	"duplicate":  "#90a4ae",
	"suppressed": "#546e7a",
	"bounced":    "#d84315",
	"complained": "#ad1457",
}

var otherColors = []string{"#1565c0", "#00838f", "#827717", "#4e342e", "#283593"}

// colorOf returns the color of the status (or count) named name.
func colorOf(name string) string {
	if c, ok := statusColors[name]; ok {
		return c
	}
	h := 0
	for _, c := range name {
		h = h*31 + int(c)
	}
	return otherColors[(h%len(otherColors)+len(otherColors))%len(otherColors)]
}

// maxLabel bounds the characters of a category label.
const maxLabel = 22

// stacked draws a stacked bar chart as SVG: one bar per label, one series
// (a status, named as status --json names it) per row of values.
func stacked(labels, series []string, values [][]float64, horizontal bool) (template.HTML, error) {
	colors := make([]charts.Color, len(series))
	for i, s := range series {
		colors[i] = charts.ParseColor(colorOf(s))
	}
	opt := charts.NewBarChartOptionWithData(values)
	opt.Horizontal = horizontal
	opt.StackSeries = charts.Ptr(true)
	opt.Theme = charts.GetTheme(charts.ThemeLight).WithSeriesColors(colors)
	opt.Legend.SeriesNames = series
	opt.CategoryAxis.Labels = labels
	// Counts start at zero: an axis from 8 to 9.2 would make 9 look tall.
	opt.ValueAxis = []charts.ValueAxisOption{{Min: charts.Ptr(0.0)}}
	opt.ValueFormatter = func(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }
	for i, l := range labels {
		if r := []rune(l); len(r) > maxLabel {
			labels[i] = string(r[:maxLabel-1]) + "…"
		}
	}
	width, height := 560, 300
	if horizontal {
		height = 90 + 34*len(labels)
	} else if len(labels) > 12 {
		opt.CategoryAxis.LabelRotation = charts.DegreesToRadians(45)
		height += 40
	}
	for i := range opt.SeriesList {
		opt.SeriesList[i].Name = series[i]
	}
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: width, Height: height})
	if err := p.BarChart(opt); err != nil {
		return "", fmt.Errorf("report: chart: %w", err)
	}
	b, err := p.Bytes()
	if err != nil {
		return "", fmt.Errorf("report: chart: %w", err)
	}
	// The library escapes every text and attribute it writes.
	return template.HTML(b), nil
}

// timelineChart draws the records of tl over time.
func timelineChart(tl statefile.Timeline) (template.HTML, error) {
	if tl.Steps() == 0 {
		return "", nil
	}
	layout := "15:04:05"
	switch {
	case tl.Step >= 24*time.Hour:
		layout = "01-02"
	case tl.Step >= time.Hour:
		layout = "01-02 15:04"
	case tl.Step >= time.Minute:
		layout = "15:04"
	}
	labels := make([]string, tl.Steps())
	for i := range labels {
		labels[i] = tl.Start.Add(time.Duration(i) * tl.Step).Format(layout)
	}
	var names []string
	var values [][]float64
	for _, s := range tl.Series {
		names = append(names, statusName(s.Status))
		values = append(values, floats(s.Counts))
	}
	return stacked(labels, names, values, false)
}

// breakdownChart draws b as horizontal stacked bars.
func breakdownChart(b breakdown) (template.HTML, error) {
	labels := make([]string, len(b.rows))
	values := make([][]float64, len(b.columns))
	// The category axis runs bottom-up: the largest row goes last.
	for i := range b.rows {
		r := b.rows[len(b.rows)-1-i]
		labels[i] = r.name
		for j, n := range r.counts {
			values[j] = append(values[j], float64(n))
		}
	}
	return stacked(labels, b.columns, values, true)
}

// shardChart draws the counts of each state file.
func shardChart(states []*statefile.State) (template.HTML, error) {
	names := countNames(states[0].Counts)
	values := make([][]float64, len(names))
	labels := make([]string, len(states))
	rows := shardRows(states)
	for i := range rows {
		r := rows[len(rows)-1-i]
		labels[i] = filepath.Base(r.Path)
		for j, n := range r.Counts {
			values[j] = append(values[j], float64(n))
		}
	}
	return stacked(labels, names, values, true)
}

func floats(ns []int) []float64 {
	out := make([]float64, len(ns))
	for i, n := range ns {
		out[i] = float64(n)
	}
	return out
}
