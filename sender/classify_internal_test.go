package sender

import (
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

// TestClassifyTable checks each row of the reply table (README, "How
// mailrun reads a server's replies") with replies real servers send.
func TestClassifyTable(t *testing.T) {
	const (
		tmp, perm, fatal = campaign.Temporary, campaign.Permanent, campaign.Fatal
		none, rcpt, msg  = campaign.ScopeNone, campaign.ScopeRecipient, campaign.ScopeMessage
		sess             = campaign.ScopeSession
	)
	tests := []struct {
		ph       phase
		code     int
		enhanced string
		text     string
		class    campaign.Class
		scope    campaign.Scope
		throttle bool
	}{
		// Throttle.
		{phaseMail, 450, "4.7.1", "Error: too much mail from 127.0.0.1", tmp, sess, true}, // Postfix rate limit
		{phaseRcpt, 450, "4.7.1", "<a@x>: Recipient address rejected: rate limit exceeded", tmp, rcpt, true},
		{phaseMail, 421, "4.7.0", "Try again later, closing connection.", tmp, sess, true},              // Google
		{phaseGreeting, 421, "4.7.0", "Try again later, closing connection.", tmp, sess, true},          // Google at connect
		{phaseMail, 421, "4.3.1", "You send too many messages", tmp, sess, true},                        // Naver
		{phaseDot, 454, "4.7.0", "Throttling failure: Maximum sending rate exceeded.", tmp, none, true}, // SES
		{phaseRcpt, 450, "", "Too many requests", tmp, rcpt, true},
		{phaseMail, 452, "4.5.3", "Error: too many recipients", tmp, sess, true},
		// Not throttle.
		{phaseDot, 451, "4.3.0", "Error: queue file write error", tmp, none, false},
		{phaseAuth, 454, "4.7.0", "Temporary authentication failure", tmp, sess, false},
		{phaseRcpt, 450, "4.2.1", "<a@x>: mailbox busy", tmp, rcpt, false},
		{phaseMail, 421, "4.3.2", "Service shutting down", tmp, sess, false},
		// Session refused.
		{phaseGreeting, 554, "5.7.1", "Service unavailable; Client host [192.0.2.1] blocked", fatal, sess, false},
		{phaseHello, 501, "5.5.2", "Syntax: EHLO hostname", fatal, sess, false},
		{phaseTLS, 454, "4.7.0", "TLS not available due to local problem", tmp, sess, false},
		{phaseAuth, 535, "5.7.8", "Error: authentication failed", fatal, sess, false},
		{phaseMail, 550, "5.7.60", "SMTP; Client does not have permissions to send as this sender", fatal, sess, false},
		{phaseMail, 553, "5.7.1", "<x@y>: Sender address rejected: not owned by user", fatal, sess, false},
		{phaseRcpt, 504, "5.5.2", "<vm>: Helo command rejected: need fully-qualified hostname", fatal, sess, false},
		{phaseRcpt, 554, "5.7.1", "<a@x>: Relay access denied", fatal, sess, false},
		{phaseRcpt, 530, "5.7.0", "Authentication required", fatal, sess, false},
		{phaseRcpt, 450, "4.7.1", "<x>: Client host rejected: cannot find your hostname", tmp, sess, true},
		{phaseDot, 550, "5.7.60", "SMTP; Client does not have permissions to send as this sender", fatal, sess, false},
		{phaseDot, 421, "4.4.2", "timeout exceeded", tmp, sess, true},
		// Recipient refused.
		{phaseRcpt, 550, "5.1.1", "<a@x>: Recipient address rejected: User unknown", perm, rcpt, false},
		{phaseRcpt, 501, "5.1.3", "Bad recipient address syntax", perm, rcpt, false},
		{phaseRcpt, 452, "4.2.2", "Mailbox full", tmp, rcpt, false},
		{phaseDot, 550, "5.1.1", "user unknown", perm, rcpt, false},
		{phaseDot, 552, "5.2.2", "mailbox full", perm, rcpt, false},
		// Message refused.
		{phaseMail, 552, "5.3.4", "Message size exceeds fixed limit", perm, msg, false},
		{phaseMail, 555, "5.5.4", "Unsupported option: SMTPUTF8", perm, msg, false},
		{phaseData, 554, "5.5.1", "Error: no valid recipients", perm, msg, false},
		{phaseDot, 552, "5.3.4", "Error: message file too big", perm, msg, false},
		{phaseDot, 554, "5.7.1", "Message rejected as spam", perm, msg, false},
		{phaseDot, 550, "5.7.26", "Unauthenticated email is not accepted (DMARC)", perm, msg, false},
		// Temporary.
		{phaseData, 451, "4.3.0", "Error: queue file write error", tmp, none, false},
	}
	for _, tt := range tests {
		r := reply{code: tt.code, enhanced: tt.enhanced, text: tt.text}
		class, scope, throttle := classify(tt.ph, r)
		if class != tt.class || scope != tt.scope || throttle != tt.throttle {
			t.Errorf("%s: %s = %v, scope %d, throttle %v; want %v, scope %d, throttle %v",
				phaseNames[tt.ph], r, class, scope, throttle, tt.class, tt.scope, tt.throttle)
		}
	}
}

func TestTooManyRecipients(t *testing.T) {
	for _, tt := range []struct {
		r    reply
		want bool
	}{
		{reply{452, "4.5.3", "Error: too many recipients"}, true},
		{reply{452, "4.5.3", "Maximum limit of 2 recipients reached"}, true},
		{reply{552, "5.5.3", "Too many recipients"}, true},
		{reply{452, "", "Too many recipients"}, true},
		{reply{452, "4.2.2", "Mailbox full"}, false},
		{reply{450, "4.5.3", "rate"}, false},
	} {
		if got := tooManyRecipients(tt.r); got != tt.want {
			t.Errorf("tooManyRecipients(%s) = %v, want %v", tt.r, got, tt.want)
		}
	}
}
