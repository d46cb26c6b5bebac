package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
)

// messageView is a rendered message as its recipient's mail program sees it:
// parsed back from the .eml bytes, headers decoded, bodies decoded.
type messageView struct {
	// Headers are the message's headers in display order, decoded from RFC
	// 2047; the MIME structure headers are left out.
	Headers []headerView
	// To and Cc are the bare addresses of those headers.
	To, Cc []string
	// HTML is the text/html part, its cid: references to inline images
	// replaced by data: URLs. Text is the text/plain part.
	HTML, Text  string
	Attachments []attachmentView
}

// headerView is one decoded header.
type headerView struct{ Name, Value string }

// attachmentView is one attached or embedded file.
type attachmentView struct {
	Name, Type string
	Size       int64
	Inline     bool
}

// headerOrder lists the headers shown first, in this order; the others
// follow in alphabetical order.
var headerOrder = []string{"From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-Id"}

// addressHeaders are the headers that hold address lists.
var addressHeaders = map[string]bool{"From": true, "To": true, "Cc": true, "Bcc": true, "Reply-To": true, "Sender": true}

// maxMIMEDepth bounds the nesting of multiparts the parser follows.
const maxMIMEDepth = 8

// wordDecoder decodes RFC 2047 encoded words in any charset x/text knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// parseMessage parses an RFC 5322 message into a messageView.
func parseMessage(data []byte) (*messageView, error) {
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parse message: %w", err)
	}
	v := &messageView{}
	v.decodeHeaders(m.Header)
	inline := map[string]string{}
	if err := v.walk(textproto.MIMEHeader(m.Header), m.Body, 0, inline); err != nil {
		return nil, fmt.Errorf("parse message: %w", err)
	}
	for cid, url := range inline {
		v.HTML = strings.ReplaceAll(v.HTML, "cid:"+cid, url)
	}
	return v, nil
}

// decodeHeaders fills v.Headers, v.To and v.Cc from h.
func (v *messageView) decodeHeaders(h mail.Header) {
	var rest []string
	for name := range h {
		if !slices.Contains(headerOrder, name) && !strings.HasPrefix(name, "Content-") && name != "Mime-Version" {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	parser := &mail.AddressParser{WordDecoder: wordDecoder}
	for _, name := range append(slices.Clone(headerOrder), rest...) {
		for _, raw := range h[name] {
			value := decodeWords(raw)
			if addressHeaders[name] {
				if list, err := parser.ParseList(raw); err == nil {
					value = formatAddresses(list)
					for _, a := range list {
						switch name {
						case "To":
							v.To = append(v.To, a.Address)
						case "Cc":
							v.Cc = append(v.Cc, a.Address)
						}
					}
				}
			}
			if name == "Message-Id" {
				name = "Message-ID"
			}
			v.Headers = append(v.Headers, headerView{Name: name, Value: value})
		}
	}
}

// walk decodes the MIME entity with header h and body r into v. inline
// collects the data: URLs of inline images by Content-ID.
func (v *messageView) walk(h textproto.MIMEHeader, r io.Reader, depth int, inline map[string]string) error {
	ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		ct, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(ct, "multipart/") {
		if depth >= maxMIMEDepth {
			return errors.New("multipart nested too deep")
		}
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := v.walk(p.Header, p, depth+1, inline); err != nil {
				return err
			}
		}
	}
	body, err := io.ReadAll(transferDecoder(h.Get("Content-Transfer-Encoding"), r))
	if err != nil {
		return fmt.Errorf("%s part: %w", ct, err)
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	isBody := (ct == "text/html" || ct == "text/plain") && disp != "attachment" && name == ""
	switch {
	case isBody && ct == "text/html" && v.HTML == "":
		v.HTML, err = decodeCharset(params["charset"], body)
	case isBody && ct == "text/plain" && v.Text == "":
		v.Text, err = decodeCharset(params["charset"], body)
	default:
		cid := strings.Trim(h.Get("Content-Id"), "<> ")
		a := attachmentView{Name: decodeWords(name), Type: ct, Size: int64(len(body)), Inline: disp == "inline" || cid != ""}
		if cid != "" && strings.HasPrefix(ct, "image/") {
			inline[cid] = "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(body)
		}
		v.Attachments = append(v.Attachments, a)
	}
	return err
}

// transferDecoder returns r decoded from the Content-Transfer-Encoding cte.
func transferDecoder(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r) // skips CR and LF
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// decodeCharset returns body as UTF-8, decoding it from charset.
func decodeCharset(charset string, body []byte) (string, error) {
	switch strings.ToLower(charset) {
	case "", "utf-8", "utf8", "us-ascii":
		return string(body), nil
	}
	r, err := charsetReader(charset, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(r)
	return string(b), err
}

// charsetReader decodes input from charset to UTF-8, for mime.WordDecoder.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, fmt.Errorf("unknown charset %q", charset)
	}
	return enc.NewDecoder().Reader(input), nil
}

// decodeWords decodes the RFC 2047 encoded words of a header value, leaving
// it as it is when it does not decode.
func decodeWords(s string) string {
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

// formatAddresses formats a decoded address list for reading: `Name <addr>`
// without the quoting and encoding that mail.Address.String adds.
func formatAddresses(list []*mail.Address) string {
	parts := make([]string, len(list))
	for i, a := range list {
		if a.Name == "" {
			parts[i] = a.Address
		} else {
			parts[i] = a.Name + " <" + a.Address + ">"
		}
	}
	return strings.Join(parts, ", ")
}
