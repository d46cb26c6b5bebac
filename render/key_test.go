package render_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

func TestKey(t *testing.T) {
	dir := t.TempDir()
	byAddress := mustTemplate(t, dir, basic, render.Options{})
	byColumn := mustTemplate(t, dir, basic, render.Options{KeyColumn: "id"})
	fields := func(email, id string) campaign.Row {
		return campaign.Row{Num: 3, Fields: map[string]string{"email": email, "name": "Bob", "order": "1", "file": "", "id": id}}
	}
	tests := []struct {
		tmpl    *render.Template
		row     campaign.Row
		want    string
		wantErr string
	}{
		{byAddress, fields("Bob@Example.COM", ""), "bob@example.com", ""},
		{byColumn, fields("Bob@Example.COM", "  C-0042 "), "C-0042", ""},
		{byColumn, fields("bob@example.com", " "), "", `row 3: column "id": render: the key is empty`},
		{byAddress, fields("", ""), "", `row 3: render: To: invalid address "\"Bob\" <>": mail: invalid string`},
		{byAddress, fields("bob@", ""), "", `row 3: column "email": render: To: not an email address: "bob@" (invalid string)`},
	}
	for _, tt := range tests {
		got, err := tt.tmpl.Key(tt.row)
		var re *campaign.RowError
		if tt.wantErr != "" && (!errors.As(err, &re) || err.Error() != tt.wantErr) {
			t.Errorf("Key(%q) error = %v, want %q", tt.row.Fields, err, tt.wantErr)
		}
		if tt.wantErr == "" && (err != nil || got != tt.want) {
			t.Errorf("Key(%q) = %q, %v; want %q", tt.row.Fields, got, err, tt.want)
		}
	}
	// The Message-ID follows from the campaign id and the key alone:
	// hex(sha256(CampaignID + NUL + key)[:16]) @ the From domain.
	sum := sha256.Sum256([]byte(campaignID + "\x00C-0042"))
	wantID := hex.EncodeToString(sum[:16]) + "@example.com"
	a, err := byColumn.Render(fields("bob@example.com", "C-0042"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := byColumn.Render(fields("other@example.com", "C-0042"))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != wantID || b.ID != wantID {
		t.Errorf("Message-IDs %q and %q, want both %q", a.ID, b.ID, wantID)
	}
}

func TestLongHeaders(t *testing.T) {
	dir := t.TempDir()
	tmpl := mustTemplate(t, dir, "From: {{.from}} <news@example.com>\nTo: {{.name}} <{{.email}}>\nSubject: {{.subject}}\nX-Note: a long\n  continued line\n\n<p></p>\n", render.Options{})
	subject := strings.Repeat("한국어 제목이 아주 길어서 여러 줄로 접혀야 합니다. ", 12)
	ascii := strings.Repeat("An ASCII subject that is long enough to fold. ", 6)
	name := strings.Repeat("김", 80)
	for _, subj := range []string{strings.TrimSpace(subject), strings.TrimSpace(ascii), "=?utf-8?q?not_an_encoded_word?="} {
		msg, err := tmpl.Render(campaign.Row{Num: 1, Fields: map[string]string{"from": name, "name": name, "email": "a@example.org", "subject": subj}})
		if err != nil {
			t.Fatal(err)
		}
		checkLines(t, msg.Data, 78)
		m := parseMessage(t, msg.Data)
		if got := decodeHeader(t, m.header.Get("Subject")); got != subj {
			t.Errorf("Subject = %q, want %q", got, subj)
		}
		to, err := m.header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Name != name {
			t.Errorf("To = %v, %v; want the name %q", to, err, name)
		}
		if got := m.header.Get("X-Note"); got != "a long continued line" {
			t.Errorf("X-Note = %q (continuation lines join with one space)", got)
		}
	}
}

func TestRenderConcurrently(t *testing.T) {
	tmpl := mustTemplate(t, t.TempDir(), basic, render.Options{})
	rows := make([]campaign.Row, 64)
	want := make([]string, len(rows))
	for i := range rows {
		rows[i] = campaign.Row{Num: i + 1, Fields: map[string]string{"email": "user" + strings.Repeat("x", i) + "@example.com", "name": "이름 " + strings.Repeat("가", i), "order": "o", "file": ""}}
		msg, err := tmpl.Render(rows[i])
		if err != nil {
			t.Fatal(err)
		}
		want[i] = string(msg.Data)
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Go(func() {
			for i, row := range rows {
				msg, err := tmpl.Render(row)
				if err != nil || string(msg.Data) != want[i] {
					t.Errorf("row %d rendered differently under concurrency (err %v)", row.Num, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
