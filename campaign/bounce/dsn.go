package bounce

import (
	"net/textproto"
	"strconv"
	"strings"
	"unicode/utf8"
)

// dsnRecord holds the per-recipient fields of an RFC 3464 report.
type dsnRecord struct {
	final, original, actual string
	action, status, diag    string
	remoteMTA               string
}

// dsnReport holds the fields of one message/delivery-status body (or of the
// same fields quoted in the text of a bounce).
type dsnReport struct {
	reportingMTA string
	envelopeID   string
	sender       string // X-Postfix-Sender, X-Original-Sender
	records      []dsnRecord
}

// dsnKeys lists the fields parseDSN reads; other lines are skipped.
var dsnKeys = map[string]bool{
	"Reporting-Mta": true, "Original-Envelope-Id": true, "X-Postfix-Sender": true,
	"Final-Recipient": true, "Original-Recipient": true, "X-Actual-Recipient": true,
	"Action": true, "Status": true, "Diagnostic-Code": true, "Remote-Mta": true,
	"X-Original-Sender": true, "X-Diagnostic-Code": true,
}

// parseDSN reads the fields of a delivery-status body. It is lenient: it
// reads fields wherever they are and in any order within a group of lines,
// starts a new recipient at a recipient field that follows a complete
// record even without a blank line between them, and skips lines it does
// not know. At most MaxRecipients+1 records are kept.
func parseDSN(body string) dsnReport {
	var rep dsnReport
	var group []field
	flush := func() {
		rep.addGroup(group)
		group = group[:0]
	}
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if n := len(group); n > 0 && len(group[n-1].value) < 4096 {
				group[n-1].value += " " + strings.TrimSpace(line)
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
		if dsnKeys[key] && len(group) < 64 {
			group = append(group, field{key: key, value: strings.TrimSpace(v)})
		} else if len(group) > 0 && group[len(group)-1].key != "" && len(group) < 64 {
			group = append(group, field{}) // an unknown field ends continuations
		}
	}
	flush()
	return rep
}

// addGroup adds the fields of one group of lines: per-message fields, and
// one or more recipient records.
func (rep *dsnReport) addGroup(group []field) {
	var cur *dsnRecord
	var pending []field // fields seen before the group's first recipient field
	hasRecipient := false
	for _, f := range group {
		if f.key == "Final-Recipient" || f.key == "Original-Recipient" {
			hasRecipient = true
		}
	}
	for _, f := range group {
		switch f.key {
		case "":
			continue
		case "Reporting-Mta":
			rep.reportingMTA = stripType(f.value)
			continue
		case "Original-Envelope-Id":
			rep.envelopeID = f.value
			continue
		case "X-Postfix-Sender", "X-Original-Sender":
			rep.sender = stripType(f.value)
			continue
		case "Final-Recipient", "Original-Recipient":
			if cur == nil || (f.key == "Final-Recipient" && cur.final != "") ||
				(f.key == "Original-Recipient" && (cur.original != "" || (cur.final != "" && cur.action != "" && cur.status != ""))) {
				if len(rep.records) > MaxRecipients {
					return
				}
				rep.records = append(rep.records, dsnRecord{})
				cur = &rep.records[len(rep.records)-1]
				for _, pf := range pending {
					cur.set(pf)
				}
				pending = nil
			}
		}
		switch {
		case cur != nil:
			cur.set(f)
		case hasRecipient:
			pending = append(pending, f)
		case len(rep.records) > 0:
			// Fields split from their recipient by a blank line.
			last := &rep.records[len(rep.records)-1]
			if (f.key == "Status" && last.status == "") || (f.key == "Action" && last.action == "") ||
				(f.key == "Diagnostic-Code" && last.diag == "") || (f.key == "Remote-Mta" && last.remoteMTA == "") {
				last.set(f)
			}
		}
	}
}

// set stores one field in the record; the first Diagnostic-Code wins.
func (r *dsnRecord) set(f field) {
	switch f.key {
	case "Final-Recipient":
		r.final = f.value
	case "Original-Recipient":
		r.original = f.value
	case "X-Actual-Recipient":
		r.actual = f.value
	case "Action":
		r.action = f.value
	case "Status":
		r.status = f.value
	case "Diagnostic-Code", "X-Diagnostic-Code":
		if r.diag == "" {
			r.diag = f.value
		}
	case "Remote-Mta":
		r.remoteMTA = f.value
	}
}

// stripType drops the type prefix ("dns;", "smtp;", "rfc822;") of a DSN
// field value.
func stripType(v string) string {
	if t, rest, ok := strings.Cut(v, ";"); ok && len(t) < 16 && !strings.ContainsAny(t, " @<") {
		return strings.TrimSpace(rest)
	}
	return strings.TrimSpace(v)
}

// normAction maps an Action value to one of RFC 3464's words, or "".
func normAction(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, a := range []string{"failed", "delayed", "delivered", "relayed", "expanded"} {
		if strings.HasPrefix(v, a[:4]) {
			return a
		}
	}
	if strings.HasPrefix(v, "expired") {
		return "failed"
	}
	return ""
}

// results turns the records of a report into Results; records without a
// recipient address are dropped.
func (d dsnReport) results() []Result {
	var out []Result
	for _, rec := range d.records {
		rcpt := cleanAddress(unescapeUTF8Address(stripType(rec.final)))
		orig := cleanAddress(unescapeUTF8Address(stripType(rec.original)))
		if rcpt == "" {
			rcpt = orig
		}
		if rcpt == "" {
			rcpt = cleanAddress(stripType(rec.actual))
		}
		if rcpt == "" {
			continue
		}
		if orig == rcpt {
			orig = ""
		}
		res := Result{
			Recipient:         rcpt,
			OriginalRecipient: orig,
			Action:            normAction(rec.action),
			Diagnostic:        stripType(rec.diag),
			RemoteMTA:         stripType(rec.remoteMTA),
		}
		if s := strings.TrimSpace(rec.status); validStatus(firstField(s)) {
			res.Status = firstField(s)
		} else if s := findStatus(s); s != "" {
			res.Status = s
		}
		out = append(out, res)
	}
	return out
}

// firstField returns s up to its first space or parenthesis.
func firstField(s string) string {
	if i := strings.IndexAny(s, " \t("); i >= 0 {
		return s[:i]
	}
	return s
}

// unescapeUTF8Address decodes the \x{HEX} escapes of an RFC 6533
// utf-8-address (the form of Final-Recipient: utf-8; ... in the
// message/global-delivery-status of a message sent with SMTPUTF8). Other
// text is returned as it is.
func unescapeUTF8Address(s string) string {
	if !strings.Contains(s, `\x{`) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, `\x{`)
		if i < 0 {
			break
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			break
		}
		cp, err := strconv.ParseUint(s[i+3:i+end], 16, 32)
		b.WriteString(s[:i])
		if err != nil || cp > utf8.MaxRune {
			b.WriteString(s[i : i+end+1])
		} else {
			b.WriteRune(rune(cp))
		}
		s = s[i+end+1:]
	}
	b.WriteString(s)
	return b.String()
}
