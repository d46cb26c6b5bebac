package main

import (
	"html"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// previewNewsletter previews the newsletter example into a new folder with
// the extra args and returns the folder.
func previewNewsletter(t *testing.T, extra ...string) (string, result) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "preview")
	args := append(append([]string{"preview"}, newsletterArgs()...), "--out", dir)
	r := mailrun(t, "", append(args, extra...)...)
	wantCode(t, r, 0)
	return dir, r
}

// emlFiles returns the names of the .eml files in dir, sorted.
func emlFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	slices.Sort(names)
	return names
}

// readFile returns the contents of path.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// decodedHeaders parses the .eml file at path with net/mail and returns its
// Subject and To headers decoded, the way a mail program shows them.
func decodedHeaders(t *testing.T, path string) (subject, to string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("%s: Subject: %v", path, err)
	}
	addrs, err := m.Header.AddressList("To")
	if err != nil || len(addrs) != 1 {
		t.Fatalf("%s: To: %v %v", path, addrs, err)
	}
	return subject, addrs[0].Name + " <" + addrs[0].Address + ">"
}

func TestPreviewNewsletter(t *testing.T) {
	dir, r := previewNewsletter(t)
	if !strings.Contains(r.stdout, dir) || !strings.Contains(r.stdout, "9 messages") {
		t.Errorf("stdout does not say what it wrote where:\n%s", r.stdout)
	}
	files := emlFiles(t, dir)
	if len(files) != 9 {
		t.Fatalf("%d .eml files, want 9 (one per row): %v", len(files), files)
	}
	if files[0] != "000001-minji.kim@example.com.eml" {
		t.Errorf("first file is %q, want 0001-minji.kim@example.com.eml", files[0])
	}
	index := html.UnescapeString(readFile(t, filepath.Join(dir, "index.html")))
	for _, name := range files {
		subject, to := decodedHeaders(t, filepath.Join(dir, name))
		for _, want := range []string{subject, to, `href="` + name + `"`} {
			if !strings.Contains(index, want) {
				t.Errorf("index.html lacks %q of %s", want, name)
			}
		}
	}
	for _, want := range []string{"김민지님, 11월 소식입니다 / November news", "Smith, Bob <bob.smith@example.org>", "<iframe sandbox", "안녕하세요 김민지님,"} {
		if !strings.Contains(index, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
}

func TestPreviewLimitAndRerun(t *testing.T) {
	dir, _ := previewNewsletter(t, "--limit", "5")
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append(append([]string{"preview"}, newsletterArgs()...), "--out", dir, "--limit", "2")
	wantCode(t, mailrun(t, "", args...), 0)
	want := []string{"000001-minji.kim@example.com.eml", "000002-seojun.park@example.com.eml"}
	if got := emlFiles(t, dir); !slices.Equal(got, want) {
		t.Errorf("after a second preview with --limit 2: %v, want %v", got, want)
	}
	if _, err := os.Stat(notes); err != nil {
		t.Errorf("preview removed a file it did not write: %v", err)
	}
}

func TestPreviewListsFailedRows(t *testing.T) {
	dir := t.TempDir()
	r := mailrun(t, "", append(append([]string{"preview", "--data", "testdata/broken.csv"}, newsletterTemplate()...), "--out", dir)...)
	wantCode(t, r, 0)
	want := []string{"000001-ok@example.com.eml", "000006-last@example.com.eml"}
	if got := emlFiles(t, dir); !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	index := html.UnescapeString(readFile(t, filepath.Join(dir, "index.html")))
	for _, w := range []string{`id="row-2" class="failed"`, "not-an-address", "duplicate of row 1", `id="row-4" class="failed"`, `id="row-5" class="failed"`} {
		if !strings.Contains(index, w) {
			t.Errorf("index.html lacks %q", w)
		}
	}
	if !strings.Contains(r.stdout, "4 rows failed to render") {
		t.Errorf("stdout does not count the failed rows:\n%s", r.stdout)
	}
}

func TestPreviewShowsEnvelopeAndAttachments(t *testing.T) {
	dir := t.TempDir()
	r := mailrun(t, "", "preview", "--data", "testdata/receipt.csv", "--template", "testdata/receipt.html", "--out", dir)
	wantCode(t, r, 0)
	index := readFile(t, filepath.Join(dir, "index.html"))
	for _, w := range []string{
		`&lt;archive@example.com&gt; <span class="bcc">(Bcc)</span>`,
		`&lt;ana@example.com&gt;,`,
		"<li>receipt.txt (text/plain, 25 B)</li>",
		"Your receipt, Ana",
	} {
		if !strings.Contains(index, w) {
			t.Errorf("index.html lacks %q", w)
		}
	}
	if strings.Contains(index, "<th>Bcc</th>") {
		t.Error("index.html shows a Bcc header: the message must not carry one")
	}
}
