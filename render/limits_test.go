package render_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/render"
)

const plainHead = "From: a@example.com\nTo: b@example.com\nSubject: hi\n\n"

func TestRemovedFunctions(t *testing.T) {
	for _, fn := range []string{"randInt 1 9", "randAlpha 5", "shuffle .x", "uuidv4", "now", "ago .x", "bcrypt .x", "htpasswd .x .y",
		`encryptAES "k" .x`, "genPrivateKey \"rsa\"", `derivePassword 1 "long" "p" "u" "s"`, "env \"HOME\"", "expandenv .x"} {
		_, err := newTemplate(t, t.TempDir(), plainHead+"<p>{{"+fn+"}}</p>\n", render.Options{})
		var ie *campaign.InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "not defined") {
			t.Errorf("{{%s}}: New returned %v, want an input error: function not defined", fn, err)
		}
	}
}

func TestRenderBounds(t *testing.T) {
	opts := render.Options{MaxMessageSize: 1 << 20, MaxRenderTime: 200 * time.Millisecond}
	row := campaign.Row{Num: 1, Fields: map[string]string{"n": "3000000000", "x": "x"}}
	tests := []struct {
		name, body string
		limit      campaign.LimitKind
		want       string
	}{
		{"repeat", `{{repeat 3000000000 "x"}}`, campaign.LimitMessageSize, "the message holds more than 1 MiB"},
		{"indent", `{{indent 3000000 .x}}`, campaign.LimitMessageSize, "the message holds more than 1 MiB"},
		{"output of a loop", `{{range until 100000}}{{range until 100}}xxxxxxxxxx{{end}}{{end}}`, campaign.LimitMessageSize, "the message holds more than 1 MiB"},
		{"nested until", `{{range until 100000}}{{range until 100000}}{{$x := until 10}}{{end}}{{end}}`, campaign.LimitRenderTime, "rendering the message took longer than 200ms"},
		{"a subject that loops", `x`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := plainHead + "<p>" + tt.body + "</p>\n"
			if tt.limit == 0 {
				text = "From: a@example.com\nTo: b@example.com\nSubject: {{range until 100000}}{{range until 100000}}{{upper $.x}}{{end}}{{end}}\n\nx\n"
				tt.limit, tt.want = campaign.LimitRenderTime, "rendering the message took longer than 200ms"
			}
			o := opts
			if tt.limit != campaign.LimitRenderTime {
				o.MaxRenderTime = time.Minute // only the size may stop it
			}
			tmpl := mustTemplate(t, t.TempDir(), text, o)
			start := time.Now()
			_, err := tmpl.Render(row)
			var (
				re *campaign.RowError
				le *campaign.LimitError
			)
			if !errors.As(err, &re) || !errors.As(err, &le) || le.Kind != tt.limit || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Render: %v, want a row error with %q", err, tt.want)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("Render took %v", d)
			}
		})
	}
	t.Run("until", func(t *testing.T) {
		tmpl := mustTemplate(t, t.TempDir(), plainHead+"<p>{{range until (atoi .n)}}x{{end}}</p>\n", opts)
		if _, err := tmpl.Render(row); err == nil || !strings.Contains(err.Error(), "a list of more than 100000 elements") {
			t.Errorf("Render: %v, want until's bound", err)
		}
	})
	t.Run("printf width", func(t *testing.T) {
		tmpl := mustTemplate(t, t.TempDir(), plainHead+`<p>{{printf "%1000000000d" 1}}</p>`+"\n", opts)
		if _, err := tmpl.Render(row); err == nil || !strings.Contains(err.Error(), "printf: a width or precision over") {
			t.Errorf("Render: %v, want printf's bound", err)
		}
	})
}

// TestRunawayRenderSparesTheOthers renders rows while one row's render
// runs away: that one fails, the others render as if nothing happened.
func TestRunawayRenderSparesTheOthers(t *testing.T) {
	tmpl := mustTemplate(t, t.TempDir(), plainHead+`<p>{{range until (atoi .n)}}{{range until (atoi $.n)}}{{$x := until 10}}{{end}}{{end}}{{.x}}</p>`+"\n",
		render.Options{MaxRenderTime: 300 * time.Millisecond})
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Go(func() {
			n := "3"
			if i == 0 {
				n = "100000"
			}
			_, errs[i] = tmpl.Render(campaign.Row{Num: i + 1, Fields: map[string]string{"n": n, "x": "ok"}})
		})
	}
	wg.Wait()
	var le *campaign.LimitError
	if !errors.As(errs[0], &le) || le.Kind != campaign.LimitRenderTime {
		t.Errorf("the runaway row: %v, want the render-time limit", errs[0])
	}
	for i, err := range errs[1:] {
		if err != nil {
			t.Errorf("row %d: %v", i+2, err)
		}
	}
}

func TestUnboundedLoopsRefused(t *testing.T) {
	for _, body := range []string{
		`{{range 1000000000}}{{end}}`,
		`{{range atoi .n}}{{end}}`,
		`{{$n := 5}}{{range $n}}{{end}}`,
		`{{range len .x}}{{end}}`,
		`{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}`,
		`{{define "a"}}{{template "b" .}}{{end}}{{define "b"}}{{if .x}}{{template "a" .}}{{end}}{{end}}{{template "a" .}}`,
	} {
		_, err := newTemplate(t, t.TempDir(), plainHead+"<p>"+body+"</p>\n", render.Options{})
		var ie *campaign.InputError
		if !errors.As(err, &ie) || !(strings.Contains(err.Error(), "range over a number") || strings.Contains(err.Error(), "calls itself")) {
			t.Errorf("%s: New returned %v, want an input error", body, err)
		}
	}
	mustTemplate(t, t.TempDir(), plainHead+`<p>{{range until 3}}{{.}}{{end}}{{define "a"}}x{{end}}{{template "a" .}}</p>`+"\n", render.Options{})
}

func TestAttachmentReadOnceForAllMessages(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "news.pdf"), make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	tmpl := mustTemplate(t, dir, "From: a@example.com\nTo: {{.to}}\nAttach: news.pdf\n\nx\n", render.Options{})
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			if _, err := tmpl.Render(campaign.Row{Num: i + 1, Fields: map[string]string{"to": "b@example.com"}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := render.AttachmentReads(tmpl); n != 1 {
		t.Errorf("the attachment was read %d times for 32 messages, want once", n)
	}
	// A changed file is read again.
	if err := os.WriteFile(filepath.Join(dir, "news.pdf"), make([]byte, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := tmpl.Render(campaign.Row{Num: 99, Fields: map[string]string{"to": "b@example.com"}}); err != nil {
		t.Fatal(err)
	}
	if n := render.AttachmentReads(tmpl); n != 2 {
		t.Errorf("after the file changed: %d reads, want 2", n)
	}
}
