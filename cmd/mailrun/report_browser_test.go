package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// svgRE finds a chart's section and its SVG; shapeRE the filled shapes
// (bars) drawn in it.
var (
	chartRE = regexp.MustCompile(`(?s)<section id="chart-([a-z]+)"[^>]*>(.*?)</section>`)
	shapeRE = regexp.MustCompile(`<path[^>]* d="M [^"]+"[^>]*fill:rgb`)
	cspRE   = regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`)
)

// offline checks that the page at path, loaded in Chromium, requests
// nothing: its Content-Security-Policy allows no source but inline styles
// and data: images, and Chromium logs no violation of it (every load the
// page tried would be one). It returns the DOM and what it found wrong.
func offline(t *testing.T, path string) (dom string, problems []string) {
	t.Helper()
	dom, log := chromium(t, path)
	m := cspRE.FindStringSubmatch(dom)
	if m == nil {
		return dom, []string{"no Content-Security-Policy"}
	}
	csp := strings.ReplaceAll(m[1], "&#39;", "'")
	for _, want := range []string{"default-src 'none'", "style-src 'unsafe-inline'", "img-src data:"} {
		if !strings.Contains(csp, want) {
			problems = append(problems, "the policy lacks "+want+": "+csp)
		}
	}
	if strings.Contains(csp, "http") || strings.Contains(csp, "*") {
		problems = append(problems, "the policy allows a network source: "+csp)
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "CONSOLE") {
			problems = append(problems, "Chromium: "+line)
		}
	}
	return dom, problems
}

func TestReportInChromium(t *testing.T) {
	states := reportFixture(t)
	path, _ := writeReport(t, states)
	dom, problems := offline(t, path)
	for _, p := range problems {
		t.Error(p)
	}

	// The numbers Chromium shows are status --json's.
	checkNumbers(t, dom, states)

	// Each chart is drawn: an SVG with a bar for its data.
	charts := map[string]string{}
	for _, m := range chartRE.FindAllStringSubmatch(dom, -1) {
		charts[m[1]] = m[2]
	}
	for id, min := range map[string]int{"timeline": 19, "domains": 5, "codes": 3, "relays": 2, "shards": 2} {
		svg := charts[id]
		if !strings.Contains(svg, "<svg") {
			t.Errorf("chart %s: no SVG in the DOM", id)
			continue
		}
		if n := len(shapeRE.FindAllString(svg, -1)); n < min {
			t.Errorf("chart %s: %d filled shapes, want at least %d (one per bar)", id, n, min)
		}
	}
	for _, label := range []string{">naver.example<", ">550 5.1.1<", ">postmark<", ">delivered<"} {
		if !strings.Contains(dom, label) {
			t.Errorf("the charts lack the label %s", label)
		}
	}
	if strings.Contains(dom, "<script") {
		t.Error("the DOM has a script element: a hostile recipient key got through")
	}

	// The check above would see a page that loads something.
	bad := filepath.Join(t.TempDir(), "bad.html")
	page, _ := os.ReadFile(path)
	tampered := strings.Replace(string(page), "<title>", `<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><title>`, 1)
	if err := os.WriteFile(bad, []byte(tampered), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, problems := offline(t, bad); len(problems) == 0 {
		t.Error("a page that loads a stylesheet from the network passed the check")
	}
}
