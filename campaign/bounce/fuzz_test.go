package bounce_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/mailrun/mailrun/campaign/bounce"
)

// statusShape is what every Result.Status must look like.
var statusShape = regexp.MustCompile(`^[245]\.\d{1,3}\.\d{1,3}$`)

// FuzzParse checks that Parse never panics and that what it returns stays
// within its documented bounds.
func FuzzParse(f *testing.F) {
	for _, name := range []string{
		"maildir/lhost-postfix-01.eml", "maildir/lhost-exim-02.eml", "maildir/lhost-qmail-01.eml",
		"maildir/arf-16.eml", "maildir/lhost-amazonses-09.eml", "maildir/lhost-sendmail-02.eml",
		"not-bounces/rfc3834-01.eml",
	} {
		data, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(dsnMessage))
	f.Add([]byte("From: MAILER-DAEMON@x\nContent-Type: multipart/report; boundary=\"b\"\n\n--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@b\nStatus: 5.1.1\n--b--\n"))
	f.Add([]byte("From: MAILER-DAEMON@x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"))
	f.Add([]byte("Subject: x\n\n{\"notificationType\":\"Bounce\",\"bounce\":{\"bouncedRecipients\":[{}]}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := bounce.Parse(bytes.NewReader(data))
		if err != nil {
			if rep != nil {
				t.Fatal("a report and an error")
			}
			return
		}
		switch rep.Type {
		case bounce.TypeBounce, bounce.TypeComplaint, bounce.TypeAutoReply, bounce.TypeOther:
		default:
			t.Fatalf("type %q", rep.Type)
		}
		if len(rep.Results) > bounce.MaxRecipients {
			t.Fatalf("%d results", len(rep.Results))
		}
		if (rep.Type == bounce.TypeAutoReply || rep.Type == bounce.TypeOther) && len(rep.Results) > 0 {
			t.Fatalf("%s with results", rep.Type)
		}
		for _, r := range rep.Results {
			if len(r.Diagnostic) > bounce.MaxDiagnostic || bytes.ContainsAny([]byte(r.Diagnostic), "\r\n") {
				t.Fatalf("diagnostic %q", r.Diagnostic)
			}
			if rep.Type == bounce.TypeBounce && !statusShape.MatchString(r.Status) {
				t.Fatalf("status %q", r.Status)
			}
			switch r.Kind {
			case bounce.KindHard, bounce.KindSoft, bounce.KindComplaint, bounce.KindNone:
			default:
				t.Fatalf("kind %q", r.Kind)
			}
		}
	})
}
