package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// Options configures New.
type Options struct {
	// CampaignID goes into every Message-ID (see Template.Render).
	CampaignID string
	// KeyColumn names the column that identifies a recipient. Empty means
	// the lower-cased address of the first To recipient.
	KeyColumn string
	// TextPath is the text/template file for the text/plain part. Empty
	// means the text part is derived from the rendered HTML.
	TextPath string
	// AttachDir is the folder Attach: and Embed: paths are relative to.
	// Empty means the template's folder.
	AttachDir string
	// Now returns the time for the Date header; nil means time.Now.
	Now func() time.Time
	// UnsubscribeURL, when set, is a text/template over the row (such as
	// https://example.com/u/{{.id}}) whose value goes into the RFC 8058
	// one-click unsubscribe headers of every message (see the package
	// documentation).
	UnsubscribeURL string
	// DKIM, when set, signs every message.
	DKIM *DKIM
	// ProofTo, when set, makes every message a proof copy for these
	// addresses: they are its only envelope recipients and its To header,
	// it has no Cc, and its real To, Cc and Bcc addresses go into the
	// ProofHeader header. The rest (Subject, body, DKIM, unsubscribe,
	// List-Id, return path) is the real message's.
	ProofTo []string
	// ReturnPath, when not zero, is the envelope sender of every message
	// instead of its From address; with a VERP placeholder it carries the
	// row's token (campaign.VERPToken of CampaignID, the row and its key).
	ReturnPath campaign.ReturnPath
	// ListID, when set, adds a List-Id header (RFC 2919) to every message:
	// "news.example.com" or "Newsletter <news.example.com>".
	ListID string
	// LayoutPath is an HTML template file that wraps every body: it calls
	// {{template "content" .}} where the body goes.
	LayoutPath string
	// PartialsDir is a folder whose .html and .md files are templates the
	// body, the layout and the text template may call by file name
	// without the extension: {{template "footer" .}}.
	PartialsDir string
	// KeepCSS leaves <style> blocks as written. By default, when the HTML
	// has a <style> block, its rules are inlined into style attributes.
	KeepCSS bool
	// MaxAttachmentSize bounds each attached or embedded file (default
	// 25 MiB); MaxMessageSize bounds the rendered message, and each part
	// while it is rendered (default 40 MiB); MaxRenderTime bounds the time
	// one row's message takes to render (default 10s; see Render).
	MaxAttachmentSize, MaxMessageSize int64
	MaxRenderTime                     time.Duration
}

// The default limits of Options.
const (
	DefaultMaxAttachmentSize = 25 << 20
	DefaultMaxMessageSize    = 40 << 20
	DefaultMaxRenderTime     = 10 * time.Second
)

// withDefaults returns o with Now and each limit that is not positive set
// to its default.
func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxAttachmentSize <= 0 {
		o.MaxAttachmentSize = DefaultMaxAttachmentSize
	}
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.MaxRenderTime <= 0 {
		o.MaxRenderTime = DefaultMaxRenderTime
	}
	return o
}

// Template is a parsed message template. It implements campaign.Renderer and
// is safe for concurrent use.
type Template struct {
	path string
	opts Options
	hash string

	headers  []*header
	from, to *header

	body    *htmltemplate.Template // the layout (or the body) and the templates it calls; nil for a plain-text body
	sources map[string]*source     // the file of each template of body (or of the plain body), by name
	text    *texttemplate.Template // from TextPath, or derived from the body; the body itself when plain
	textSrc string                 // TextPath's text ("" when derived)

	plain     bool        // the body is plain text (no HTML tags): text is its template
	markdown  bool        // the body is Markdown
	extraHash []string    // what besides the files goes into the hash
	inlineCSS bool        // the body's <style> rules are inlined (see prepareInline)
	once      *onceInline // the body inlined once; nil when each message is inlined

	bodyFields, textFields []string // row fields the body and text use
	bodyPlan, textPlan     plan     // body and text without reflection, if simple

	attachDir   string
	attachShown string   // attachDir as errors show it: absolute
	root        *os.Root // nil when the template attaches nothing

	unsub  *unsubscribe // nil without Options.UnsubscribeURL
	listID []byte       // the List-Id header line, nil without Options.ListID

	proofTo []*mail.Address // Options.ProofTo

	warnings []Warning

	guard *guard       // bounds each render
	files *attachCache // the attached files, read once
}

var _ campaign.Renderer = (*Template)(nil)

// New reads and parses the template file at templatePath (and opts.TextPath
// if set). A file that cannot be read or does not parse, a malformed or
// reserved header line, a missing From or To header, or a static address that
// does not parse is returned as a *campaign.InputError naming the file and,
// when it applies, the line.
func New(templatePath string, opts Options) (*Template, error) {
	opts = opts.withDefaults()
	src, err := os.ReadFile(templatePath)
	if err != nil {
		return nil, &campaign.InputError{File: templatePath, Err: fmt.Errorf("render: %w", err)}
	}
	t := &Template{path: templatePath, opts: opts,
		markdown: strings.EqualFold(filepath.Ext(templatePath), ".md"), guard: newGuard(opts.MaxMessageSize, opts.MaxRenderTime)}
	h := sha256.New()
	h.Write(src)

	if err := t.parseFile(normalize(src)); err != nil {
		return nil, err
	}
	if opts.UnsubscribeURL != "" {
		if err := t.parseUnsubscribe(opts.UnsubscribeURL); err != nil {
			return nil, err
		}
		h.Write([]byte("\x00unsubscribe-url\x00" + opts.UnsubscribeURL))
	}
	if opts.ListID != "" {
		if err := t.parseListID(opts.ListID); err != nil {
			return nil, err
		}
		h.Write([]byte("\x00list-id\x00" + opts.ListID))
	}
	if opts.DKIM != nil {
		if err := checkDKIM(opts.DKIM); err != nil {
			return nil, err
		}
	}
	if t.proofTo, err = parseProofTo(opts.ProofTo); err != nil {
		return nil, err
	}
	if opts.TextPath != "" && t.plain {
		return nil, &campaign.InputError{File: opts.TextPath, Err: fmt.Errorf("render: the body of %s has no HTML tags, so it is sent as the text part itself: "+
			"a separate text template is for HTML bodies", templatePath)}
	}
	if opts.TextPath != "" {
		tsrc, err := os.ReadFile(opts.TextPath)
		if err != nil {
			return nil, &campaign.InputError{File: opts.TextPath, Err: fmt.Errorf("render: %w", err)}
		}
		h.Write(tsrc)
		t.textSrc = normalize(tsrc)
		t.text, err = t.textSet("text", t.textSrc, false)
		if err != nil {
			return nil, parseError(opts.TextPath, 0, t.textSrc, err)
		}
		if err := t.checkTemplate(opts.TextPath, 0, textTrees(t.text), t.guard.textFuncs()); err != nil {
			return nil, err
		}
		t.textFields = fieldsOf(t.text)
	}
	t.bodyFields = names(t.bodyRefs())
	if t.text == nil {
		t.text = t.defaultText()
	}
	t.prepareInline()
	for _, x := range t.extraHash {
		h.Write([]byte(x))
	}
	if t.text != nil {
		t.textPlan = compilePlan(t.text.Tree, textFilters)
	}
	t.hash = hex.EncodeToString(h.Sum(nil))
	if err := t.openAttachDir(); err != nil {
		return nil, err
	}
	return t, nil
}

// Hash returns the hex SHA-256 of what makes the messages: the template
// file's bytes, then the unsubscribe URL template and the List-Id (if
// set), the text template file's bytes, the layout and the partials, and
// whether a <style> block is kept. The state file records it to notice a
// changed template on resume.
func (t *Template) Hash() string { return t.hash }

// normalize drops a UTF-8 byte order mark and turns CRLF line ends into LF.
func normalize(b []byte) string {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// parseFile splits src into header lines and the body and parses each.
func (t *Template) parseFile(src string) error {
	lines := strings.Split(src, "\n")
	var cur *header
	end := -1
	for i, l := range lines {
		if strings.TrimLeft(l, " \t") == "" {
			end = i
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			if cur == nil {
				return t.inputErr(i+1, "render: a continuation line (starting with a space) before any header")
			}
			cur.src += " " + strings.TrimSpace(l)
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok || !validName(name) {
			return t.inputErr(i+1, "render: want a header line \"Name: value\" or a blank line before the body, got %q", l)
		}
		cur = &header{name: name, src: strings.TrimSpace(value), line: i + 1}
		t.headers = append(t.headers, cur)
	}
	if end < 0 {
		return t.inputErr(len(lines), "render: no blank line between the headers and the body")
	}
	for _, h := range t.headers {
		if err := t.prepareHeader(h); err != nil {
			return err
		}
	}
	if t.from == nil {
		return t.inputErr(1, "render: the template has no From header")
	}
	if t.to == nil {
		return t.inputErr(1, "render: the template has no To header")
	}
	t.checkHeaderNames()

	body := strings.Join(lines[end+1:], "\n")
	if !t.markdown && t.opts.LayoutPath == "" && !isHTML(body) {
		return t.parsePlainBody(body, end+2)
	}
	return t.parseBody(body, end+2)
}

// validName reports whether s is a header field name (RFC 5322 ftext).
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 {
			return false
		}
	}
	return true
}

func (t *Template) inputErr(line int, format string, args ...any) error {
	return &campaign.InputError{File: t.path, Line: line, Err: fmt.Errorf(format, args...)}
}

// parseErrLine matches the location that text/template puts in a parse
// error: "template: NAME:LINE: message". The parse package offers no other
// way to get at the line.
var parseErrLine = regexp.MustCompile(`^template: [^:]*:(\d+):(?:\d+:)? ?(.*)$`)

// parseError turns the parse error of the template src into an
// InputError for file, the template's line 1 being file line offset+1.
func parseError(file string, offset int, src string, err error) error {
	m := parseErrLine.FindStringSubmatch(err.Error())
	if m == nil {
		return &campaign.InputError{File: file, Err: fmt.Errorf("render: %w", err)}
	}
	n, _ := strconv.Atoi(m[1])
	return &campaign.InputError{File: file, Line: n + offset, Err: errors.New("render: " + m[2] + spacedColumnHint(src, m[2]))}
}

// undefinedFunc matches text/template's error for an unknown function.
var undefinedFunc = regexp.MustCompile(`^function "([^"]+)" not defined$`)

// spacedColumnHint explains the parse error msg of the template src when
// it comes from a column name with a space written as a field:
// {{.First Name}} reads as the field First given to a function Name.
func spacedColumnHint(src, msg string) string {
	m := undefinedFunc.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	field := regexp.MustCompile(`\.([\pL\pN_]+)\s+` + regexp.QuoteMeta(m[1]) + `\b`).FindStringSubmatch(src)
	if field == nil {
		return ""
	}
	name := field[1] + " " + m[1]
	return fmt.Sprintf(`: for the column %q, whose name has a space, write {{index . %q}}`, name, name)
}

// openAttachDir opens the attachment folder if any header attaches a file.
func (t *Template) openAttachDir() error {
	needed := false
	for _, h := range t.headers {
		if h.kind == kindAttach || h.kind == kindEmbed {
			needed = true
		}
	}
	if !needed {
		return nil
	}
	t.attachDir = t.opts.AttachDir
	if t.attachDir == "" {
		t.attachDir = filepath.Dir(t.path)
	}
	t.attachShown = t.attachDir
	if abs, err := filepath.Abs(t.attachDir); err == nil {
		t.attachShown = abs
	}
	root, err := os.OpenRoot(t.attachDir)
	if err != nil {
		return &campaign.InputError{File: t.attachDir, Err: fmt.Errorf("render: attachment folder: %w", err)}
	}
	t.root = root
	t.files = &attachCache{max: 4 * t.opts.MaxAttachmentSize}
	return nil
}
