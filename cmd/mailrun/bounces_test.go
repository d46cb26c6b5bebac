package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bounceCorpus is the copy of the shared bounce corpus the parser tests.
const bounceCorpus = "../../campaign/bounce/testdata/corpus"

// jsonLines decodes the JSON lines of bounces --json.
func jsonLines(t *testing.T, out string) []bounceLine {
	t.Helper()
	var lines []bounceLine
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l bounceLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines
}

// TestBouncesCorpus runs bounces --json over the shared corpus, as a user
// would, and compares each message's recipients with Sisimai's reading:
// the same number of recipients and the same status class for at least
// 95% of them, and nothing reported for the messages that are not bounces.
func TestBouncesCorpus(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(bounceCorpus, "expect.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	// file → status classes ("" for a complaint); auto-replies (Sisimai's
	// "vacation") must not be reported at all.
	want, autoReplies := map[string][]string{}, map[string]int{}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		cols := strings.Split(line, "\t")
		if i == 0 || len(cols) < 5 {
			continue
		}
		if cols[4] == "vacation" {
			autoReplies[cols[0]]++
			continue
		}
		want[cols[0]] = append(want[cols[0]], statusClass(cols[2]))
	}
	files, _ := filepath.Glob(filepath.Join(bounceCorpus, "maildir", "*.eml"))
	notBounces, _ := filepath.Glob(filepath.Join(bounceCorpus, "not-bounces", "*.eml"))
	if len(files) < 100 || len(notBounces) == 0 {
		t.Fatalf("corpus missing: %d bounces, %d other messages", len(files), len(notBounces))
	}
	r := mailrun(t, "", append([]string{"bounces", "--json"}, append(files, notBounces...)...)...)
	wantCode(t, r, 0)
	got := map[string][]string{}
	for _, l := range jsonLines(t, r.stdout) {
		if strings.Contains(l.Source, "not-bounces") {
			t.Errorf("%s is not a bounce, but was reported: %+v", l.Source, l)
		}
		if l.Row != nil || l.Key != "" {
			t.Errorf("%s: row %v key %q without a state file", l.Source, l.Row, l.Key)
		}
		got[filepath.Base(l.Source)] = append(got[filepath.Base(l.Source)], statusClass(l.Status))
	}
	total, agree := 0, 0
	for file, n := range autoReplies {
		total += n
		if len(got[file]) == 0 {
			agree += n
		}
	}
	for file, classes := range want {
		total += len(classes)
		g := got[file]
		if len(g) != len(classes) {
			continue
		}
		for i := range classes {
			if g[i] == classes[i] {
				agree++
			}
		}
	}
	pct := 100 * float64(agree) / float64(total)
	t.Logf("bounces --json agrees with Sisimai on %d/%d recipients (%.1f%%)", agree, total, pct)
	if pct < 95 {
		t.Errorf("agreement %.1f%%, want at least 95%%", pct)
	}
}

// statusClass returns the first digit of an enhanced status code, "" for
// none.
func statusClass(s string) string {
	if s == "" {
		return ""
	}
	return s[:1]
}

func TestBouncesUsageErrors(t *testing.T) {
	dir := t.TempDir()
	eml := filepath.Join(dir, "x.eml")
	if err := os.WriteFile(eml, []byte("Subject: x\n\nx\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"bounces"}, exitUsage, "one mailbox"},
		{[]string{"bounces", "--mbox", eml, eml}, exitUsage, "one mailbox"},
		{[]string{"bounces", "--move-to", "X", eml}, exitUsage, "--move-to and --all are for --imap"},
		{[]string{"bounces", "--soft-limit", "0", eml}, exitUsage, "--soft-limit"},
		{[]string{"bounces", "--imap", "imaps://me:secret@example.com/INBOX"}, exitUsage, "MAILRUN_IMAP_PASSWORD"},
		{[]string{"bounces", "--imap", "imaps://me@127.0.0.1:1/INBOX"}, exitUsage, "needs a password"},
		{[]string{"bounces", "--maildir", dir}, exitInput, "not a Maildir"},
		{[]string{"bounces", eml + ".missing"}, exitInput, "x.eml.missing"},
		{[]string{"bounces", "--state", filepath.Join(dir, "none.state"), eml}, exitInput, "no such state file"},
	}
	for _, tt := range tests {
		r := mailrun(t, "", tt.args...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.msg) || strings.Contains(r.stderr, "secret") {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, r.code, r.stderr, tt.code, tt.msg)
		}
	}
}

// TestBouncesBooksFromFiles sends a campaign as a dry run, wraps one of its
// messages in a DSN, and books it from an .eml file: matched by the
// Message-ID, booked once, shown by status, skipped by the next (resumed)
// dry run.
func TestBouncesBooksFromFiles(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "list.csv")
	tmpl := filepath.Join(dir, "t.html")
	write := func(path, s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(data, "email,name\nann@example.com,Ann\nbob@example.com,Bob\n")
	write(tmpl, "From: News <news@example.com>\nTo: {{.name}} <{{.email}}>\nSubject: Hi\n\n<p>Hi {{.name}}</p>\n")
	outbox := filepath.Join(dir, "outbox")
	wantCode(t, mailrun(t, "", "send", "--data", data, "--template", tmpl, "--dry-run", "--outbox", outbox), 0)
	state := data + ".dry-run.state"
	sent, _ := filepath.Glob(filepath.Join(outbox, "*bob*.eml"))
	if len(sent) != 1 {
		t.Fatalf("outbox: %v", sent)
	}
	orig, err := os.ReadFile(sent[0])
	if err != nil {
		t.Fatal(err)
	}
	dsn := filepath.Join(dir, "dsn.eml")
	write(dsn, fmt.Sprintf("From: MAILER-DAEMON@mx.example.com\nTo: news@example.com\nSubject: Undelivered Mail Returned to Sender\n"+
		"Message-ID: <dsn1@mx.example.com>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"+
		"--B\nContent-Type: text/plain\n\n<bob@example.com>: User unknown\n"+
		"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"+
		"Final-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n"+
		"--B\nContent-Type: message/rfc822\n\n%s\n--B--\n", orig))

	r := mailrun(t, "", "bounces", "--json", "--state", state, dsn)
	wantCode(t, r, 0)
	lines := jsonLines(t, r.stdout)
	if len(lines) != 1 || lines[0].Key != "bob@example.com" || lines[0].Row == nil || *lines[0].Row != 2 ||
		lines[0].MatchedBy != "message-id" || lines[0].Booked != "bounced" || lines[0].Source != dsn || lines[0].Kind != "hard" {
		t.Fatalf("bounces --json: %s", r.stdout)
	}
	// The same report again: nothing new.
	r = mailrun(t, "", "bounces", "--state", state, dsn)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "Booked 0:") || !strings.Contains(r.stdout, "1 booked before") {
		t.Errorf("second run:\n%s", r.stdout)
	}
	r = mailrun(t, "", "status", "--state", state)
	wantCode(t, r, 0)
	for _, s := range []string{"bounced    1", "row 2  bob@example.com", "5.1.1"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("status lacks %q:\n%s", s, r.stdout)
		}
	}
	// A dry run starts afresh unless --resume: resumed, it reads the bounce.
	r = mailrun(t, "", "send", "--data", data, "--template", tmpl, "--dry-run", "--resume", "--outbox", outbox)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "skipped (earlier run)               2") {
		t.Errorf("the next send did not skip the delivered and the bounced row:\n%s", r.stdout)
	}
}
