package main

import (
	"fmt"
	"strings"
	"testing"
)

// crlf turns the LF line ends of s into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// handMade is a message as another mail program could write it: encoded
// words in two charsets, quoted-printable HTML with an inline image,
// base64 text, and an attachment with an RFC 2231 file name.
var handMade = crlf(`From: =?UTF-8?B?66mU7J2865+w?= <news@example.com>
To: =?UTF-8?Q?Jos=C3=A9?= <jose@example.com>, plain@example.com
Cc: "Boss" <boss@example.com>
Subject: =?EUC-KR?B?vsiz58fPvLy/5A==?= / hello
Message-ID: <abc@example.com>
X-Campaign: nov
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mix"

--mix
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: base64

Q2Fm6SBkZSBsYSBwbGFjZQ==
--alt
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<p>Caf=C3=A9 <img src=3D"cid:logo@x"></p>
--alt--

--rel
Content-Type: image/png
Content-ID: <logo@x>
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

iVBORw0=
--rel--

--mix
Content-Type: application/pdf
Content-Disposition: attachment; filename*=UTF-8''%EC%B2%AD%EA%B5%AC%EC%84%9C.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--mix--
`)

func TestParseMessage(t *testing.T) {
	v, err := parseMessage([]byte(handMade))
	if err != nil {
		t.Fatal(err)
	}
	want := []headerView{
		{"From", "메일런 <news@example.com>"},
		{"To", "José <jose@example.com>, plain@example.com"},
		{"Cc", "Boss <boss@example.com>"},
		{"Subject", "안녕하세요 / hello"},
		{"Message-ID", "<abc@example.com>"},
		{"X-Campaign", "nov"},
	}
	if len(v.Headers) != len(want) {
		t.Fatalf("headers %v, want %v", v.Headers, want)
	}
	for i := range want {
		if v.Headers[i] != want[i] {
			t.Errorf("header %d = %q, want %q", i, v.Headers[i], want[i])
		}
	}
	if strings.Join(v.To, ",") != "jose@example.com,plain@example.com" || strings.Join(v.Cc, ",") != "boss@example.com" {
		t.Errorf("To %v, Cc %v", v.To, v.Cc)
	}
	if v.Text != "Café de la place" {
		t.Errorf("text part %q", v.Text)
	}
	if want := `<p>Café <img src="data:image/png;base64,iVBORw0="></p>`; strings.TrimSpace(v.HTML) != want {
		t.Errorf("HTML part %q, want %q", v.HTML, want)
	}
	wantAtt := []attachmentView{
		{Name: "logo.png", Type: "image/png", Size: 5, Inline: true},
		{Name: "청구서.pdf", Type: "application/pdf", Size: 9},
	}
	if len(v.Attachments) != len(wantAtt) {
		t.Fatalf("attachments %+v, want %+v", v.Attachments, wantAtt)
	}
	for i := range wantAtt {
		if v.Attachments[i] != wantAtt[i] {
			t.Errorf("attachment %d = %+v, want %+v", i, v.Attachments[i], wantAtt[i])
		}
	}
}

func TestParseMessageErrors(t *testing.T) {
	tests := []struct{ name, msg string }{
		{"not a header", crlf("no colon here\n\nbody\n")},
		{"bad base64", crlf("Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!!\n")},
		{"unterminated multipart", crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n")},
		{"too deep", nested(maxMIMEDepth + 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v, err := parseMessage([]byte(tt.msg)); err == nil {
				t.Errorf("no error; parsed %+v", v)
			}
		})
	}
}

// nested returns a well-formed message of depth nested multiparts.
func nested(depth int) string {
	var b strings.Builder
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\n\nx\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\n", i)
	}
	return crlf(b.String())
}

func TestParseMessageNestingLimit(t *testing.T) {
	v, err := parseMessage([]byte(nested(maxMIMEDepth)))
	if err != nil {
		t.Fatalf("depth %d: %v", maxMIMEDepth, err)
	}
	if v.Text != "x" {
		t.Errorf("depth %d: text %q, want x", maxMIMEDepth, v.Text)
	}
}

// FuzzParseMessage checks that no message makes the preview's parser panic
// or hang.
func FuzzParseMessage(f *testing.F) {
	f.Add([]byte(handMade))
	f.Add([]byte(crlf("Subject: =?UTF-8?Q?x?=\n\nbody\n")))
	f.Add([]byte(crlf("Content-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n=3Cp=3E\n--a--\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseMessage(data)
		if err == nil && v == nil {
			t.Fatal("nil view without an error")
		}
	})
}
