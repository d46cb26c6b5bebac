package bounce

import (
	"regexp"
	"strings"
)

// Bounds on the text reader.
const (
	maxTextLines  = 4000      // lines of a text bounce examined
	maxTextBytes  = 256 << 10 // bytes of a text bounce examined
	maxAnchorLine = 1000      // longest line read as naming a recipient
	maxBlockLines = 24        // diagnostic lines kept per recipient
)

// textBlock is one recipient named in the text of a bounce, with the lines
// that explain it.
type textBlock struct {
	rcpt   string
	indent int
	lines  []string
}

// textScan is what scanText reads from the human-readable part of a bounce.
type textScan struct {
	blocks   []textBlock
	intro    []string // lines before the first recipient
	section  string   // the error section: the text before the returned message
	original header   // header of the returned message quoted in the text
}

const addr = `[\p{L}\p{N}!#$%&'*+/=?^_{|}~.-]+@[\p{L}\p{N}](?:[\p{L}\p{N}.-]*[\p{L}\p{N}])?`

// Lines that name a recipient. Each has the address as its first group and,
// where the line goes on, the rest of the line as the last.
var (
	// The address alone on its line: "  kijitora@example.jp",
	// "<kijitora@example.jp>:", "* kijitora@example.jp", "\"a@b\":".
	reAlone = regexp.MustCompile(`^[*•\-]?\s*["'<(]*(` + addr + `)[>"')]*\s*:?\s*$`)
	// An address in angle brackets starting the line: "<a@b>: 550 ...",
	// "<a@b>... User unknown".
	reAngle = regexp.MustCompile(`^<(` + addr + `)>\s*(?::|\.\.\.)?\s*(.*)$`)
	// A bare address and a colon starting the line: "a@b: 550 ...".
	reBare = regexp.MustCompile(`^(` + addr + `)(?::|\.\.\.)\s+(\S.*)$`)
	// Exchange 2003: "a@b on Thu, 29 Apr 2007 16:51:51 -0500"; Exchange
	// 2007 and later: "a@b (a@b)" or "a@b (Alice Example)".
	reOn = regexp.MustCompile(`^(` + addr + `)(?:\s+on\s+\S+.*|\s*\([^()]*\))$`)
	// A display name and the address in parentheses: "Alice (a@b)".
	reNamed = regexp.MustCompile(`^[^@()<>:]{1,80}\s\((` + addr + `)\)$`)
	// A labelled recipient: "Recipient: <a@b>", "Unknown user: a@b".
	reLabel = regexp.MustCompile(`(?i)^(?:recipient(?: address)?|original[- ]recipient|final[- ]recipient|failed recipient|invalid recipient|unknown user|address|user unknown|user)\s*:\s*(?:rfc822;\s*)?["<]?(` + addr + `)[">]?[,.:;]?\s*(.*)$`)
	// A sentence naming the recipient: "delivering your mail to <a@b>.",
	// "Unable to deliver message to: <a@b>", "[Status: Error, Address: <a@b>, ...]".
	reSentence = regexp.MustCompile(`(?i)(?:delivering your (?:mail|message) to|deliver (?:the )?(?:mail|message) to:?|could not be delivered to:?|was not delivered to:?|wasn't delivered to|failed to deliver to|your message to|delivery to|^\[status: \w+, address:)\s*<?(` + addr + `)>?[,.:;]?\s*(.*)$`)
	// A Sendmail transcript line: "550 <a@b>... User unknown".
	reSendmail = regexp.MustCompile(`^[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3}\s+)?<?(` + addr + `)>?\.\.\.\s*(.*)$`)
)

// anchorRes lists the recipient patterns in the order they are tried.
var anchorRes = []*regexp.Regexp{reAlone, reAngle, reBare, reOn, reNamed, reLabel, reSendmail, reSentence}

// markerPrefixes start (after dashes and spaces) the line that separates a
// text bounce from the returned message.
var markerPrefixes = []string{
	"this is a copy of the message", "below this line is a copy of the message",
	"enclosed is a copy of the message", "original message", "returned message",
	"unsent message follows", "message headers follow", "the header of the original message",
	"included is a copy of the message", "original mail info", "bounced e-mail",
	"below is a copy of the original message", "a copy of the original message",
	"message header follows", "the original message headers", "original headers",
	"content-type: message/rfc822", "content-type: text/rfc822-headers", "message-header follows",
	"original message follows", "header of original message", "copy of the original message",
	"this is a copy of the headers", "the first", // "The first 1000 lines of the message follow"
}

// isMarker reports whether line separates the error text from the returned
// message.
func isMarker(line string) bool {
	l := strings.ToLower(strings.Trim(line, " \t-=*#_[]:."))
	if l == "" || len(l) > 90 {
		return false
	}
	for _, p := range markerPrefixes {
		if strings.HasPrefix(l, p) {
			if p == "the first" && !strings.Contains(l, "lines of the message") {
				continue
			}
			return true
		}
	}
	return false
}

// scanText reads the text of a bounce: it finds the returned message's
// header, and the recipients named before it with their explanations.
// ignore holds addresses never taken as recipients (the bounce's own From
// and To: the sender of the original).
func scanText(text string, ignore map[string]bool) textScan {
	var ts textScan
	text = strings.ReplaceAll(truncate(text, maxTextBytes), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) > maxTextLines {
		lines = lines[:maxTextLines]
	}
	quoted := countQuoted(lines) > len(lines)/2
	end := len(lines)
	for i, l := range lines {
		if quoted {
			l = unquote(l)
			lines[i] = l
		}
		if isMarker(l) {
			end = i
			break
		}
	}
	ts.section = strings.Join(lines[:end], "\n")
	if end < len(lines) {
		rest := strings.TrimLeft(strings.Join(lines[end+1:], "\n"), "\n \t")
		if h, _ := splitMessage([]byte(rest)); looksLikeHeader(h) {
			ts.original = h
		}
	}
	ts.read(lines[:end], ignore)
	if len(ts.blocks) == 0 && len(ignore) > 0 {
		// The bounce may go back to the address that bounced (a message
		// sent to oneself): read again without ignoring anyone.
		ts.intro = nil
		ts.read(lines[:end], nil)
	}
	return ts
}

// read finds the recipients named in the lines of the error section.
func (ts *textScan) read(lines []string, ignore map[string]bool) {
	var cur *textBlock
	var transcript []string
	seen := map[string]bool{}
	prev := ""
	for _, raw := range lines {
		line := strings.TrimRight(raw, " \t")
		trimmed := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		rcpt, rest, re := matchAnchor(trimmed)
		if rcpt != "" && (ignore[rcpt] || strings.HasSuffix(strings.ToLower(prev), " sent by")) {
			rcpt = "" // the sender, not a recipient
		}
		if re == reSendmail && len(transcript) > 0 {
			// Sendmail: the dialogue that led to this line explains it.
			rest = strings.Join(transcript, " ") + " " + rest
		}
		if strings.HasPrefix(trimmed, ">>>") || strings.HasPrefix(trimmed, "<<<") {
			if len(transcript) < 8 {
				transcript = append(transcript, trimmed)
			}
		} else if rcpt != "" || strings.HasPrefix(trimmed, "While talking to") {
			transcript = nil
		}
		if trimmed != "" {
			prev = trimmed
		}
		if rcpt != "" && seen[rcpt] {
			// The address again: inside its own explanation, or heading
			// more about it further down (Exchange's section for
			// administrators).
			if cur.rcpt != rcpt && !(indent > cur.indent && rest == "" && reAlone.MatchString(trimmed)) {
				cur = ts.block(rcpt)
			}
			if rest != "" && len(cur.lines) < maxBlockLines {
				cur.lines = append(cur.lines, rest)
			}
			continue
		}
		if rcpt != "" && len(ts.blocks) < MaxRecipients+1 {
			seen[rcpt] = true
			ts.blocks = append(ts.blocks, textBlock{rcpt: rcpt, indent: indent})
			cur = &ts.blocks[len(ts.blocks)-1]
			if rest != "" {
				cur.lines = append(cur.lines, rest)
			}
			continue
		}
		if trimmed == "" {
			continue
		}
		if cur == nil {
			if len(ts.intro) < maxBlockLines*2 {
				ts.intro = append(ts.intro, trimmed)
			}
		} else if len(cur.lines) < maxBlockLines {
			cur.lines = append(cur.lines, trimmed)
		}
	}
}

// matchAnchor returns the recipient a line names, the rest of the line,
// and the pattern that matched.
func matchAnchor(line string) (string, string, *regexp.Regexp) {
	if line == "" || len(line) > maxAnchorLine || !strings.Contains(line, "@") {
		return "", "", nil
	}
	for _, re := range anchorRes {
		m := re.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		rcpt := cleanAddress(m[1])
		if rcpt == "" {
			continue
		}
		rest := ""
		switch {
		case re == reLabel || re == reSendmail:
			rest = line // the label ("Unknown user:") or reply code explains it
		case len(m) > 2:
			rest = strings.TrimSpace(m[len(m)-1])
		}
		return rcpt, rest, re
	}
	return "", "", nil
}

// countQuoted counts the lines quoted with "> ", as in a forwarded bounce.
func countQuoted(lines []string) int {
	n := 0
	for _, l := range lines {
		if l == ">" || strings.HasPrefix(l, "> ") {
			n++
		}
	}
	return n
}

// unquote strips one level of "> " quoting.
func unquote(l string) string {
	if l == ">" {
		return ""
	}
	return strings.TrimPrefix(l, "> ")
}

// looksLikeHeader reports whether h reads like the header of a message.
func looksLikeHeader(h header) bool {
	for _, k := range []string{"Message-Id", "From", "To", "Subject", "Date", "Received", "Return-Path"} {
		if h.has(k) {
			return true
		}
	}
	return false
}
