package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/statefile"
)

// reportFixture writes two state files, the shards of one list of 40
// recipients at four domains (and one hostile key), sent over 90 minutes
// through two relays: deliveries, permanent and temporary failures, an
// unknown outcome, one that may have arrived twice, a duplicate and a
// suppressed row.
func reportFixture(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	domains := []string{"example.com", "example.org", "naver.example", "gmail.example"}
	var paths []string
	for shard := range 2 {
		clock := start
		path := filepath.Join(dir, fmt.Sprintf("list.csv.shard-%d-of-2.state", shard+1))
		j, err := statefile.Open(path, statefile.Header{TemplateHash: "4f2a9c", DataFile: "list.csv", Now: func() time.Time { return clock }})
		if err != nil {
			t.Fatal(err)
		}
		for i := shard; i < 40; i += 2 {
			clock = start.Add(time.Duration(i) * 135 * time.Second)
			row := i + 1
			key := fmt.Sprintf("user%d@%s", row, domains[i%len(domains)])
			if row == 7 {
				key = "evil@<script>alert(1)</script>"
			}
			msg := &campaign.Message{Row: row, Key: key, ID: fmt.Sprintf("id%d@example.com", row)}
			o := campaign.Outcome{Row: row, Key: key, MessageID: msg.ID, Attempts: 1, Relay: []string{"ses", "postmark"}[i%2], Time: clock}
			switch {
			case row%10 == 3:
				o.Status, o.Code, o.Enhanced, o.Reply, o.Recipient = campaign.StatusFailed, 550, "5.1.1", "=cmd|' /C calc'!A0 no such user", key
			case row%10 == 6:
				o.Status, o.Code, o.Enhanced, o.Reply, o.Attempts = campaign.StatusDeferred, 451, "4.7.1", "rate limit exceeded", 4
			case row == 9:
				o.Status = "" // unknown
			case row == 20:
				o.Status = campaign.StatusSuppressed
			default:
				o.Status, o.Reply = campaign.StatusDelivered, "250 2.0.0 Ok: queued as Q"+fmt.Sprint(row)
			}
			if row == 11 { // cut past the final dot, then delivered again: it may have arrived twice
				if err := j.Sending(msg); err != nil {
					t.Fatal(err)
				}
				cut := campaign.Outcome{Row: row, Key: key, MessageID: msg.ID, Attempts: 1, Relay: o.Relay, Time: clock,
					Status: campaign.StatusDeferred, Ambiguous: true, Reply: "connection lost after the final dot"}
				if err := j.Record(cut); err != nil {
					t.Fatal(err)
				}
				o.Attempts = 2
			}
			if o.Status != campaign.StatusSuppressed {
				if err := j.Sending(msg); err != nil {
					t.Fatal(err)
				}
			}
			if o.Status != "" {
				if err := j.Record(o); err != nil {
					t.Fatal(err)
				}
			}
		}
		if shard == 0 {
			if err := j.Record(campaign.Outcome{Row: 41, Key: "user1@example.org", Status: campaign.StatusDuplicate, Time: clock}); err != nil {
				t.Fatal(err)
			}
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

// writeReport runs mailrun report on the state files and returns the page.
func writeReport(t *testing.T, states []string) (path, page string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "report.html")
	args := []string{"report", "--out", path}
	for _, s := range states {
		args = append(args, "--state", s)
	}
	r := mailrun(t, "", args...)
	wantCode(t, r, 0)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v, want 0600", fi.Mode().Perm())
	}
	return path, string(b)
}

// statusJSON runs status --json on the state files and returns its output
// decoded.
func statusJSON(t *testing.T, states ...string) map[string]any {
	t.Helper()
	args := []string{"status", "--json"}
	for _, s := range states {
		args = append(args, "--state", s)
	}
	r := mailrun(t, "", args...)
	wantCode(t, r, 0)
	var v map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	return v
}

// jsonAt returns the value at a dotted path ("relays.0.delivered") of v,
// formatted as the page shows it.
func jsonAt(v any, path string) (string, bool) {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[p]; !ok {
				return "", false
			}
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i < 0 || i >= len(x) {
				return "", false
			}
			v = x[i]
		default:
			return "", false
		}
	}
	switch x := v.(type) {
	case float64:
		return fmt.Sprint(int(x)), true
	case string:
		return x, true
	}
	return "", false
}

// numberRE finds an element marked with its status --json path, and its
// text; shardRE a shard's row of the state-file table.
var (
	numberRE = regexp.MustCompile(`data-json="([^"]+)"[^>]*>([^<]*)<`)
	shardRE  = regexp.MustCompile(`(?s)<tr data-shard="([^"]+)">(.*?)</tr>`)
)

// checkNumbers checks that every number the page marks equals status
// --json's for the same state files, that each count status --json gives is
// on the page, and each shard's row equals status --json of its file.
func checkNumbers(t *testing.T, page string, states []string) {
	t.Helper()
	all := statusJSON(t, states...)
	shards := shardRE.FindAllStringSubmatch(page, -1)
	main := shardRE.ReplaceAllString(page, "")
	seen := map[string]bool{}
	for _, m := range numberRE.FindAllStringSubmatch(main, -1) {
		want, ok := jsonAt(all, m[1])
		if got := htmlText(m[2]); !ok || got != want {
			t.Errorf("page shows %s = %q, status --json %q (found %v)", m[1], got, want, ok)
		}
		seen[m[1]] = true
	}
	counts, _ := all["counts"].(map[string]any)
	for k := range counts {
		if !seen["counts."+k] {
			t.Errorf("status --json has counts.%s, the page does not show it", k)
		}
	}
	if len(counts) == 0 || len(seen) < len(counts)+4 {
		t.Errorf("the page marks %d numbers: %v", len(seen), seen)
	}
	if len(states) > 1 && len(shards) != len(states) {
		t.Fatalf("%d state files, %d rows in the state-file table", len(states), len(shards))
	}
	for _, s := range shards {
		one := statusJSON(t, htmlText(s[1]))
		for _, m := range numberRE.FindAllStringSubmatch(s[2], -1) {
			if want, ok := jsonAt(one, m[1]); !ok || htmlText(m[2]) != want {
				t.Errorf("%s: page shows %s = %q, status --json %q", s[1], m[1], m[2], want)
			}
		}
	}
}

var htmlText = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace

func TestReportMatchesStatus(t *testing.T) {
	states := reportFixture(t)
	_, page := writeReport(t, states)
	checkNumbers(t, page, states)
	if !strings.Contains(page, `data-json="may_have_received_twice">1<`) {
		t.Error("the page does not show the recipient that may have received the message twice")
	}
	_, one := writeReport(t, states[:1])
	checkNumbers(t, one, states[:1])
	if strings.Contains(one, `data-shard=`) {
		t.Error("a report of one state file has a state-file table")
	}
	for _, want := range []string{`id="chart-timeline"`, `id="chart-domains"`, `id="chart-codes"`, `id="chart-relays"`, `id="chart-shards"`, "550 5.1.1", "naver.example"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("the report has a script element (a hostile key reached the page unescaped)")
	}
}
