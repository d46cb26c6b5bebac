// Package report writes the report of a campaign: one self-contained HTML
// page with the campaign's facts, its counts as `mailrun status` gives
// them, and charts (SVG drawn here, by github.com/go-analyze/charts) of
// the outcomes over time, by recipient domain, by SMTP reply code, by
// relay and by state file. The page loads nothing: no script, font or
// image from anywhere, which its Content-Security-Policy enforces.
package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

// Input is what the report shows.
type Input struct {
	// State is the state of the campaign: of its one state file, or the
	// statefile.Merge of several (the shards of one list).
	State *statefile.State
	// Shards holds the state of each file when there are several.
	Shards []*statefile.State
	// History is the statefile.ReadHistory of the same files.
	History *statefile.History
	// Cross lists the recipients several state files record as delivered.
	Cross []statefile.CrossDelivery
	// Now is when the report was made.
	Now time.Time
}

//go:embed page.html
var pageSource string

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"when": when,
}).Parse(pageSource))

// Write writes the report page of in to w. Errors are those of w, or a
// chart that could not be drawn ("report: ...").
func Write(w io.Writer, in Input) error {
	d, err := newPageData(in)
	if err != nil {
		return err
	}
	return page.Execute(w, d)
}

// pageData is what page.html shows.
type pageData struct {
	Title   string
	State   *statefile.State
	Facts   []fact
	Counts  []count
	Charts  []chart
	Shards  []shardRow
	Columns []string // the count names of the shard table
	Cross   []statefile.CrossDelivery
	Now     time.Time
}

// fact is one line of the campaign's facts.
type fact struct{ Name, Value, JSON string }

// count is one of the state's counts, named as status --json names it.
type count struct {
	Name  string
	N     int
	Color string
}

// chart is a drawn chart, what it shows, and its numbers as a table.
type chart struct {
	ID, Title, Note string
	SVG             template.HTML
	Table           *table
}

func newPageData(in Input) (*pageData, error) {
	st := in.State
	d := &pageData{State: st, Counts: counts(st.Counts), Cross: in.Cross, Now: in.Now}
	d.Title = "Campaign report"
	if st.DataFile != "" {
		d.Title += ": " + st.DataFile
	}
	d.Facts = facts(in)
	tl := in.History.Timeline(60)
	svg, err := timelineChart(tl)
	if err != nil {
		return nil, err
	}
	d.Charts = append(d.Charts, chart{ID: "timeline", Title: "Outcomes over time", SVG: svg,
		Note: fmt.Sprintf("Records written per %s (each attempt's outcome: a recipient deferred, then delivered on a later run, counts in both).", stepName(tl.Step))})
	for _, b := range []breakdown{byDomain(in.History.Recipients), byCode(in.History.Recipients), byRelay(st.Relays)} {
		if len(b.rows) == 0 {
			continue
		}
		svg, err := breakdownChart(b)
		if err != nil {
			return nil, err
		}
		t := b.table()
		d.Charts = append(d.Charts, chart{ID: b.id, Title: b.title, Note: b.note, SVG: svg, Table: &t})
	}
	if len(in.Shards) > 1 {
		d.Shards, d.Columns = shardRows(in.Shards), countNames(st.Counts)
		svg, err := shardChart(in.Shards)
		if err != nil {
			return nil, err
		}
		d.Charts = append(d.Charts, chart{ID: "shards", Title: "By state file", Note: "Recipients of each state file (shard) by status.", SVG: svg})
	}
	return d, nil
}

// facts lists what the campaign is and how it went.
func facts(in Input) []fact {
	st := in.State
	first, last := in.History.Span()
	delivered := 0
	for _, r := range in.History.Recipients {
		if r.Status == campaign.StatusDelivered {
			delivered++
		}
	}
	rate := "-"
	if span := last.Sub(first); span >= time.Second && delivered > 0 {
		rate = fmt.Sprintf("%s (%s delivered between the first and the last outcome, %s apart)",
			perTime(float64(delivered)/span.Seconds()), plural(delivered, "recipient"), span)
	}
	// A value status --json gives is marked with its name, unless it is
	// empty (the files disagree) and shows as "-".
	marked := func(name, value, json string) fact {
		if value == "" {
			return fact{name, "-", ""}
		}
		return fact{name, value, json}
	}
	fs := []fact{
		marked("Campaign id", st.CampaignID, "campaign_id"),
		marked("State file", st.Path, "path"),
		marked("Data file", st.DataFile, "data_file"),
		marked("Template hash (SHA-256)", st.TemplateHash, "template_hash"),
		{"Started", when(st.Created), ""},
		{"First outcome", when(first), ""},
		{"Last activity", when(st.LastActivity), ""},
		{"Rate achieved", rate, ""},
	}
	if st.TemplateChanges > 0 {
		fs = append(fs, fact{"Template changes allowed on resume", fmt.Sprint(st.TemplateChanges), "template_changes"})
	}
	if st.MaybeTwice > 0 {
		fs = append(fs, fact{"May have received the message twice (an attempt of unknown outcome was followed by another)", fmt.Sprint(st.MaybeTwice), "may_have_received_twice"})
	}
	if st.Recovered != "" {
		fs = append(fs, fact{"Note", st.Recovered + " (a run may be writing it)", ""})
	}
	return fs
}

// perTime formats a rate given per second in the unit that shows it best.
func perTime(perSecond float64) string {
	switch {
	case perSecond >= 1:
		return fmt.Sprintf("%.1f messages/s", perSecond)
	case perSecond*60 >= 1:
		return fmt.Sprintf("%.1f messages/min", perSecond*60)
	}
	return fmt.Sprintf("%.1f messages/h", perSecond*3600)
}

// counts returns the fields of c in their order, by their JSON names: a
// count added to statefile.Counts shows without a change here.
func counts(c statefile.Counts) []count {
	names, values := intFields(c)
	out := make([]count, len(names))
	for i, name := range names {
		out[i] = count{Name: name, N: values[i], Color: colorOf(name)}
	}
	return out
}

// intFields returns the names (as status --json gives them: their JSON
// names) and the values of the int fields of the struct v, in field order.
func intFields(v any) (names []string, values []int) {
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" || rv.Field(i).Kind() != reflect.Int {
			continue
		}
		names, values = append(names, name), append(values, int(rv.Field(i).Int()))
	}
	return names, values
}

// countNames returns the names of the counts of c, recipients aside.
func countNames(c statefile.Counts) []string {
	var names []string
	for _, n := range counts(c) {
		if n.Name != "recipients" {
			names = append(names, n.Name)
		}
	}
	return names
}

// statusName is the name status gives a recipient status: "unknown" for
// sending (the run stopped before the reply), else the status itself.
func statusName(s campaign.Status) string {
	if s == campaign.StatusSending {
		return "unknown"
	}
	return string(s)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// stepName names the step d: "minute", "5 minutes".
func stepName(d time.Duration) string {
	n, unit := int(d/time.Second), "second"
	switch {
	case d%(24*time.Hour) == 0:
		n, unit = int(d/(24*time.Hour)), "day"
	case d%time.Hour == 0:
		n, unit = int(d/time.Hour), "hour"
	case d%time.Minute == 0:
		n, unit = int(d/time.Minute), "minute"
	}
	if n == 1 {
		return unit
	}
	return plural(n, unit)
}
