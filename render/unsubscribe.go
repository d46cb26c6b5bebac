package render

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	texttemplate "text/template"

	"github.com/mailrun/mailrun/campaign"
)

// unsubscribe is the one-click unsubscribe URL template (RFC 8058) of
// Options.UnsubscribeURL.
type unsubscribe struct {
	src    string
	tmpl   *texttemplate.Template
	plan   plan
	fields []string
}

// ErrUnsubscribeHeader is the error (inside a *campaign.InputError) of a
// template that writes List-Unsubscribe or List-Unsubscribe-Post itself
// while Options.UnsubscribeURL is set: the header would be set twice.
var ErrUnsubscribeHeader = errors.New("the unsubscribe URL option sets this header too; set it in one place")

// oneClick is the List-Unsubscribe-Post header RFC 8058 prescribes.
const oneClick = "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"

// parseUnsubscribe parses src, the UnsubscribeURL option. A template that
// does not parse, a URL whose literal start is not https://, and a message
// template that sets List-Unsubscribe or List-Unsubscribe-Post itself are
// *campaign.InputError.
func (t *Template) parseUnsubscribe(src string) error {
	for _, h := range t.headers {
		if strings.EqualFold(h.name, "List-Unsubscribe") || strings.EqualFold(h.name, "List-Unsubscribe-Post") {
			return &campaign.InputError{File: t.path, Line: h.line, Err: fmt.Errorf("render: %s: %w", h.name, ErrUnsubscribeHeader)}
		}
	}
	tmpl, err := texttemplate.New("unsubscribe-url").Option("missingkey=error").Funcs(t.guard.textFuncs()).Parse(src)
	if err == nil {
		err = t.guardLoops(textTrees(tmpl), t.guard.textFuncs())
	}
	if err != nil {
		return &campaign.InputError{Err: fmt.Errorf("render: unsubscribe URL %q: %v", src, err)}
	}
	lit, _, hasAction := strings.Cut(src, "{{")
	lit = strings.ToLower(strings.TrimLeft(lit, " \t"))
	const scheme = "https://"
	if !strings.HasPrefix(lit, scheme) && !(hasAction && strings.HasPrefix(scheme, lit)) {
		return &campaign.InputError{Err: fmt.Errorf("render: unsubscribe URL %q: one-click unsubscribe needs an https:// URL", src)}
	}
	if !hasAction {
		if err := checkUnsubscribeURL(strings.TrimSpace(src)); err != nil {
			return &campaign.InputError{Err: fmt.Errorf("render: unsubscribe URL %q: %v", src, err)}
		}
	}
	t.unsub = &unsubscribe{src: src, tmpl: tmpl, plan: compilePlan(tmpl.Tree, textFilters), fields: fieldsOf(tmpl)}
	return nil
}

// checkUnsubscribeURL reports why v cannot go in List-Unsubscribe.
func checkUnsubscribeURL(v string) error {
	if err := checkValue(v); err != nil {
		return err
	}
	if i := strings.IndexAny(v, " \t<>\",\x7f"); i >= 0 {
		return fmt.Errorf("contains %q: escape row values with urlquery", v[i])
	}
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			return errors.New("contains a non-ASCII character: escape row values with urlquery")
		}
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return errors.New("not an https URL")
	}
	if len(v) > lineMax-len("List-Unsubscribe: <>") {
		return errors.New("too long for a header line")
	}
	return nil
}

// checkUnsubscribe reports the columns the unsubscribe URL uses that have
// lacks, as Check does for the template.
func (t *Template) checkUnsubscribe(have map[string]bool) error {
	if t.unsub == nil {
		return nil
	}
	for _, f := range t.unsub.fields {
		if !have[f] {
			return &campaign.InputError{Err: fmt.Errorf("render: the data has no column %q, which the unsubscribe URL %q uses", f, t.unsub.src)}
		}
	}
	return nil
}

// writeUnsubscribe renders the unsubscribe URL for row and writes the two
// RFC 8058 headers to b. A URL that is not https, or has characters that
// do not belong in a URL, fails the row.
func (t *Template) writeUnsubscribe(b *bytes.Buffer, row campaign.Row, key string, scratch *bytes.Buffer) error {
	u := t.unsub
	scratch.Reset()
	col := ""
	if len(u.fields) == 1 {
		col = u.fields[0]
	}
	if err := t.guard.execute(u.plan, u.tmpl, scratch, row.Fields); err != nil {
		for _, f := range u.fields {
			if _, ok := row.Fields[f]; !ok {
				return &campaign.RowError{Row: row.Num, Key: key, Column: f, Err: fmt.Errorf("render: unsubscribe URL: the row has no field %q", f)}
			}
		}
		return &campaign.RowError{Row: row.Num, Key: key, Column: col, Err: fmt.Errorf("render: unsubscribe URL: %w", err)}
	}
	v := strings.TrimSpace(scratch.String())
	if err := checkUnsubscribeURL(v); err != nil {
		return &campaign.RowError{Row: row.Num, Key: key, Column: col, Err: fmt.Errorf("render: unsubscribe URL %q: %v", v, err)}
	}
	b.WriteString("List-Unsubscribe: <")
	b.WriteString(v)
	b.WriteString(">\r\n")
	b.WriteString(oneClick)
	return nil
}
