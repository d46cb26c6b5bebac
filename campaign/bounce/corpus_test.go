package bounce_test

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign/bounce"
)

// corpusDir holds a copy of Sisimai's set-of-emails with Sisimai's reading
// of each message (see its README and LICENSE).
const corpusDir = "testdata/corpus"

// expectRow is one line of expect.tsv: one recipient as Sisimai reads it.
type expectRow struct {
	status string
	reason string
	hard   bool
}

// loadExpect reads expect.tsv into rows per file, in file order.
func loadExpect(t *testing.T) (map[string][]expectRow, []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "expect.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string][]expectRow{}
	var files []string
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		cols := strings.Split(sc.Text(), "\t")
		if first || len(cols) < 6 {
			continue
		}
		if _, ok := rows[cols[0]]; !ok {
			files = append(files, cols[0])
		}
		rows[cols[0]] = append(rows[cols[0]], expectRow{status: cols[2], reason: cols[4], hard: cols[5] == "true"})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows, files
}

// parseFile parses one corpus message.
func parseFile(t *testing.T, path string) *bounce.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := bounce.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rep
}

// family returns the MTA family of a corpus file name: "lhost-postfix" for
// "lhost-postfix-01.eml".
func family(name string) string {
	name = strings.TrimSuffix(name, ".eml")
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		return name[:i]
	}
	return name
}

// overlap counts the values two lists have in common, as multisets.
func overlap(a, b []string) int {
	left := map[string]int{}
	for _, x := range a {
		left[x]++
	}
	n := 0
	for _, x := range b {
		if left[x] > 0 {
			left[x]--
			n++
		}
	}
	return n
}

// tally counts agreeing recipients.
type tally struct{ match, total int }

func (c tally) pct() float64 {
	if c.total == 0 {
		return 100
	}
	return 100 * float64(c.match) / float64(c.total)
}

// TestCorpus checks Parse against Sisimai's reading of every message in the
// corpus. A recipient line of expect.tsv counts as matched when Parse reports
// the message as a bounce (a complaint for Sisimai's "feedback", an
// auto-reply for its "vacation") with as many recipients as Sisimai found
// and the same status class (the first digit of the status). The test fails
// below 95% overall; exact status and hard/soft agreement are logged.
func TestCorpus(t *testing.T) {
	rows, files := loadExpect(t)
	verbose := os.Getenv("BOUNCE_CORPUS_VERBOSE") != ""
	overall, exact, hard := tally{}, tally{}, tally{}
	perFamily := map[string]*tally{}
	for _, name := range files {
		want := rows[name]
		rep := parseFile(t, filepath.Join(corpusDir, "maildir", name))
		fam := family(name)
		if perFamily[fam] == nil {
			perFamily[fam] = &tally{}
		}
		var wantClass, gotClass, wantStatus, gotStatus, wantHard, gotHard []string
		wantType := bounce.TypeBounce
		for _, w := range want {
			switch w.reason {
			case "feedback":
				wantType = bounce.TypeComplaint
			case "vacation":
				wantType = bounce.TypeAutoReply
			}
			wantClass = append(wantClass, first(w.status))
			wantStatus = append(wantStatus, w.status)
			wantHard = append(wantHard, map[bool]string{true: "hard", false: "soft"}[w.hard])
		}
		for _, r := range rep.Results {
			gotClass = append(gotClass, first(r.Status))
			gotStatus = append(gotStatus, r.Status)
			gotHard = append(gotHard, map[bool]string{true: "hard", false: "soft"}[r.Kind == bounce.KindHard])
		}
		matched := 0
		switch {
		case rep.Type != wantType:
		case wantType == bounce.TypeAutoReply:
			matched = len(want)
		case len(rep.Results) == len(want):
			matched = overlap(wantClass, gotClass)
		}
		if rep.Type == wantType && len(rep.Results) == len(want) {
			exact.match += overlap(wantStatus, gotStatus)
			hard.match += overlap(wantHard, gotHard)
		}
		exact.total += len(want)
		hard.total += len(want)
		overall.match += matched
		overall.total += len(want)
		perFamily[fam].match += matched
		perFamily[fam].total += len(want)
		if verbose && (matched < len(want) || overlap(wantStatus, gotStatus) < len(want) || overlap(wantHard, gotHard) < len(want)) {
			t.Logf("%s: want %s %v %v %v; got %s/%s %v %v %v", name, wantType, wantStatus, reasons(want), wantHard,
				rep.Type, rep.Format, gotStatus, results(rep), gotHard)
		}
	}
	var fams []string
	for f := range perFamily {
		fams = append(fams, f)
	}
	sort.Strings(fams)
	for _, f := range fams {
		c := perFamily[f]
		t.Logf("%-28s %3d/%-3d %5.1f%%", f, c.match, c.total, c.pct())
	}
	t.Logf("overall: %d/%d recipients (%.1f%%) with Sisimai's count and status class", overall.match, overall.total, overall.pct())
	t.Logf("exact status agreement: %d/%d (%.1f%%)", exact.match, exact.total, exact.pct())
	t.Logf("hard/soft agreement: %d/%d (%.1f%%)", hard.match, hard.total, hard.pct())
	if overall.pct() < 95 {
		t.Errorf("overall accuracy %.1f%% is below 95%%", overall.pct())
	}
}

// TestNotBounces checks that nothing under not-bounces/ is taken for a
// bounce or a complaint.
func TestNotBounces(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(corpusDir, "not-bounces", "*.eml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no messages in not-bounces: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			rep := parseFile(t, path)
			if rep.Type == bounce.TypeBounce || rep.Type == bounce.TypeComplaint {
				t.Errorf("reported as %s (%s) with %d results: %+v", rep.Type, rep.Format, len(rep.Results), rep.Results)
			}
		})
	}
}

func first(s string) string {
	if s == "" {
		return ""
	}
	return s[:1]
}

func reasons(rows []expectRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.reason)
	}
	return out
}

func results(rep *bounce.Report) []string {
	var out []string
	for _, r := range rep.Results {
		out = append(out, r.Recipient+" "+r.Reason+" "+r.Action)
		if os.Getenv("BOUNCE_CORPUS_VERBOSE") == "2" {
			out = append(out, "<<"+r.Diagnostic+">>")
		}
	}
	return out
}
