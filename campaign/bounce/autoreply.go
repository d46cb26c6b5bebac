package bounce

import "strings"

// autoSubjects are lower-case Subject prefixes or phrases of automatic
// replies in several languages.
var autoSubjects = []string{
	"auto:", "auto reply", "auto-reply", "autoreply", "automatic reply", "automatische antwort",
	"auto response", "auto-response", "autoresponse", "out of office", "out of the office",
	"ooo:", "away from", "on vacation", "vacation", "abwesenheit", "absence", "réponse automatique",
	"respuesta automática", "risposta automatica", "resposta automática", "automatisch antwoord",
	"自動応答", "自动回复", "不在", "autosvar", "automaattinen vastaus", "odpowiedź automatyczna",
}

// challengeSubjects are lower-case Subject phrases of challenge-response
// requests.
var challengeSubjects = []string{
	"please confirm your", "confirm your message", "verify your e-mail", "verify your email",
	"sender verification", "approval required", "challenge", "is waiting for your confirmation",
	"message requires your confirmation",
}

// autoReplySignal returns why the message with header h and decoded
// subject looks like an automatic reply (RFC 3834 Auto-Submitted, the
// X-Autoreply family, Precedence: auto_reply, an out-of-office or vacation
// subject, or a challenge-response request), or "" when it does not.
func autoReplySignal(h header, subject string) string {
	if v := strings.ToLower(strings.TrimSpace(h.get("Auto-Submitted"))); v != "" && !strings.HasPrefix(v, "no") {
		return "auto-submitted"
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply", "X-Autoreply-From"} {
		if h.has(k) {
			return "x-autoreply"
		}
	}
	if strings.EqualFold(h.get("X-Apple-Action"), "VACATION") || h.has("X-Vacation") {
		return "vacation"
	}
	prec := strings.ToLower(strings.TrimSpace(h.get("Precedence")))
	if prec == "auto_reply" || prec == "auto-reply" {
		return "precedence"
	}
	if h.has("X-Challenge") || h.has("X-Boxbe-Challenge") || h.has("X-Spamarrest-Challenge") || h.has("X-Sender-Verification") {
		return "challenge"
	}
	s := strings.ToLower(strings.TrimSpace(subject))
	for _, p := range challengeSubjects {
		if strings.Contains(s, p) {
			return "challenge"
		}
	}
	for _, p := range autoSubjects {
		if strings.HasPrefix(s, p) || (len(p) > 6 && strings.Contains(s, p)) {
			return "subject"
		}
	}
	if prec == "bulk" || prec == "junk" {
		if h.has("In-Reply-To") {
			return "precedence"
		}
	}
	return ""
}
