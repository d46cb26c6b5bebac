package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mailrun/mailrun/campaign"
)

// scratch holds the buffers of one Render call; they are reused through
// scratchPool.
type scratch struct {
	val, html, text, out bytes.Buffer
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxPooled is the largest buffer kept for reuse.
const maxPooled = 1 << 20

func putScratch(s *scratch) {
	if s.out.Cap() > maxPooled || s.html.Cap() > maxPooled || s.text.Cap() > maxPooled {
		return
	}
	scratchPool.Put(s)
}

// Key returns the recipient key of row: the trimmed value of the key column
// (Options.KeyColumn) if one is configured, else the lower-cased bare
// address of the first To recipient. Only the To header is rendered. An
// empty key, a To header that does not render or parse, or one without an
// address is a *campaign.RowError.
func (t *Template) Key(row campaign.Row) (string, error) {
	if t.opts.KeyColumn != "" {
		return t.columnKey(row)
	}
	s := scratchPool.Get().(*scratch)
	defer putScratch(s)
	var key string
	err := t.guard.do(func() error {
		to, err := t.addresses(t.to, row, &s.val)
		if err == nil {
			key, err = addressKey(row, to)
		}
		return err
	})
	return key, rowError(row, "", err)
}

// rowError returns err as a *campaign.RowError of row: a limit error of
// the guard becomes one.
func rowError(row campaign.Row, key string, err error) error {
	if err == nil {
		return nil // before the targets of errors.As, which escape
	}
	var (
		re *campaign.RowError
		le *campaign.LimitError
	)
	if errors.As(err, &re) || !errors.As(err, &le) {
		return err
	}
	return &campaign.RowError{Row: row.Num, Key: key, Err: fmt.Errorf("render: %w", err)}
}

func (t *Template) columnKey(row campaign.Row) (string, error) {
	k := t.opts.KeyColumn
	v, ok := row.Fields[k]
	if !ok {
		return "", &campaign.RowError{Row: row.Num, Column: k, Err: errors.New("render: the row has no key column")}
	}
	if v = strings.TrimSpace(v); v == "" {
		return "", &campaign.RowError{Row: row.Num, Column: k, Err: errors.New("render: the key is empty")}
	}
	return v, nil
}

func addressKey(row campaign.Row, to []*mail.Address) (string, error) {
	if len(to) == 0 {
		return "", &campaign.RowError{Row: row.Num, Err: errors.New("render: To: no recipient")}
	}
	return strings.ToLower(to[0].Address), nil
}

// addresses renders and parses the address header h.
func (t *Template) addresses(h *header, row campaign.Row, scratch *bytes.Buffer) ([]*mail.Address, error) {
	if h.tmpl == nil {
		return h.addrs, nil
	}
	v, err := h.value(t.guard, row, scratch)
	if err != nil || v == "" {
		return nil, err
	}
	if err := checkValue(v); err != nil {
		return nil, h.rowErr(row, badValue, "%v", err)
	}
	addrs, err := parseAddrs(h.name, v)
	if err != nil && h.allEmpty(row) {
		return nil, nil // "{{.name}} <{{.email}}>" with both empty: no header
	}
	if err != nil {
		return nil, &campaign.RowError{Row: row.Num, Column: h.column(), Err: fmt.Errorf("render: %w", err)}
	}
	return addrs, nil
}

// allEmpty reports whether every field h uses is empty (or blank) in row.
// An address header that does not parse, such as "{{.name}} <{{.email}}>"
// rendered as "<>", is then left out instead of failing the row.
func (h *header) allEmpty(row campaign.Row) bool {
	for _, f := range h.fields {
		if strings.TrimSpace(row.Fields[f]) != "" {
			return false
		}
	}
	return len(h.fields) > 0
}

// badValue reports whether a field value would fail checkValue.
func badValue(v string) bool { return badChar(v) >= 0 || !utf8.ValidString(v) }

// Render builds the message for row: headers, Date, Message-ID,
// MIME-Version and the MIME body, in Message.Data with CRLF line ends. Any
// problem (a field the row lacks, a line break or invalid address in a
// header, no To recipient, a From without exactly one address, an
// attachment outside the folder or missing) is a *campaign.RowError.
//
// The Message-ID is "<" + hex of the first 16 bytes of
// SHA-256(CampaignID + "\x00" + key) + "@" + the From domain + ">"; the
// MIME boundaries derive from it too. Envelope.From is the From address,
// or Options.ReturnPath's address for the row;
// Envelope.To holds the To, Cc and Bcc addresses, in that order, without
// case-insensitive duplicates. Message.Attachments lists the attached and
// embedded files, their Path joined to the attachment folder.
func (t *Template) Render(row campaign.Row) (*campaign.Message, error) {
	s := scratchPool.Get().(*scratch)
	defer putScratch(s)
	var msg *campaign.Message
	err := t.guard.do(func() (err error) {
		msg, err = t.render(row, s)
		return err
	})
	if err == nil {
		return msg, nil
	}
	err = rowError(row, "", err)
	var re *campaign.RowError
	if errors.As(err, &re) && re.Key == "" {
		re.Key, _ = t.Key(row) // name the recipient in the error when possible
	}
	return msg, err
}

// headerResult is what writeHeaders learns from the headers of one row.
type headerResult struct {
	from        *mail.Address
	to, cc, bcc []*mail.Address
	files       []*header // the Attach and Embed headers with a value
	paths       []string  // their values
}

// writeHeaders renders the template's headers for row into b, returning
// the addresses and attachment paths they hold.
func (t *Template) writeHeaders(row campaign.Row, b, scratch *bytes.Buffer) (headerResult, error) {
	var r headerResult
	for _, h := range t.headers {
		switch h.kind {
		case kindAttach, kindEmbed:
			v, err := h.value(t.guard, row, scratch)
			if err != nil {
				return r, err
			}
			if v != "" {
				r.files, r.paths = append(r.files, h), append(r.paths, v)
			}
		case kindAddress, kindBcc:
			addrs, err := t.addresses(h, row, scratch)
			if err != nil {
				return r, err
			}
			switch {
			case h == t.from:
				if len(addrs) != 1 {
					return r, &campaign.RowError{Row: row.Num, Column: h.column(),
						Err: fmt.Errorf("render: From: want exactly one address, got %d", len(addrs))}
				}
				r.from = addrs[0]
			case h == t.to:
				r.to = addrs
			case h.name == "Cc":
				r.cc = addrs
			case h.kind == kindBcc:
				r.bcc = addrs
			}
			if t.proofTo != nil && (h == t.to || h.name == "Cc") {
				continue // a proof copy has its own To and no Cc
			}
			if h.encoded != nil {
				b.Write(h.encoded)
			} else if h.tmpl != nil && len(addrs) > 0 && h.kind != kindBcc {
				if err := writeAddressHeader(b, h.name, addrs); err != nil {
					return r, &campaign.RowError{Row: row.Num, Column: h.column(), Err: fmt.Errorf("render: %w", err)}
				}
			}
		default:
			if h.encoded != nil {
				b.Write(h.encoded)
				continue
			}
			v, err := h.value(t.guard, row, scratch)
			if err != nil {
				return r, err
			}
			if v == "" {
				continue
			}
			if err := checkValue(v); err != nil {
				return r, h.rowErr(row, badValue, "%v", err)
			}
			writeText(b, h.name, v)
		}
	}
	return r, nil
}

func (t *Template) render(row campaign.Row, s *scratch) (*campaign.Message, error) {
	s.out.Reset()
	hr, err := t.writeHeaders(row, &s.out, &s.val)
	if err != nil {
		return nil, err
	}

	var key string
	if t.opts.KeyColumn != "" {
		key, err = t.columnKey(row)
	} else {
		key, err = addressKey(row, hr.to)
	}
	if err != nil {
		return nil, err
	}
	if len(hr.to) == 0 {
		return nil, &campaign.RowError{Row: row.Num, Key: key, Err: errors.New("render: To: no recipient")}
	}

	sum := sha256.Sum256([]byte(t.opts.CampaignID + "\x00" + key))
	idhex := hex.EncodeToString(sum[:16])
	domain := messageIDDomain(hr.from.Address[strings.LastIndexByte(hr.from.Address, '@')+1:])
	id := idhex + "@" + domain

	files := make([]file, 0, len(hr.files))
	atts := make([]campaign.Attachment, 0, len(hr.files))
	for i, h := range hr.files {
		f, err := t.readFile(h.name, hr.paths[i])
		if err != nil {
			return nil, &campaign.RowError{Row: row.Num, Key: key, Column: h.column(), Err: fmt.Errorf("render: %w", err)}
		}
		files = append(files, f)
		atts = append(atts, campaign.Attachment{Name: f.name, Path: filepath.Join(t.attachDir, hr.paths[i]), Size: int64(len(f.data)), Inline: f.inline})
	}

	s.html.Reset()
	var html []byte
	if !t.plain {
		if err := t.executeBody(&s.html, row.Fields); err != nil {
			return nil, bodyError(row, key, "body", t.bodyFields, err)
		}
		html = s.html.Bytes()
	}
	s.text.Reset()
	if t.text != nil {
		if err := t.guard.execute(t.textPlan, t.text, &s.text, row.Fields); err != nil {
			part := "text"
			if t.plain {
				part = "body"
			}
			return nil, bodyError(row, key, part, t.textFields, err)
		}
	} else {
		s.text.WriteString(htmlToText(s.html.String()))
	}

	if t.unsub != nil {
		if err := t.writeUnsubscribe(&s.out, row, key, &s.val); err != nil {
			return nil, err
		}
	}
	mailFrom := hr.from.Address
	if !t.opts.ReturnPath.IsZero() {
		mailFrom = t.opts.ReturnPath.Address(t.opts.CampaignID, row.Num, key)
	}
	to := envelope(nil, hr.to)
	env := campaign.Envelope{From: mailFrom, To: envelope(to, hr.cc, hr.bcc), Primary: len(to)}
	s.out.Write(t.listID)
	if t.proofTo != nil {
		if err := t.writeProofHeaders(&s.out, hr); err != nil {
			return nil, &campaign.RowError{Row: row.Num, Key: key, Err: fmt.Errorf("render: %w", err)}
		}
		env.To = envelope(nil, t.proofTo)
		env.Primary = len(env.To)
	}
	s.out.WriteString("Date: " + t.opts.Now().Format(time.RFC1123Z) + "\r\n")
	s.out.WriteString("Message-ID: <" + id + ">\r\n")
	s.out.WriteString("MIME-Version: 1.0\r\n")
	writeBody(&s.out, idhex, s.text.Bytes(), html, files)
	if int64(s.out.Len()) > t.opts.MaxMessageSize {
		return nil, &campaign.RowError{Row: row.Num, Key: key, Err: fmt.Errorf("render: %w", t.guard.limitError())}
	}
	var sig []byte
	if t.opts.DKIM != nil {
		if sig, err = t.sign(domain, s.out.Bytes()); err != nil {
			return nil, &campaign.RowError{Row: row.Num, Key: key, Err: err}
		}
	}

	return &campaign.Message{
		Row:         row.Num,
		Key:         key,
		ID:          id,
		Envelope:    env,
		Data:        append(sig, s.out.Bytes()...),
		Attachments: atts,
	}, nil
}

// envelope appends to out the bare addresses of lists (To, Cc, Bcc) in
// that order, leaving out case-insensitive duplicates of any address
// already in out.
func envelope(out []string, lists ...[]*mail.Address) []string {
	for _, l := range lists {
		for _, a := range l {
			dup := false
			for _, o := range out {
				if strings.EqualFold(o, a.Address) {
					dup = true
					break
				}
			}
			if !dup {
				out = append(out, a.Address)
			}
		}
	}
	return out
}

// bodyError turns an execution error of the body or text template into a
// *campaign.RowError, naming the column when the row lacks a field the
// template uses.
func bodyError(row campaign.Row, key, part string, fields []string, err error) error {
	for _, f := range fields {
		if _, ok := row.Fields[f]; !ok {
			return &campaign.RowError{Row: row.Num, Key: key, Column: f, Err: fmt.Errorf("render: %s: the row has no field %q", part, f)}
		}
	}
	return &campaign.RowError{Row: row.Num, Key: key, Err: fmt.Errorf("render: %s: %w", part, err)}
}
