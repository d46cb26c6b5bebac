package main

import (
	"context"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/sender/smtptest"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// dumpDOM loads the file at path in headless Chromium and returns the DOM
// it built. Without Chromium the test fails under CI and is skipped
// elsewhere (smtptest.Missing).
func dumpDOM(t *testing.T, path string) string {
	t.Helper()
	dom, _ := chromium(t, path)
	return dom
}

// chromium loads the file at path in headless Chromium and returns the DOM
// it built and Chromium's log, in which the page's console messages
// (Content-Security-Policy violations among them) show as "CONSOLE" lines.
func chromium(t *testing.T, path string) (dom, log string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		smtptest.Missing(t, chromiumPath, "apt-get install chromium")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromiumPath, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--enable-logging=stderr", "--v=0",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+abs)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	return string(out), stderr.String()
}

// The DOM of a section for one row, and the srcdoc of its iframe.
var (
	sectionRE = regexp.MustCompile(`(?s)<section id="row-(\d+)"[^>]*>(.*?)</section>`)
	srcdocRE  = regexp.MustCompile(`(?s)<iframe [^>]*srcdoc="([^"]*)"`)
)

func TestPreviewIndexInChromium(t *testing.T) {
	dir, _ := previewNewsletter(t)
	dom := dumpDOM(t, filepath.Join(dir, "index.html"))

	sections := map[string]string{}
	for _, m := range sectionRE.FindAllStringSubmatch(dom, -1) {
		sections[m[1]] = m[2]
	}
	files := emlFiles(t, dir)
	if len(sections) != len(files) || len(files) != 9 {
		t.Fatalf("Chromium shows %d messages, %d .eml files were written, want 9 of both:\n%s", len(sections), len(files), dom)
	}
	for _, name := range files {
		num, _, _ := strings.Cut(name, "-")
		row := strings.TrimLeft(num, "0")
		section, ok := sections[row]
		if !ok {
			t.Errorf("no section for row %s (%s)", row, name)
			continue
		}
		text := html.UnescapeString(section)
		subject, to := decodedHeaders(t, filepath.Join(dir, name))
		for _, want := range []string{"<th>Subject</th><td>" + subject + "</td>", "<th>To</th><td>" + to + "</td>"} {
			if !strings.Contains(text, want) {
				t.Errorf("row %s: the page lacks %q", row, want)
			}
		}
		m := srcdocRE.FindStringSubmatch(section)
		if m == nil {
			t.Errorf("row %s: no iframe with srcdoc", row)
			continue
		}
		body := html.UnescapeString(m[1])
		displayName, _, _ := strings.Cut(to, " <")
		// The layout's <style> rules reach the recipient inlined, as the
		// preview shows them.
		for _, want := range []string{"<h1 style=\"margin:0 0 16px;font-size:22px\">", "안녕하세요 " + displayName + "님,",
			"Here is what happened this month:", `<td class="main" style="padding:32px;line-height:1.5">`, `<p class="footer" style="font-size:12px;color:#888888">`} {
			// The srcdoc is HTML: unescape its character references too.
			if !strings.Contains(html.UnescapeString(body), want) {
				t.Errorf("row %s: the HTML part lacks %q:\n%s", row, want, body)
			}
		}
	}
}
