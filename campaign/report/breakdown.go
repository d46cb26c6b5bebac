package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mailrun/mailrun/campaign/statefile"
)

// breakdown counts recipients by some property (a domain, a reply code, a
// relay) and by status.
type breakdown struct {
	id, title, note string
	// columns names the statuses counted, as status --json names them.
	columns []string
	rows    []breakdownRow
	// json, when set, is the status --json path of the rows (the table
	// marks each cell with it: "relays.0.delivered").
	json string
}

type breakdownRow struct {
	name   string
	counts []int // by column
	total  int
}

// maxRows bounds the rows of a breakdown; the others are summed in one.
const maxRows = 12

// tally counts recipients into rows by name and status name.
type tally struct {
	by map[string]map[string]int
}

func (t *tally) add(name, status string) {
	if t.by == nil {
		t.by = make(map[string]map[string]int)
	}
	if t.by[name] == nil {
		t.by[name] = make(map[string]int)
	}
	t.by[name][status]++
}

// breakdown returns the rows, the largest first (then by name), the rows
// past maxRows summed into one named other.
func (t *tally) breakdown(other string) breakdown {
	var b breakdown
	seen := map[string]bool{}
	for _, st := range t.by {
		for s := range st {
			seen[s] = true
		}
	}
	b.columns = orderStatuses(seen)
	for name, st := range t.by {
		r := breakdownRow{name: name, counts: make([]int, len(b.columns))}
		for i, c := range b.columns {
			r.counts[i] = st[c]
			r.total += st[c]
		}
		b.rows = append(b.rows, r)
	}
	slices.SortFunc(b.rows, func(x, y breakdownRow) int {
		if x.total != y.total {
			return y.total - x.total
		}
		return strings.Compare(x.name, y.name)
	})
	if len(b.rows) > maxRows {
		rest := breakdownRow{name: fmt.Sprintf("%s (%d)", other, len(b.rows)-maxRows+1), counts: make([]int, len(b.columns))}
		for _, r := range b.rows[maxRows-1:] {
			for i, n := range r.counts {
				rest.counts[i] += n
			}
			rest.total += r.total
		}
		b.rows = append(b.rows[:maxRows-1], rest)
	}
	return b
}

// orderStatuses orders status names as statefile.Counts orders its fields,
// names it lacks last, alphabetically.
func orderStatuses(seen map[string]bool) []string {
	var out []string
	for _, n := range countNames(statefile.Counts{}) {
		if seen[n] {
			out = append(out, n)
			delete(seen, n)
		}
	}
	var rest []string
	for n := range seen {
		rest = append(rest, n)
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// byDomain counts the recipients by the domain of their key.
func byDomain(rs []statefile.Recipient) breakdown {
	var t tally
	for _, r := range rs {
		t.add(domainOf(r.Key), statusName(r.Status))
	}
	b := t.breakdown("other domains")
	b.id, b.title = "domains", "By recipient domain"
	b.note = "Recipients by the domain of their key (the To address, unless --key names another column) and status."
	return b
}

func domainOf(key string) string {
	if key == "" {
		return "(no key: the row failed first)"
	}
	at := strings.LastIndexByte(key, '@')
	if at < 0 {
		return "(key not an address)"
	}
	return strings.ToLower(key[at+1:])
}

// byCode counts the recipients with a reply by the reply's code.
func byCode(rs []statefile.Recipient) breakdown {
	var t tally
	for _, r := range rs {
		st := statusName(r.Status)
		if st == "unknown" || st == "duplicate" || st == "suppressed" {
			continue // no reply to count
		}
		name := "no reply"
		if r.Code != 0 {
			name = strings.TrimSpace(fmt.Sprintf("%d %s", r.Code, r.Enhanced))
		}
		t.add(name, st)
	}
	b := t.breakdown("other codes")
	b.id, b.title = "codes", "By SMTP reply code"
	b.note = "Recipients by the code of their last reply, and status. \"no reply\": the connection failed, or the row failed before sending."
	return b
}

// byRelay is the per-relay breakdown of the state, the fields of
// statefile.RelayCounts by their JSON names.
func byRelay(relays []statefile.RelayCounts) breakdown {
	b := breakdown{id: "relays", title: "By relay", json: "relays",
		note: "Delivered records, and recipients whose last attempt failed or was deferred, by the relay that made it."}
	for _, rc := range relays {
		r := breakdownRow{name: rc.Relay}
		b.columns, r.counts = intFields(rc)
		for _, n := range r.counts {
			r.total += n
		}
		b.rows = append(b.rows, r)
	}
	return b
}

// table is a breakdown as the page shows it.
type table struct {
	ID, Title string
	Columns   []string
	Rows      [][]cell
}

// cell is one table cell; JSON, when set, is its status --json path.
type cell struct {
	Text, JSON string
	Num        bool
}

func (b breakdown) table() table {
	t := table{ID: b.id, Title: b.title, Columns: append([]string{""}, b.columns...)}
	t.Columns = append(t.Columns, "total")
	for i, r := range b.rows {
		row := []cell{{Text: r.name}}
		for j, n := range r.counts {
			c := cell{Text: fmt.Sprint(n), Num: true}
			if b.json != "" {
				c.JSON = fmt.Sprintf("%s.%d.%s", b.json, i, b.columns[j])
			}
			row = append(row, c)
		}
		t.Rows = append(t.Rows, append(row, cell{Text: fmt.Sprint(r.total), Num: true}))
	}
	return t
}

// shardRow is one state file's line in the shard table.
type shardRow struct {
	Path, CampaignID string
	Recipients       int
	Counts           []int // by pageData.Columns
}

func shardRows(states []*statefile.State) []shardRow {
	var out []shardRow
	for _, s := range states {
		r := shardRow{Path: s.Path, CampaignID: s.CampaignID}
		for _, c := range counts(s.Counts) {
			if c.Name == "recipients" {
				r.Recipients = c.N
			} else {
				r.Counts = append(r.Counts, c.N)
			}
		}
		out = append(out, r)
	}
	return out
}
