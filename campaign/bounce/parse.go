package bounce

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrNotMessage is returned by Parse for input that has no header fields.
var ErrNotMessage = errors.New("bounce: no header fields: not an RFC 5322 message")

// Parse reads one RFC 5322 message from r and reports whether it is a
// bounce, a complaint, an automatic reply or other mail, with one Result per
// recipient for bounces and complaints.
//
// It reads at most MaxMessageSize bytes (setting Report.Truncated when there
// was more) and never panics; an error means r failed or the input is not a
// message at all (ErrNotMessage). Anything that parses as a header is a
// message: malformed MIME, unknown charsets and broken encodings are read as
// well as they can be, never reported as errors.
func Parse(r io.Reader) (*Report, error) {
	if r == nil {
		return nil, errors.New("bounce: nil reader")
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxMessageSize+1))
	if err != nil {
		return nil, fmt.Errorf("bounce: read message: %w", err)
	}
	rep := &Report{}
	if len(data) > MaxMessageSize {
		data = data[:MaxMessageSize]
		rep.Truncated = true
	}
	h, body := splitMessage(data)
	if len(h) == 0 {
		return nil, ErrNotMessage
	}
	rep.readEnvelope(h)
	p := collect(h, body)
	if p.original != nil {
		rep.setOriginal(p.original)
	}
	analyze(rep, h, p)
	return rep, nil
}

// readEnvelope fills the fields that come from the message's own header.
func (r *Report) readEnvelope(h header) {
	r.MessageID = firstMessageID(h.get("Message-Id"))
	r.Subject = oneLine(decodeWords(h.get("Subject")))
	if from := addressList(decodeWords(h.get("From")), 1); len(from) > 0 {
		r.From = from[0]
	}
	r.ReturnPath = cleanAddress(h.get("Return-Path"))
	for _, v := range h.values("To") {
		r.To = appendAddrs(r.To, addressList(decodeWords(v), MaxRecipients))
	}
	for _, v := range h.values("Delivered-To") {
		r.DeliveredTo = appendAddrs(r.DeliveredTo, addressList(v, 16))
	}
	for _, v := range h.values("X-Original-To") {
		r.XOriginalTo = appendAddrs(r.XOriginalTo, addressList(v, 16))
	}
	for _, v := range h.values("Envelope-To") {
		r.XOriginalTo = appendAddrs(r.XOriginalTo, addressList(v, 16))
	}
	r.InReplyTo = messageIDs(h.get("In-Reply-To"), 8)
	r.References = messageIDs(h.get("References"), 32)
}

// appendAddrs appends the addresses of add that list lacks, up to
// MaxRecipients in all.
func appendAddrs(list, add []string) []string {
	for _, a := range add {
		dup := false
		for _, b := range list {
			if a == b {
				dup = true
				break
			}
		}
		if !dup && len(list) < MaxRecipients {
			list = append(list, a)
		}
	}
	return list
}

// setOriginal fills the Original fields from the header of the returned
// message, unless a previous header did.
func (r *Report) setOriginal(h header) {
	if r.OriginalHeaders != nil || len(h) == 0 {
		return
	}
	r.OriginalHeaders = h.mimeHeader()
	r.OriginalMessageID = firstMessageID(h.get("Message-Id"))
	if from := addressList(decodeWords(h.get("From")), 1); len(from) > 0 {
		r.OriginalFrom = from[0]
	}
	for _, v := range h.values("To") {
		r.OriginalTo = appendAddrs(r.OriginalTo, addressList(decodeWords(v), MaxRecipients))
	}
	if rp := cleanAddress(h.get("Return-Path")); rp != "" {
		r.OriginalReturnPath = rp
	}
}

// analyze decides what the message is and fills rep.Results.
func analyze(rep *Report, h header, p *parts) {
	if readARF(rep, p) {
		return
	}
	text := strings.Join(p.texts, "\n")
	if strings.TrimSpace(text) == "" || (len(p.htmls) > 0 && !strings.Contains(text, "@")) {
		text = strings.Join(append([]string{text}, p.htmls...), "\n")
	}
	if readSES(rep, text) {
		return
	}
	ignore := map[string]bool{}
	for _, a := range append(append([]string{rep.From}, rep.To...), rep.OriginalFrom) {
		if a != "" {
			ignore[a] = true
		}
	}
	ts := scanText(text, ignore)
	if ts.original != nil {
		rep.setOriginal(ts.original)
	}
	v := identify(h, rep, ts, p.original != nil)
	class := defaultClass(rep.Subject, ts.section)
	if v.class != 0 {
		class = v.class
	}

	var results []Result
	for _, d := range p.dsn {
		dr := parseDSN(d)
		rep.noteDSN(dr)
		results = append(results, dr.results()...)
	}
	rep.Format = "dsn"
	if len(results) == 0 && v.bounce && strings.Contains(ts.section, "-Recipient:") {
		// RFC 3464 fields quoted in the text of a bounce.
		dr := parseDSN(ts.section)
		rep.noteDSN(dr)
		results = dr.results()
		rep.Format = "dsn-text"
	}
	if len(results) > 0 {
		for i := range results {
			if results[i].Diagnostic == "" || (results[i].Status == "" && findStatus(results[i].Diagnostic) == "") {
				if b := ts.block(results[i].Recipient); b != nil {
					results[i].Diagnostic = strings.TrimSpace(results[i].Diagnostic + " " + b.text())
				}
			}
		}
	} else if v.bounce {
		rep.Format = v.name
		results = textResults(h, ts)
	}
	if len(results) == 0 && v.bounce {
		v.report = len(p.dsn) > 0
		results = fallbackResults(h, rep, ts, v)
	}
	if len(results) > 0 {
		rep.Type = TypeBounce
		for i := range results {
			finish(&results[i], class, ts.context())
			rep.add(results[i])
		}
		return
	}
	rep.Results = nil
	if sig := autoReplySignal(h, rep.Subject); sig != "" && !v.bounce {
		rep.Type, rep.Format = TypeAutoReply, sig
		return
	}
	rep.Type, rep.Format = TypeOther, ""
	if v.bounce {
		rep.Format = "unread-bounce"
	}
}

// noteDSN copies the per-message fields of a delivery-status report.
func (r *Report) noteDSN(d dsnReport) {
	if r.OriginalEnvelopeID == "" {
		r.OriginalEnvelopeID = truncate(d.envelopeID, 256)
	}
	if r.OriginalReturnPath == "" {
		r.OriginalReturnPath = cleanAddress(d.sender)
	}
}

// finish completes a Result: a one-line diagnostic, the reply code, a
// status (derived from the reply code and the text when the message gave
// none), the action, the reason and the kind. class ('2', '4' or '5') is
// used when nothing else tells the class; ctx is text about the whole
// message, read when the result's own diagnostic explains nothing.
func finish(res *Result, class byte, ctx string) {
	res.Diagnostic = oneLine(res.Diagnostic)
	if res.Diagnostic == "" {
		res.Diagnostic = oneLine(ctx)
	}
	if res.ReplyCode == 0 {
		res.ReplyCode = findReply(res.Diagnostic)
	}
	if res.RemoteMTA == "" {
		res.RemoteMTA = remoteFromText(res.Diagnostic)
	}
	if res.Status == "" {
		res.Status = findStatus(res.Diagnostic)
	} else {
		res.Status = preferStatus(res.Status, lastStatus(res.Diagnostic), res.ReplyCode)
	}
	text := res.Diagnostic
	if res.Status == "" && res.ReplyCode == 0 && ctx != "" {
		if s := findStatus(ctx); s != "" {
			res.Status = s
		}
		if res.ReplyCode == 0 {
			res.ReplyCode = findReply(ctx)
		}
	}
	if classify(text, "", "") == "onhold" || text == "" {
		text = strings.TrimSpace(text + " " + ctx)
	}
	switch {
	case res.Status != "":
	case res.ReplyCode >= 400:
		class = byte('0' + res.ReplyCode/100)
	case res.Action == "delayed":
		class = '4'
	case res.Action == "failed":
		class = '5'
	}
	if res.Action == "" {
		switch statusClass(res.Status) {
		case '2':
			res.Action = "delivered"
		case '4':
			res.Action = "delayed"
		case '5':
			res.Action = "failed"
		default:
			res.Action = map[byte]string{'2': "delivered", '4': "delayed"}[class]
			if res.Action == "" {
				res.Action = "failed"
			}
		}
	}
	if res.Reason == "" {
		res.Reason = classify(text, res.Status, res.Action)
	}
	if res.Status == "" {
		res.Status = pseudoStatus(res.Reason, class)
		if res.Status == "" {
			res.Status = string(class) + ".0.0"
		}
	}
	res.Kind = kindOf(res.Status, res.Action, res.Reason)
}

// oneLine collapses s to one line of single spaces without undecodable
// characters, at most MaxDiagnostic bytes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\uFFFD", "")), " ")
	return truncate(s, MaxDiagnostic)
}
