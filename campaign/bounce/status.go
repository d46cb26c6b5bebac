package bounce

import (
	"regexp"
	"strconv"
	"strings"
)

// statusPattern matches an enhanced status code (RFC 3463) in text.
var statusPattern = regexp.MustCompile(`\b[245]\.\d{1,3}\.\d{1,3}\b`)

// replyPattern matches an SMTP reply code followed by a space, a hyphen, a
// colon or the end of the text.
var replyPattern = regexp.MustCompile(`\b[245][0-5]\d(?:[ \-:]|$)`)

// validStatus reports whether s is an enhanced status code.
func validStatus(s string) bool {
	if len(s) < 5 || len(s) > 9 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' {
		return false
	}
	subject, detail, ok := strings.Cut(s[2:], ".")
	if !ok || !digits(subject, 3) || !digits(detail, 3) {
		return false
	}
	return true
}

// digits reports whether s is 1 to max ASCII digits.
func digits(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// findStatus returns the first enhanced status code in s that is not part
// of a longer dotted number (an IP address or a version), or "".
func findStatus(s string) string {
	if all := findStatuses(s); len(all) > 0 {
		return all[0]
	}
	return ""
}

// lastStatus returns the last enhanced status code in s, which in a
// relayed error ("554 4.4.7 expired <421 4.4.2 timed out>") is the one
// from the server that refused, or "".
func lastStatus(s string) string {
	if all := findStatuses(s); len(all) > 0 {
		return all[len(all)-1]
	}
	return ""
}

// findStatuses returns the enhanced status codes in s (at most 20).
func findStatuses(s string) []string {
	var out []string
	for _, loc := range statusPattern.FindAllStringIndex(s, 20) {
		if loc[0] > 0 && (s[loc[0]-1] == '.' || isDigit(s[loc[0]-1])) {
			continue
		}
		if loc[1]+1 < len(s) && s[loc[1]] == '.' && isDigit(s[loc[1]+1]) {
			continue
		}
		out = append(out, s[loc[0]:loc[1]])
	}
	return out
}

// replyNoise are words that, after a number, show it is a quantity rather
// than a reply code.
var replyNoise = []string{"minute", "second", "hour", "day", "byte", "kb", "mb", "message", "recipient", "time"}

// findReply returns the SMTP reply code in s: the first three-digit code
// followed by an enhanced status code, else the first one that stands on
// its own (not inside a dotted number, a path or a quantity). It returns 0
// when there is none.
func findReply(s string) int {
	best := 0
	for _, loc := range replyPattern.FindAllStringIndex(s, 40) {
		start := loc[0]
		if start > 0 {
			c := s[start-1]
			if c == '.' || c == '#' || c == '/' || c == '=' || c == '+' || c == '_' || isDigit(c) {
				continue
			}
		}
		code, _ := strconv.Atoi(s[start : start+3])
		after := strings.TrimLeft(truncate(s[start+3:], 40), " -:")
		if st := findStatus(after); st != "" && strings.HasPrefix(after, st) {
			return code
		}
		lower := strings.ToLower(after)
		noise := false
		for _, w := range replyNoise {
			if strings.HasPrefix(lower, w) {
				noise = true
			}
		}
		if best == 0 && !noise {
			best = code
		}
	}
	return best
}

// preferStatus chooses between the Status field of a report and the code in
// its diagnostic text: the more specific one, or the one of the reply
// code's class when they disagree on the class.
func preferStatus(field, inText string, reply int) string {
	switch {
	case field == "":
		return inText
	case inText == "" || inText == field:
		return field
	}
	if reply >= 200 && field[0] != inText[0] {
		r := byte('0' + reply/100)
		if r == field[0] {
			return field
		}
		if r == inText[0] {
			return inText
		}
	}
	generic := func(s string) bool { return strings.HasSuffix(s[1:], ".0.0") }
	vague := func(s string) bool { return strings.Contains(s[1:], ".0") }
	switch {
	case generic(field):
		return inText
	case vague(field) && !vague(inText):
		return inText
	case generic(inText):
		return field
	case field == "4.4.7" || field == "4.7.0" || strings.HasPrefix(field, "5.3.") ||
		strings.HasPrefix(field[1:], ".5.1") || strings.HasPrefix(field[1:], ".5.2") ||
		strings.HasPrefix(field[1:], ".5.4") || strings.HasPrefix(field[1:], ".5.5"):
		return inText
	case field == "5.1.1" && !vague(inText) && !strings.HasPrefix(inText, "5.5."):
		return inText
	}
	return field
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// statusClass returns the first digit of a status code, or 0.
func statusClass(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

// pseudoCodes maps a reason to Sisimai's X.0.9NN code for it, used when a
// message gives no enhanced status code.
var pseudoCodes = map[string]string{
	"authfailure": "926", "badreputation": "975", "blocked": "971", "contenterror": "960",
	"exceedlimit": "923", "expired": "947", "failedstarttls": "976", "filtered": "910",
	"hasmoved": "916", "hostunknown": "912", "mailboxfull": "922", "mailererror": "939",
	"mesgtoobig": "934", "networkerror": "944", "norelaying": "909", "notaccept": "932",
	"notcompliantrfc": "974", "onhold": "901", "policyviolation": "972", "rejected": "918",
	"requireptr": "973", "securityerror": "970", "spamdetected": "980", "speeding": "946",
	"suppressed": "903", "suspend": "921", "systemerror": "930", "systemfull": "931",
	"syntaxerror": "902", "toomanyconn": "945", "userunknown": "911", "undefined": "900",
	"virusdetected": "981",
}

// pseudoStatus returns the X.0.9NN code for reason in class ('4' or '5').
func pseudoStatus(reason string, class byte) string {
	n, ok := pseudoCodes[reason]
	if !ok {
		return ""
	}
	if class == '4' {
		if reason == "hasmoved" || reason == "hostunknown" || reason == "userunknown" {
			return ""
		}
		return "4.0." + n
	}
	return "5.0." + n
}

// statusReasons maps enhanced status codes to reasons, for messages whose
// text says nothing more specific.
var statusReasons = map[string]string{
	"2.1.5": "delivered", "2.6.0": "delivered", "2.0.0": "delivered",
	"4.1.6": "hasmoved", "4.1.7": "rejected", "4.1.8": "rejected", "4.1.9": "systemerror",
	"4.2.1": "blocked", "4.2.2": "mailboxfull", "4.2.3": "exceedlimit", "4.2.4": "filtered",
	"4.3.1": "systemfull", "4.3.2": "notaccept", "4.3.3": "systemerror", "4.3.5": "systemerror",
	"4.4.1": "expired", "4.4.2": "networkerror", "4.4.3": "systemerror", "4.4.4": "networkerror",
	"4.4.5": "systemfull", "4.4.6": "networkerror", "4.4.7": "expired", "4.5.3": "systemerror",
	"4.6.0": "contenterror", "4.7.1": "blocked", "4.7.2": "blocked", "4.7.5": "securityerror",
	"4.7.24": "authfailure", "4.7.25": "requireptr", "4.7.26": "authfailure",
	"5.1.0": "userunknown", "5.1.1": "userunknown", "5.1.2": "hostunknown", "5.1.3": "userunknown",
	"5.1.4": "filtered", "5.1.6": "hasmoved", "5.1.7": "rejected", "5.1.8": "rejected",
	"5.1.9": "systemerror", "5.1.10": "notaccept", "5.2.0": "filtered", "5.2.1": "filtered",
	"5.2.2": "mailboxfull", "5.2.3": "exceedlimit", "5.2.4": "filtered", "5.3.0": "systemerror",
	"5.3.1": "systemfull", "5.3.2": "notaccept", "5.3.3": "systemerror", "5.3.4": "mesgtoobig",
	"5.3.5": "systemerror", "5.4.0": "networkerror", "5.4.3": "systemerror", "5.4.4": "hostunknown",
	"5.5.2": "syntaxerror", "5.5.3": "toomanyconn", "5.5.4": "systemerror", "5.5.5": "systemerror",
	"5.5.6": "syntaxerror", "5.6.0": "contenterror", "5.6.1": "contenterror",
	"5.6.2": "contenterror", "5.6.3": "contenterror", "5.6.5": "contenterror",
	"5.6.6": "contenterror", "5.6.7": "contenterror", "5.6.8": "contenterror",
	"5.6.9": "contenterror", "5.7.0": "securityerror", "5.7.1": "securityerror",
	"5.7.2": "securityerror", "5.7.3": "securityerror", "5.7.4": "securityerror",
	"5.7.5": "securityerror", "5.7.6": "securityerror", "5.7.7": "securityerror",
	"5.7.8": "securityerror", "5.7.9": "securityerror", "5.7.10": "securityerror",
	"5.7.11": "securityerror", "5.7.13": "suspend", "5.7.14": "securityerror",
	"5.7.15": "securityerror", "5.7.16": "mesgtoobig", "5.7.17": "hasmoved",
	"5.7.18": "hasmoved", "5.7.19": "securityerror", "5.7.20": "authfailure",
	"5.7.21": "authfailure", "5.7.22": "authfailure", "5.7.23": "authfailure",
	"5.7.24": "authfailure", "5.7.25": "requireptr", "5.7.26": "authfailure",
	"5.7.27": "notaccept", "5.7.28": "spamdetected", "5.7.29": "authfailure",
	"5.7.30": "failedstarttls",
}

// hardReasons are the reasons that say the address itself is bad.
var hardReasons = map[string]bool{
	"userunknown": true, "hostunknown": true, "hasmoved": true, "notaccept": true,
}

// kindOf classifies a failure from its status class, action and reason: a
// success is KindNone, a delay or a 4.x.x failure is soft, a 5.x.x failure
// is hard when its reason says the address is bad and soft otherwise.
func kindOf(status, action, reason string) Kind {
	switch {
	case action == "delivered" || action == "relayed" || action == "expanded" || statusClass(status) == '2':
		return KindNone
	case action == "delayed" || statusClass(status) == '4':
		return KindSoft
	case hardReasons[reason]:
		return KindHard
	}
	return KindSoft
}
