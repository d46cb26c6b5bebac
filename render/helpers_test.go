package render_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
	"github.com/mailrun/mailrun/render"
)

// campaignID and now are fixed so that rendered messages are reproducible.
const campaignID = "test-campaign"

func now() time.Time {
	return time.Date(2026, 11, 26, 9, 30, 0, 0, time.FixedZone("KST", 9*60*60))
}

// newTemplate parses the template text written to dir/template.html.
func newTemplate(t testing.TB, dir, text string, opts render.Options) (*render.Template, error) {
	t.Helper()
	path := filepath.Join(dir, "template.html")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	opts.CampaignID = campaignID
	opts.Now = now
	return render.New(path, opts)
}

// mustTemplate is newTemplate for templates that must parse.
func mustTemplate(t testing.TB, dir, text string, opts render.Options) *render.Template {
	t.Helper()
	tmpl, err := newTemplate(t, dir, text, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tmpl
}

// readRows reads every row of a data file through source.Open.
func readRows(t *testing.T, path string) ([]string, []campaign.Row) {
	t.Helper()
	src, err := source.Open(path, source.Options{})
	if err != nil {
		t.Fatalf("OpenSource(%s): %v", path, err)
	}
	defer src.Close()
	var rows []campaign.Row
	for {
		row, err := src.Next()
		if errors.Is(err, io.EOF) {
			return src.Columns(), rows
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		rows = append(rows, row)
	}
}

// part is one MIME entity of a parsed message, with its body decoded (and
// the CRLF line breaks of a text part turned into LF).
type part struct {
	mediaType string
	params    map[string]string
	header    textproto.MIMEHeader
	body      []byte
	parts     []part
}

// parsed is a message read back with net/mail and mime/multipart.
type parsed struct {
	header mail.Header
	root   part
}

// parseMessage reads data back as a recipient's mail reader would, failing
// the test on anything that does not parse.
func parseMessage(t testing.TB, data []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	root := parseEntity(t, textproto.MIMEHeader(msg.Header), msg.Body)
	return parsed{header: msg.Header, root: root}
}

func parseEntity(t testing.TB, h textproto.MIMEHeader, body io.Reader) part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	p := part{mediaType: mt, params: params, header: h}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			child, err := r.NextRawPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", mt, err)
			}
			p.parts = append(p.parts, parseEntity(t, child.Header, child))
		}
		return p
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	switch cte := h.Get("Content-Transfer-Encoding"); cte {
	case "quoted-printable":
		p.body, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
	case "base64":
		p.body, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(raw)))
	default:
		t.Fatalf("%s part with Content-Transfer-Encoding %q", mt, cte)
	}
	if err != nil {
		t.Fatalf("%s: decoding: %v", mt, err)
	}
	if strings.HasPrefix(mt, "text/") { // canonical CRLF line breaks, as LF
		p.body = bytes.ReplaceAll(p.body, []byte("\r\n"), []byte("\n"))
	}
	return p
}

// decodeHeader decodes the RFC 2047 encoded-words of a header value.
func decodeHeader(t testing.TB, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatalf("DecodeHeader(%q): %v", v, err)
	}
	return s
}

// shape returns the media types of p's tree, e.g.
// "multipart/mixed[multipart/alternative[text/plain text/html] application/pdf]".
func shape(p part) string {
	if len(p.parts) == 0 {
		return p.mediaType
	}
	kids := make([]string, len(p.parts))
	for i, c := range p.parts {
		kids[i] = shape(c)
	}
	return p.mediaType + "[" + strings.Join(kids, " ") + "]"
}

// find returns the first leaf part of media type mt, depth first.
func find(p part, mt string) (part, bool) {
	if p.mediaType == mt && len(p.parts) == 0 {
		return p, true
	}
	for _, c := range p.parts {
		if f, ok := find(c, mt); ok {
			return f, true
		}
	}
	return part{}, false
}

// checkLines fails the test unless every line of data ends in CRLF and is
// at most max octets long.
func checkLines(t testing.TB, data []byte, max int) {
	t.Helper()
	for i, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if !bytes.HasSuffix(line, []byte("\r\n")) {
			t.Fatalf("line %d does not end in CRLF: %q", i+1, line)
		}
		if n := len(line) - 2; n > max {
			t.Fatalf("line %d is %d octets long (max %d): %q", i+1, n, max, line)
		}
		if bytes.IndexByte(line[:len(line)-2], '\r') >= 0 {
			t.Fatalf("line %d holds a bare CR: %q", i+1, line)
		}
	}
}
