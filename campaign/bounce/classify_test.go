package bounce_test

import (
	"testing"

	"github.com/mailrun/mailrun/campaign/bounce"
)

func TestParseComplaints(t *testing.T) {
	tests := []struct {
		name  string
		msg   string
		rcpts []string
		ftype string
		kind  bounce.Kind
	}{
		{
			name: "arf abuse",
			msg: `From: feedback@fbl.example.net
To: fbl@example.com
Subject: Abuse report
Content-Type: multipart/report; report-type=feedback-report; boundary=B

--B
Content-Type: text/plain

This is an abuse report.
--B
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Mail-From: <bounces+c1.r7@mail.example.com>
Original-Rcpt-To: <Reader@Example.net>

--B
Content-Type: text/rfc822-headers

Message-ID: <c1.r7@mailrun.example.com>
From: news@example.com
To: reader@example.net
--B--
`,
			rcpts: []string{"reader@example.net"}, ftype: "abuse", kind: bounce.KindComplaint,
		},
		{
			name: "arf auth-failure without Original-Rcpt-To books nothing",
			msg: `From: dmarc@example.net
Content-Type: multipart/report; report-type=feedback-report; boundary=B

--B
Content-Type: message/feedback-report

Feedback-Type: auth-failure
Auth-Failure: dmarc

--B
Content-Type: text/rfc822-headers

To: <someone@example.org>
--B--
`,
			rcpts: []string{"someone@example.org"}, ftype: "auth-failure", kind: bounce.KindNone,
		},
		{
			name: "ses complaint in an sns envelope",
			msg: `From: no-reply@sns.amazonaws.com
Subject: AWS Notification Message
Content-Type: text/plain; charset=UTF-8

{"Type":"Notification","Message":"{\"notificationType\":\"Complaint\",\"complaint\":{\"complainedRecipients\":[{\"emailAddress\":\"angry@example.org\"}],\"complaintFeedbackType\":\"abuse\"},\"mail\":{\"source\":\"bounces+c2@mail.example.com\",\"commonHeaders\":{\"messageId\":\"<c2@mailrun.example.com>\"}}}"}
`,
			rcpts: []string{"angry@example.org"}, ftype: "abuse", kind: bounce.KindComplaint,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := mustParse(t, tc.msg)
			if rep.Type != bounce.TypeComplaint {
				t.Fatalf("type %s/%s, want complaint", rep.Type, rep.Format)
			}
			if len(rep.Results) != len(tc.rcpts) {
				t.Fatalf("results %+v, want %v", rep.Results, tc.rcpts)
			}
			for i, r := range rep.Results {
				if r.Recipient != tc.rcpts[i] || r.FeedbackType != tc.ftype || r.Kind != tc.kind {
					t.Errorf("result %d: %+v, want %s %s %s", i, r, tc.rcpts[i], tc.ftype, tc.kind)
				}
			}
		})
	}
}

func TestParseSESBounce(t *testing.T) {
	msg := `From: no-reply@sns.amazonaws.com
Subject: AWS Notification Message
Content-Type: text/plain; charset=UTF-8

{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"gone@example.org","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}]},"mail":{"source":"bounces+c3@mail.example.com","commonHeaders":{"messageId":"<c3@mailrun.example.com>","to":["gone@example.org"]}}}
`
	rep := mustParse(t, msg)
	if rep.Type != bounce.TypeBounce || rep.Format != "ses" {
		t.Fatalf("type %s/%s", rep.Type, rep.Format)
	}
	checkResults(t, rep, []wantResult{{rcpt: "gone@example.org", status: "5.1.1", action: "failed", kind: bounce.KindHard, reply: 550}})
	if rep.OriginalMessageID != "c3@mailrun.example.com" || rep.OriginalReturnPath != "bounces+c3@mail.example.com" {
		t.Errorf("OriginalMessageID %q, OriginalReturnPath %q", rep.OriginalMessageID, rep.OriginalReturnPath)
	}
}

func TestParseNotBounces(t *testing.T) {
	tests := []struct {
		name   string
		msg    string
		typ    bounce.Type
		format string
	}{
		{"rfc 3834 auto-submitted", "From: a@example.org\nTo: b@example.com\nAuto-Submitted: auto-replied\nIn-Reply-To: <x@example.com>\nSubject: Re: hi\n\nI am away.\n",
			bounce.TypeAutoReply, "auto-submitted"},
		{"x-autoreply", "From: a@example.org\nX-Autoreply: yes\nSubject: hi\n\naway\n", bounce.TypeAutoReply, "x-autoreply"},
		{"precedence auto_reply", "From: a@example.org\nPrecedence: auto_reply\nSubject: hi\n\naway\n", bounce.TypeAutoReply, "precedence"},
		{"german out of office", "From: a@example.de\nSubject: Abwesenheitsnotiz: Newsletter\n\nIch bin bis Montag nicht im Büro.\n", bounce.TypeAutoReply, "subject"},
		{"exchange automatic reply", "From: a@example.org\nSubject: Automatic reply: News\nX-Auto-Response-Suppress: All\n\naway until May\n", bounce.TypeAutoReply, "subject"},
		{"challenge-response", "From: guard@example.org\nSubject: Please confirm your message\n\nClick to confirm that you are human.\n", bounce.TypeAutoReply, "challenge"},
		{"ordinary mail that lists addresses", "From: friend@example.org\nTo: me@example.com\nSubject: contacts\n\nHere they are:\n\nalice@example.net\n<bob@example.net>:\n550 is a number\n",
			bounce.TypeOther, ""},
		{"a human replying about a bounce", "From: friend@example.org\nTo: me@example.com\nSubject: Re: your newsletter\nIn-Reply-To: <c1@mailrun.example.com>\n\nMy colleague carol@example.net left.\n",
			bounce.TypeOther, ""},
		{"unreadable bounce", "From: postmaster@example.de\nSubject: email bounce notification\nAuto-Submitted: auto-replied\n\nYour message was rejected.\nreject reason: Mailbox full\ntarget mail address: x@example.de\n",
			bounce.TypeOther, "unread-bounce"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := mustParse(t, tc.msg)
			if rep.Type != tc.typ || rep.Format != tc.format || len(rep.Results) != 0 {
				t.Fatalf("got %s/%s with %d results, want %s/%s", rep.Type, rep.Format, len(rep.Results), tc.typ, tc.format)
			}
		})
	}
	rep := mustParse(t, "From: a@example.org\nSubject: Out of Office\nIn-Reply-To: <c9.r1@mailrun.example.com>\nReferences: <c9.r0@x> <c9.r1@mailrun.example.com>\n\naway\n")
	if ids := rep.MessageIDs(); len(ids) != 2 || ids[0] != "c9.r1@mailrun.example.com" || ids[1] != "c9.r0@x" {
		t.Errorf("MessageIDs %v", ids)
	}
}
