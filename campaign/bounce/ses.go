package bounce

import (
	"encoding/json"
	"strings"
)

// sesNotice is the part of an Amazon SES notification (as sent by SNS to an
// e-mail subscription) that readSES uses.
type sesNotice struct {
	Type             string `json:"Type"`    // SNS envelope: "Notification"
	Message          string `json:"Message"` // SNS envelope: the notice as JSON text
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           *struct {
		BounceType        string `json:"bounceType"`
		ReportingMTA      string `json:"reportingMTA"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint *struct {
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
		ComplainedRecipients  []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
	} `json:"complaint"`
	Delivery *struct {
		Recipients   []string `json:"recipients"`
		SMTPResponse string   `json:"smtpResponse"`
		RemoteMtaIP  string   `json:"remoteMtaIp"`
	} `json:"delivery"`
	Mail struct {
		Source        string `json:"source"`
		CommonHeaders struct {
			MessageID string   `json:"messageId"`
			From      []string `json:"from"`
			To        []string `json:"to"`
		} `json:"commonHeaders"`
		Headers []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"headers"`
	} `json:"mail"`
}

// readSES reads an Amazon SES bounce, complaint or delivery notification
// (JSON that starts the body, as SNS sends it to an e-mail subscription,
// bare or in SNS's envelope) into rep. It reports whether text was one.
func readSES(rep *Report, text string) bool {
	i := strings.Index(text, "{")
	if i < 0 || strings.TrimSpace(text[:i]) != "" ||
		!strings.Contains(text, `"notificationType"`) && !strings.Contains(text, `"eventType"`) && !strings.Contains(text, `"Type"`) {
		return false // the notice is the whole body, JSON from its start
	}
	var n sesNotice
	if err := json.NewDecoder(strings.NewReader(text[i:])).Decode(&n); err != nil {
		// SNS folds long lines: a line break and a space inside the JSON.
		j := strings.ReplaceAll(text[i:], "\r\n", "\n")
		if k := strings.Index(j, "\n--"); k > 0 {
			j = j[:k]
		}
		j = strings.ReplaceAll(j, "\n ", "")
		if err := json.Unmarshal([]byte(strings.TrimSpace(j)), &n); err != nil {
			return false
		}
	}
	if n.Type == "Notification" && n.Message != "" {
		var inner sesNotice
		if err := json.Unmarshal([]byte(n.Message), &inner); err != nil {
			return false
		}
		n = inner
	}
	kind := n.NotificationType
	if kind == "" {
		kind = n.EventType
	}
	rep.Format = "ses"
	switch kind {
	case "Bounce":
		if n.Bounce == nil {
			return false
		}
		rep.Type = TypeBounce
		class := byte('5')
		if n.Bounce.BounceType == "Transient" {
			class = '4'
		}
		for _, r := range n.Bounce.BouncedRecipients {
			res := Result{
				Recipient:  cleanAddress(r.EmailAddress),
				Action:     normAction(r.Action),
				Status:     r.Status,
				Diagnostic: stripType(r.DiagnosticCode),
				RemoteMTA:  stripType(n.Bounce.ReportingMTA),
			}
			if !validStatus(res.Status) {
				res.Status = ""
			}
			finish(&res, class, "")
			if res.Recipient != "" {
				rep.add(res)
			}
		}
	case "Complaint":
		if n.Complaint == nil {
			return false
		}
		rep.Type = TypeComplaint
		ftype := strings.ToLower(n.Complaint.ComplaintFeedbackType)
		if ftype == "" {
			ftype = "abuse"
		}
		for _, r := range n.Complaint.ComplainedRecipients {
			if a := cleanAddress(r.EmailAddress); a != "" {
				rep.add(Result{Recipient: a, Kind: KindComplaint, Reason: "feedback",
					Diagnostic: "Feedback-Type: " + ftype, FeedbackType: ftype})
			}
		}
	case "Delivery":
		if n.Delivery == nil {
			return false
		}
		rep.Type = TypeBounce
		for _, a := range n.Delivery.Recipients {
			res := Result{Recipient: cleanAddress(a), Action: "delivered",
				Diagnostic: n.Delivery.SMTPResponse, RemoteMTA: n.Delivery.RemoteMtaIP}
			finish(&res, '2', "")
			if res.Recipient != "" {
				rep.add(res)
			}
		}
	default:
		rep.Format = ""
		return false
	}
	m := n.Mail
	if rep.OriginalMessageID == "" {
		rep.OriginalMessageID = firstMessageID(m.CommonHeaders.MessageID)
	}
	for _, hf := range m.Headers {
		if rep.OriginalMessageID == "" && strings.EqualFold(hf.Name, "Message-ID") {
			rep.OriginalMessageID = firstMessageID(hf.Value)
		}
	}
	if rep.OriginalFrom == "" && len(m.CommonHeaders.From) > 0 {
		rep.OriginalFrom = findAddress(m.CommonHeaders.From[0])
	}
	if len(rep.OriginalTo) == 0 {
		for _, t := range m.CommonHeaders.To {
			if a := findAddress(t); a != "" && len(rep.OriginalTo) < MaxRecipients {
				rep.OriginalTo = append(rep.OriginalTo, a)
			}
		}
	}
	if rep.OriginalReturnPath == "" {
		rep.OriginalReturnPath = cleanAddress(m.Source)
	}
	return len(rep.Results) > 0
}
