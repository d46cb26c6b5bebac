package bounce

import "strings"

// readARF reads the RFC 5965 feedback reports among the parts of a message
// into rep. It reports whether there was one.
//
// The recipients are the Original-Rcpt-To fields (or the older
// Removal-Recipient); when the report has none, the To addresses of the
// returned message.
func readARF(rep *Report, p *parts) bool {
	if len(p.feedback) == 0 {
		return false
	}
	fh, _ := splitMessage([]byte(strings.TrimLeft(p.feedback[0], "\r\n \t")))
	ftype := strings.ToLower(strings.TrimSpace(fh.get("Feedback-Type")))
	if ftype == "" {
		ftype = "abuse"
	}
	var rcpts []string
	for _, key := range []string{"Original-Rcpt-To", "Removal-Recipient"} {
		for _, v := range fh.values(key) {
			if a := cleanAddress(stripType(v)); a != "" {
				rcpts = append(rcpts, a)
			}
		}
		if len(rcpts) > 0 {
			break
		}
	}
	if len(rcpts) == 0 {
		rcpts = rep.OriginalTo
	}
	if from := cleanAddress(fh.get("Original-Mail-From")); from != "" && rep.OriginalReturnPath == "" {
		rep.OriginalReturnPath = from
	}
	kind := KindComplaint
	if ftype == "auth-failure" || ftype == "not-spam" {
		kind = KindNone
	}
	diag := "Feedback-Type: " + ftype
	if ua := fh.get("User-Agent"); ua != "" {
		diag += "; User-Agent: " + ua
	}
	rep.Type, rep.Format = TypeComplaint, "arf"
	for _, a := range rcpts {
		rep.add(Result{
			Recipient:    a,
			Kind:         kind,
			Reason:       "feedback",
			Diagnostic:   oneLine(diag),
			FeedbackType: ftype,
		})
	}
	if len(rep.Results) == 0 {
		// A report about a message whose recipient is not given: keep it as
		// a complaint with no recipient rather than as ordinary mail.
		rep.Results = []Result{{Kind: kind, Reason: "feedback", Diagnostic: oneLine(diag), FeedbackType: ftype}}
	}
	return true
}
