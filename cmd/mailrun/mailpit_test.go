package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// mailpit is the HTTP API of a running mailpit server (github.com/axllent/mailpit),
// which .ci/test starts and names in MAILRUN_TEST_MAILPIT_SMTP and
// MAILRUN_TEST_MAILPIT_API.
type mailpit struct {
	smtp, api string
}

// needMailpit returns the mailpit server of the environment. Without one
// the test is skipped, except under CI, where it fails.
func needMailpit(t *testing.T) mailpit {
	t.Helper()
	m := mailpit{smtp: os.Getenv("MAILRUN_TEST_MAILPIT_SMTP"), api: os.Getenv("MAILRUN_TEST_MAILPIT_API")}
	if m.smtp == "" || m.api == "" {
		smtptest.Missing(t, "mailpit", "run the suite through .ci/test, or set MAILRUN_TEST_MAILPIT_SMTP and MAILRUN_TEST_MAILPIT_API")
	}
	m.do(t, http.MethodDelete, "/api/v1/messages", nil)
	return m
}

// do calls the API and decodes its JSON answer into out (when not nil).
func (m mailpit) do(t *testing.T, method, path string, out any) []byte {
	t.Helper()
	req, err := http.NewRequest(method, m.api+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("mailpit %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s %s: %s %v\n%s", method, path, resp.Status, err, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("mailpit %s: %v", path, err)
		}
	}
	return body
}

type mpAddress struct{ Name, Address string }

type mpSummary struct {
	ID      string
	Subject string
	From    mpAddress
	To      []mpAddress
	Cc      []mpAddress
	Bcc     []mpAddress
}

type mpMessage struct {
	mpSummary
	Attachments []struct {
		PartID   string
		FileName string
		Size     int
	}
}

// messages returns every message mailpit holds.
func (m mailpit) messages(t *testing.T) []mpSummary {
	t.Helper()
	var list struct {
		Total    int
		Messages []mpSummary
	}
	m.do(t, http.MethodGet, "/api/v1/messages?limit=1000", &list)
	if list.Total != len(list.Messages) {
		t.Fatalf("mailpit holds %d messages, listed %d", list.Total, len(list.Messages))
	}
	return list.Messages
}

// copyExample copies examples/name into a temporary folder, so that state
// files land there, and returns that folder.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dst, os.DirFS(filepath.Join("..", "..", "examples", name))); err != nil {
		t.Fatal(err)
	}
	return dst
}

// recipientsOf lists every address of the message's To, Cc and Bcc.
func recipientsOf(m mpSummary) []string {
	var out []string
	for _, list := range [][]mpAddress{m.To, m.Cc, m.Bcc} {
		for _, a := range list {
			out = append(out, strings.ToLower(a.Address))
		}
	}
	return out
}

func TestSendToMailpit(t *testing.T) {
	mp := needMailpit(t)

	// The newsletter, with a Bcc added: the Bcc address must get every
	// message without appearing in any header.
	news := copyExample(t, "newsletter")
	tmplPath := filepath.Join(news, "template.md")
	tmpl, err := os.ReadFile(tmplPath)
	if err != nil {
		t.Fatal(err)
	}
	tmpl = bytes.Replace(tmpl, []byte("\nSubject:"), []byte("\nBcc: archive@example.net\nSubject:"), 1)
	if err := os.WriteFile(tmplPath, tmpl, 0o600); err != nil {
		t.Fatal(err)
	}
	r := mailrun(t, "", "send", "--data", filepath.Join(news, "recipients.csv"), "--template", tmplPath,
		"--layout", filepath.Join(news, "layout.html"), "--partials", filepath.Join(news, "partials"), "--smtp", "smtp://"+mp.smtp, "-q")
	wantCode(t, r, 0)

	inv := copyExample(t, "invoices")
	r = mailrun(t, "", "send", "--data", filepath.Join(inv, "recipients.xlsx"), "--template", filepath.Join(inv, "template.html"),
		"--smtp", "smtp://"+mp.smtp, "-q")
	wantCode(t, r, 0)

	// What the recipients should have got, from the data files.
	wantNews := map[string]string{} // address → display name
	readRows(t, filepath.Join(news, "recipients.csv"), func(row map[string]string) {
		wantNews[strings.ToLower(row["email"])] = row["name"]
	})
	wantInv := map[string]map[string]string{} // address → row
	wantCc := map[string]int{}
	readRows(t, filepath.Join(inv, "recipients.xlsx"), func(row map[string]string) {
		wantInv[strings.ToLower(row["email"])] = row
		if row["manager_email"] != "" {
			wantCc[strings.ToLower(row["manager_email"])]++
		}
	})

	// The two campaigns share recipients: tell them apart by their From.
	news1, inv1 := map[string]int{}, map[string]int{} // address → messages received
	for _, m := range mp.messages(t) {
		got := inv1
		if m.From.Address == "news@example.com" {
			got = news1
		}
		for _, a := range recipientsOf(m) {
			got[a]++
		}
		to := strings.ToLower(m.To[0].Address)
		if m.From.Address == "news@example.com" {
			name := wantNews[to]
			if want := name + "님, 11월 소식입니다 / November news"; m.Subject != want {
				t.Errorf("%s: subject %q, want %q", to, m.Subject, want)
			}
			if m.To[0].Name != name {
				t.Errorf("%s: To name %q, want %q", to, m.To[0].Name, name)
			}
			if len(m.Bcc) != 1 || m.Bcc[0].Address != "archive@example.net" {
				t.Errorf("%s: Bcc %v, want archive@example.net from the envelope", to, m.Bcc)
			}
			continue
		}
		row, ok := wantInv[to]
		if !ok {
			t.Errorf("unexpected message to %s", to)
			continue
		}
		var full mpMessage
		mp.do(t, http.MethodGet, "/api/v1/message/"+m.ID, &full)
		if len(full.Attachments) != 1 {
			t.Fatalf("%s: %d attachments, want 1", to, len(full.Attachments))
		}
		a := full.Attachments[0]
		want, err := os.ReadFile(filepath.Join(inv, row["invoice_file"]))
		if err != nil {
			t.Fatal(err)
		}
		body := mp.do(t, http.MethodGet, fmt.Sprintf("/api/v1/message/%s/part/%s", m.ID, a.PartID), nil)
		if a.FileName != row["invoice_file"] || !bytes.Equal(body, want) {
			t.Errorf("%s: attachment %s (%d bytes) is not %s byte for byte", to, a.FileName, len(body), row["invoice_file"])
		}
		if raw := mp.do(t, http.MethodGet, "/api/v1/message/"+m.ID+"/raw", nil); bytes.Contains(raw, []byte("archive@")) {
			t.Errorf("%s: a Bcc address is in the message headers", to)
		}
	}
	for addr := range wantNews {
		if news1[addr] != 1 {
			t.Errorf("newsletter: %s got %d messages, want 1", addr, news1[addr])
		}
	}
	if news1["archive@example.net"] != len(wantNews) {
		t.Errorf("newsletter: Bcc archive@example.net got %d messages, want %d", news1["archive@example.net"], len(wantNews))
	}
	for addr := range wantInv {
		if inv1[addr] != 1+wantCc[addr] {
			t.Errorf("invoices: %s got %d messages, want 1", addr, inv1[addr])
		}
	}
	for addr, n := range wantCc {
		if _, alsoTo := wantInv[addr]; !alsoTo && inv1[addr] != n {
			t.Errorf("invoices: Cc %s got %d messages, want %d", addr, inv1[addr], n)
		}
	}
}
