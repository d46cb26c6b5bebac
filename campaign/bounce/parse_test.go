package bounce_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign/bounce"
)

// crlf turns the LF line ends of a test message into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// mustParse parses a test message and fails the test on error.
func mustParse(t *testing.T, msg string) *bounce.Report {
	t.Helper()
	rep, err := bounce.Parse(strings.NewReader(msg))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return rep
}

// wantResult is the part of a Result a table test checks; empty fields are
// not checked.
type wantResult struct {
	rcpt, status, action string
	kind                 bounce.Kind
	reply                int
	diag                 string // a substring of the diagnostic
}

// checkResults compares the results of a report with want, in order.
func checkResults(t *testing.T, rep *bounce.Report, want []wantResult) {
	t.Helper()
	if len(rep.Results) != len(want) {
		t.Fatalf("got %d results %+v, want %d", len(rep.Results), rep.Results, len(want))
	}
	for i, w := range want {
		got := rep.Results[i]
		if got.Recipient != w.rcpt {
			t.Errorf("result %d: recipient %q, want %q", i, got.Recipient, w.rcpt)
		}
		if w.status != "" && got.Status != w.status {
			t.Errorf("result %d: status %q, want %q", i, got.Status, w.status)
		}
		if w.action != "" && got.Action != w.action {
			t.Errorf("result %d: action %q, want %q", i, got.Action, w.action)
		}
		if got.Kind != w.kind {
			t.Errorf("result %d: kind %q, want %q", i, got.Kind, w.kind)
		}
		if w.reply != 0 && got.ReplyCode != w.reply {
			t.Errorf("result %d: reply code %d, want %d", i, got.ReplyCode, w.reply)
		}
		if !strings.Contains(got.Diagnostic, w.diag) {
			t.Errorf("result %d: diagnostic %q lacks %q", i, got.Diagnostic, w.diag)
		}
	}
}

const dsnMessage = `Return-Path: <>
X-Original-To: bounces+c1.r42@mail.example.com
Delivered-To: bounces+c1.r42@mail.example.com
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: bounces+c1.r42@mail.example.com
Subject: Undelivered Mail Returned to Sender
Message-Id: <20260101.ABC@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
X-Postfix-Sender: rfc822; bounces+c1.r42@mail.example.com
Original-Envelope-Id: c1.r42

Final-Recipient: rfc822; Gone@Example.ORG
Original-Recipient: rfc822;gone@example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address
    rejected: User unknown in local recipient table

Final-Recipient: rfc822; full@example.org
Action: delayed
Status: 4.2.2
Diagnostic-Code: smtp; 452 4.2.2 Mailbox full

--BOUNDARY
Content-Type: message/rfc822

Return-Path: <bounces+c1.r42@mail.example.com>
From: News <news@example.com>
To: gone@example.org
Subject: =?UTF-8?Q?Caf=C3=A9?=
Message-ID: <c1.r42.9f3a@mailrun.example.com>

Hello.
--BOUNDARY--
`

func TestParseDSN(t *testing.T) {
	for _, tc := range []struct{ name, msg string }{
		{"lf", dsnMessage},
		{"crlf", crlf(dsnMessage)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := mustParse(t, tc.msg)
			if rep.Type != bounce.TypeBounce || rep.Format != "dsn" {
				t.Fatalf("type %s/%s, want bounce/dsn", rep.Type, rep.Format)
			}
			checkResults(t, rep, []wantResult{
				{rcpt: "gone@example.org", status: "5.1.1", action: "failed", kind: bounce.KindHard, reply: 550,
					diag: "Recipient address rejected: User unknown in local recipient table"},
				{rcpt: "full@example.org", status: "4.2.2", action: "delayed", kind: bounce.KindSoft, reply: 452},
			})
			if got := rep.Results[0].RemoteMTA; got != "mx.example.org" {
				t.Errorf("RemoteMTA %q", got)
			}
			if rep.OriginalMessageID != "c1.r42.9f3a@mailrun.example.com" {
				t.Errorf("OriginalMessageID %q", rep.OriginalMessageID)
			}
			if rep.OriginalReturnPath != "bounces+c1.r42@mail.example.com" || rep.OriginalEnvelopeID != "c1.r42" {
				t.Errorf("OriginalReturnPath %q, OriginalEnvelopeID %q", rep.OriginalReturnPath, rep.OriginalEnvelopeID)
			}
			if got := rep.OriginalHeaders.Get("Subject"); got != "Café" {
				t.Errorf("OriginalHeaders Subject %q", got)
			}
			if got := rep.EnvelopeAddresses(); len(got) != 1 || got[0] != "bounces+c1.r42@mail.example.com" {
				t.Errorf("EnvelopeAddresses %v", got)
			}
			if ids := rep.MessageIDs(); len(ids) != 1 || ids[0] != "c1.r42.9f3a@mailrun.example.com" {
				t.Errorf("MessageIDs %v", ids)
			}
		})
	}
}

func TestParseTextBounces(t *testing.T) {
	tests := []struct {
		name   string
		msg    string
		format string
		want   []wantResult
		origID string
	}{
		{
			name: "qmail quoted-printable latin1",
			msg: `From: MAILER-DAEMON@mx.example.net
To: sender@example.com
Subject: failure notice
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Hi. This is the qmail-send program at mx.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<m=FCller@example.de>:
192.0.2.1 does not like recipient.
Remote host said: 550 5.1.1 Benutzer unbekannt: no such user
Giving up on 192.0.2.1.

--- Below this line is a copy of the message.

Message-ID: <q1@example.com>
From: sender@example.com
To: m=FCller@example.de
Subject: hi

body
`,
			format: "qmail",
			want:   []wantResult{{rcpt: "müller@example.de", status: "5.1.1", kind: bounce.KindHard, reply: 550, diag: "no such user"}},
			origID: "q1@example.com",
		},
		{
			name: "exim two recipients, status derived from the reply code",
			msg: `From: Mail Delivery System <Mailer-Daemon@mx.example.net>
To: sender@example.com
Subject: Mail delivery failed: returning message to sender
X-Failed-Recipients: a@example.org, b@example.org
Auto-Submitted: auto-replied

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  a@example.org
    host mx.example.org [192.0.2.2]
    SMTP error from remote mail server after RCPT TO:<a@example.org>:
    550 No such user here
  b@example.org
    host mx.example.org [192.0.2.2]
    SMTP error from remote mail server after end of data:
    552 Mailbox quota exceeded

------ This is a copy of the message, including all the headers. ------

Message-Id: <E1abc@example.com>
From: sender@example.com
To: a@example.org, b@example.org
`,
			format: "exim",
			want: []wantResult{
				{rcpt: "a@example.org", status: "5.0.911", action: "failed", kind: bounce.KindHard, reply: 550, diag: "No such user here"},
				{rcpt: "b@example.org", status: "5.0.922", action: "failed", kind: bounce.KindSoft, reply: 552},
			},
			origID: "E1abc@example.com",
		},
		{
			name: "gmail delay warning is soft",
			msg: `From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: sender@example.com
Subject: Delivery Status Notification (Delay)
Content-Type: text/plain; charset=UTF-8

This is an automatically generated Delivery Status Notification

THIS IS A WARNING MESSAGE ONLY.

YOU DO NOT NEED TO RESEND YOUR MESSAGE.

Delivery to the following recipient has been delayed:

     slow@example.jp

Message will be retried for 2 more day(s)

Technical details of temporary failure:
The recipient server did not accept our requests to connect.

----- Original message -----

Message-ID: <g1@example.com>
From: sender@example.com
`,
			format: "gmail",
			want:   []wantResult{{rcpt: "slow@example.jp", status: "4.0.947", action: "delayed", kind: bounce.KindSoft}},
			origID: "g1@example.com",
		},
		{
			name: "exchange ndr in text",
			msg: `From: Microsoft Outlook <postmaster@example.onmicrosoft.com>
To: sender@example.com
Subject: Undeliverable: News
Content-Type: text/plain; charset=utf-8

Delivery has failed to these recipients or groups:

Alice Example (alice@example.org)
The email address you entered couldn't be found.

bob@example.org (bob@example.org)
Your message couldn't be delivered. The recipient's mailbox is full.

Diagnostic information for administrators:

Generating server: EX01.example.net

alice@example.org
Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'

bob@example.org
Remote Server returned '552 5.2.2 STOREDRV.Deliver; mailbox full'

Original message headers:

Message-ID: <x1@example.com>
From: sender@example.com
`,
			format: "text",
			want: []wantResult{
				{rcpt: "alice@example.org", status: "5.1.1", kind: bounce.KindHard, reply: 550, diag: "RecipNotFound"},
				{rcpt: "bob@example.org", status: "5.2.2", kind: bounce.KindSoft, reply: 552, diag: "mailbox is full"},
			},
			origID: "x1@example.com",
		},
		{
			name: "sender rejected at MAIL FROM is not the recipient's fault",
			msg: `From: MAILER-DAEMON@example.net
To: sender@example.com
Subject: Undelivered Mail Returned to Sender

<rcpt@example.org>: host mx.example.org[192.0.2.3] said: 553 5.1.8
    <sender@example.com>... Domain of sender address sender@example.com does
    not exist (in reply to MAIL FROM command)
`,
			format: "text",
			want:   []wantResult{{rcpt: "rcpt@example.org", status: "5.1.8", kind: bounce.KindSoft, reply: 553}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := mustParse(t, tc.msg)
			if rep.Type != bounce.TypeBounce || rep.Format != tc.format {
				t.Fatalf("type %s/%s, want bounce/%s", rep.Type, rep.Format, tc.format)
			}
			checkResults(t, rep, tc.want)
			if rep.OriginalMessageID != tc.origID {
				t.Errorf("OriginalMessageID %q, want %q", rep.OriginalMessageID, tc.origID)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"no header", "\n\nbody only\n"},
		{"binary", "\x00\x01\x02\xff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bounce.Parse(strings.NewReader(tc.in))
			if !errors.Is(err, bounce.ErrNotMessage) {
				t.Fatalf("err %v, want ErrNotMessage", err)
			}
		})
	}
	_, err := bounce.Parse(errReader{})
	if err == nil || !strings.HasPrefix(err.Error(), "bounce: ") {
		t.Fatalf("err %v, want a bounce: error", err)
	}
}

// errReader fails every read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseLimits(t *testing.T) {
	t.Run("message size", func(t *testing.T) {
		msg := "From: a@example.com\nSubject: big\n\n" + strings.Repeat("x", bounce.MaxMessageSize)
		rep := mustParse(t, msg)
		if !rep.Truncated || rep.Type != bounce.TypeOther {
			t.Fatalf("Truncated %v, Type %s", rep.Truncated, rep.Type)
		}
	})
	t.Run("recipients and diagnostic", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("From: MAILER-DAEMON@example.net\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; example.net\n")
		for i := 0; i < bounce.MaxRecipients+10; i++ {
			fmt.Fprintf(&b, "\nFinal-Recipient: rfc822; u%d@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 %s\n", i, strings.Repeat("no such user ", 200))
		}
		b.WriteString("--B--\n")
		rep := mustParse(t, b.String())
		if len(rep.Results) != bounce.MaxRecipients || !rep.Truncated {
			t.Fatalf("%d results, Truncated %v", len(rep.Results), rep.Truncated)
		}
		for _, r := range rep.Results {
			if len(r.Diagnostic) > bounce.MaxDiagnostic || strings.Contains(r.Diagnostic, "\n") {
				t.Fatalf("diagnostic of %d bytes: %q", len(r.Diagnostic), r.Diagnostic)
			}
		}
	})
	t.Run("broken boundary", func(t *testing.T) {
		msg := "From: MAILER-DAEMON@example.net\nSubject: Undeliverable\nContent-Type: multipart/mixed; boundary=\"nope\"\n\n" +
			"--other\nContent-Type: text/plain\n\n<gone@example.org>: 550 5.1.1 user unknown\n"
		rep := mustParse(t, msg)
		checkResults(t, rep, []wantResult{{rcpt: "gone@example.org", status: "5.1.1", kind: bounce.KindHard}})
	})
}

// TestParseVERPWithoutOriginal checks that a bounce that returns nothing of
// the original still carries the VERP address it was sent back to.
func TestParseVERPWithoutOriginal(t *testing.T) {
	msg := `Return-Path: <>
Delivered-To: bounces+c7.r99@mail.example.com
X-Original-To: bounces+c7.r99@mail.example.com
From: MAILER-DAEMON@mx.example.net
To: <bounces+c7.r99@mail.example.com>
Subject: failure notice

Hi. This is the qmail-send program at mx.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.

<gone@example.org>:
Sorry, no mailbox here by that name. (#5.1.1)
`
	rep := mustParse(t, msg)
	checkResults(t, rep, []wantResult{{rcpt: "gone@example.org", status: "5.1.1", kind: bounce.KindHard, diag: "no mailbox here"}})
	if rep.OriginalMessageID != "" || rep.OriginalHeaders != nil {
		t.Errorf("original %q %v", rep.OriginalMessageID, rep.OriginalHeaders)
	}
	if got := rep.EnvelopeAddresses(); len(got) != 1 || got[0] != "bounces+c7.r99@mail.example.com" {
		t.Errorf("EnvelopeAddresses %v", got)
	}
}

// A message sent with SMTPUTF8 (mailrun asks for it only when an address is
// not ASCII) bounces as an RFC 6533 report: message/global-delivery-status
// with a utf-8 Final-Recipient, the original returned as message/global.
// The file is Postfix 3.7's own DSN, from the private test server.
func TestParseSMTPUTF8Report(t *testing.T) {
	const rcpt = "nöbody-mrt0000000001u@bounce.test"
	raw, err := os.ReadFile(filepath.Join("testdata", "smtputf8", "postfix-global-dsn.eml"))
	if err != nil {
		t.Fatal(err)
	}
	escaped := strings.Replace(string(raw), "Final-Recipient: utf-8; nöbody", `Final-Recipient: utf-8; n\x{F6}body`, 1)
	if escaped == string(raw) {
		t.Fatal("fixture lacks its utf-8 Final-Recipient")
	}
	for name, msg := range map[string]string{"unitext": string(raw), "xtext": escaped} {
		t.Run(name, func(t *testing.T) {
			rep := mustParse(t, msg)
			if rep.Type != bounce.TypeBounce || rep.Format != "dsn" {
				t.Fatalf("type %s/%s, want bounce/dsn", rep.Type, rep.Format)
			}
			checkResults(t, rep, []wantResult{{rcpt: rcpt, status: "5.1.1", action: "failed", kind: bounce.KindHard, diag: "mailbox unavailable"}})
			if rep.OriginalMessageID != "872a18e91168676d9569d2aebac542a3@example.test" {
				t.Errorf("OriginalMessageID %q: the message/global part was not read", rep.OriginalMessageID)
			}
			if got := rep.OriginalTo; len(got) != 1 || got[0] != rcpt {
				t.Errorf("OriginalTo %v", got)
			}
		})
	}
}
