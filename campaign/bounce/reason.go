package bounce

import "strings"

// reasonRule names a reason and the phrases (lower-case) that show it. A
// phrase with "*" in it matches when its pieces appear in that order.
type reasonRule struct {
	reason  string
	phrases []string
}

// reasonRules are tried in order against the lower-cased diagnostic text;
// the first rule with a matching phrase names the reason.
var reasonRules = []reasonRule{
	{"mailboxfull", []string{"mailbox full", "mailbox is full", "mailbox*full", "mailfolder is full",
		"over quota", "overquota", "quota exceeded", "quota*exceeded", "exceeded*quota", "disk quota",
		"storage quota", "insufficient disk space", "not enough disk space", "not enough space",
		"no space left", "full mailbox", "mailbox size limit", "exceeded storage",
		"mailbox would exceed", "exceeds allowed size", "exceeded the local limit", "too much mail data",
		"user's space has been used up", "too many messages on the server", "boite du destinataire pleine"}},
	{"mesgtoobig", []string{"message too big", "message too large", "message is too big",
		"message size exceeds", "message size limit", "mail size limit", "message length exceeds",
		"size exceeds the maximum", "exceeds size limit", "exceeds the maximum size", "too big for system",
		"line limit exceeded", "message file too big", "message is too large"}},
	{"exceedlimit", []string{"exceeds administrative limit", "exceeds the administrative limit"}},
	{"hasmoved", []string{"has moved", "no forwarding address", "address has been changed",
		"mailbox owner has changed"}},
	{"suspend", []string{"account disabled", "account has been disabled", "account is disabled",
		"mailbox disabled", "mailbox is disabled", "account suspended", "account has been suspended",
		"is suspended", "user account disabled", "account is inactive", "mailbox is inactive",
		"account deactivated", "has been disabled", "temporarily deactivated", "recipient suspended",
		"mailbox is not active", "account is locked", "mailbox unavailable (disabled)"}},
	{"rejected", []string{"sender address rejected", "domain of sender address", "unroutable sender",
		"unrouteable sender", "sender verify failed", "invalid sender", "bad sender", "sender rejected",
		"from: domain is invalid", "sender domain must exist", "sender address is not valid"}},
	{"mailererror", []string{"procmail", "x-unix", "command died", "exit status"}},
	{"networkerror", []string{"host not found, try again",
		"temporary failure in name resolution"}},
	{"failedstarttls", []string{"starttls", "support tls", "tls required", "requires tls", "tls is required",
		"encryption required"}},
	{"norelaying", []string{"not configured to relay", "relay access denied", "relaying denied", "relay denied", "not permitted to relay",
		"relay not permitted", "unable to relay", "relaying not allowed", "not allowed to relay",
		"we do not relay", "relay not allowed", "open relay", "relay prohibited"}},
	{"notaccept", []string{"null mx", "does not accept mail", "not accepting mail", "no mx record",
		"accepts no mail", "domain does not receive mail", "mail is not accepted"}},
	{"hostunknown", []string{"host unknown", "unknown host", "domain does not exist", "no such domain",
		"host or domain name not found", "unrouteable address", "unroutable address",
		"domain not found", "couldn't find any host", "could not find any host", "name or service not known",
		"domain is not reachable", "unknown domain", "domain must exist", "host not found",
		"no route for", "bad destination system address", "nxdomain", "recipient domain*does not exist",
		"553 *does not exist"}},
	{"userunknown", []string{"user unknown", "unknown user", "no such user", "no such mailbox",
		"no such recipient", "unknown recipient", "recipient unknown", "recipient not found",
		"user not found", "user does not exist", "mailbox not found", "mailbox does not exist",
		"mailbox unavailable", "mailbox is unavailable", "invalid recipient", "invalid mailbox",
		"address does not exist", "address unknown", "unknown or illegal", "does not exist",
		"not listed in", "recipient name is not recognized", "no mailbox here", "no mailbox by that name",
		"bad destination mailbox", "email account that you tried to reach does not exist",
		"not a valid mailbox", "not a known user", "is not a valid user", "no such person",
		"recipient address rejected: access denied", "invalid address", "unknown local part",
		"unknown mailbox", "no account by that name", "user doesn't exist", "address couldn't be found", "address could not be found",
		"address not found", "doesn't have a*account", "does not have a*account",
		"no valid recipients", "recipient does not exist", "account does not exist",
		"utilisateur inconnu", "not our customer", "unknown e-mail address", "mailbox invalid",
		"bad recipient", "not a valid recipient", "recipient is not local", "does not have an account"}},
	{"requireptr", []string{"ptr record", "reverse dns", "reverse lookup", "rdns", "no ptr",
		"reverse dns validation", "unverifyable sending ip", "hostname lookup failed",
		"cannot find your hostname", "cannot resolve your address", "unresolvable"}},
	{"authfailure", []string{"dmarc", "spf ", "spf:", "spf check", "sender policy framework", "dkim",
		"authentication checks failed", "not pass authentication", "authentication failure",
		"must pass either spf or dkim", "unauthenticated email", "sender is not authenticated"}},
	{"virusdetected", []string{"virus", "malware", "infected", "trojan"}},
	{"spamdetected", []string{"spam", "junk mail", "bulk mail", "message content rejected",
		"unsolicited", "content filter rejected", "rejected by the content filter"}},
	{"blocked", []string{"blacklist", "black list", "blocklist", "block list", "blocked using",
		"listed at", "listed on", "listed in", "dnsbl", "rbl", "client host rejected", "blocked by",
		"blocked for", "banned", "poor reputation", "bad reputation", "not allowed to send",
		"access denied", "connection refused by", "your ip", "your host", "ip address*rejected",
		"has been blocked", "was blocked", "is blocked", "messages from*weren't sent",
		"service permits", "use the smtp server of your isp", "not authorized to send",
		"rejected due to", "helo command rejected", "too many invalid recipients"}},
	{"rejected", []string{"sender address rejected", "sender rejected", "invalid sender",
		"sender domain", "domain of sender", "sender verify failed", "unroutable sender",
		"unrouteable sender", "sender verification", "from: domain is invalid", "bad sender",
		"sender is not allowed", "mail from", "envelope sender", "return path", "not a member",
		"not member", "rejected your message", "message rejected", "unauthorized sender"}},
	{"policyviolation", []string{"policy", "prohibited", "not permitted", "violat"}},
	{"toomanyconn", []string{"too many connections", "too many concurrent", "connection limit",
		"too many simultaneous", "too many recipients", "too many sessions"}},
	{"speeding", []string{"rate limit", "rate-limit", "too many messages", "too many emails",
		"throttl", "sending too fast", "slow down", "try again later", "exceeded the rate",
		"receiving too much mail", "too fast"}},
	{"expired", []string{"retry timeout exceeded", "retry time not reached", "failing for a long time",
		"queue too long", "delivery time expired", "delivery expired", "message expired",
		"could not be delivered for more than", "could not deliver for the last",
		"not delivered within", "giving up", "given up", "multiple retries", "connection timed out",
		"timed out", "timeout", "could not find a gateway", "has been delayed", "did not accept our requests to connect",
		"delivery attempts will continue", "not reachable within", "server did not respond",
		"host not reachable", "not yet been delivered"}},
	{"networkerror", []string{"network error", "socket error", "connection refused", "no route to host",
		"routing loop", "mail loop", "too many hops", "loop detected", "network is unreachable",
		"connection reset", "connection closed", "lost connection",
		"dns error", "dns failure", "temporary lookup failure", "name server", "unreachable"}},
	{"systemfull", []string{"insufficient system storage", "system full", "mail system full"}},
	{"systemerror", []string{"system error", "internal error", "internal server error",
		"local error", "system is not configured", "server configuration", "configuration error",
		"temporarily unavailable", "resources temporarily", "internal system error",
		"remote protocol error", "service unavailable", "not available"}},
	{"mailererror", []string{"mail.local", "procmail", "exit status", "child status", "mailer error",
		"unknown mailer error", "command died", "command output", "pipe to", "x-unix"}},
	{"syntaxerror", []string{"syntax error", "command unrecognized", "bad sequence of commands",
		"command not implemented", "invalid command"}},
	{"filtered", []string{"filter", "recipient refuses", "refused by recipient", "not accept your mail",
		"rejected by recipient"}},
	{"securityerror", []string{"authentication required", "security", "certificate", "encryption"}},
}

// classify returns the reason for a failure from its diagnostic text,
// status and action: a phrase in the text first, then the status code, then
// the class of the code.
func classify(diag, status, action string) string {
	if statusClass(status) == '2' || action == "delivered" || action == "relayed" || action == "expanded" {
		return "delivered"
	}
	text := strings.ToLower(diag)
	reason := ""
	if text != "" {
	rules:
		for _, rule := range reasonRules {
			for _, ph := range rule.phrases {
				if matchPhrase(text, ph) {
					reason = rule.reason
					break rules
				}
			}
		}
	}
	if reason == "" {
		reason = statusReasons[status]
	}
	if hardReasons[reason] && senderStage(text, status) {
		// The server refused the sender, not the recipient's address.
		return "rejected"
	}
	if reason == "userunknown" && len(status) > 4 && status[1:4] == ".2." && statusReasons[status] != "" {
		// The status says the mailbox exists (X.2.x, mailbox status)
		// though the text says "user unknown": believe the code, which
		// is the softer reading.
		return statusReasons[status]
	}
	if reason != "" {
		return reason
	}
	switch {
	case strings.HasPrefix(status, "5.6.") || strings.HasPrefix(status, "4.6."):
		return "contenterror"
	case strings.HasPrefix(status, "5.7.") || strings.HasPrefix(status, "4.7."):
		return "securityerror"
	case action == "delayed":
		return "expired"
	case text != "":
		return "onhold"
	}
	return "undefined"
}

// senderStage reports whether a failure happened at MAIL FROM or concerns
// the sender's address (X.1.7, X.1.8).
func senderStage(text, status string) bool {
	if len(status) >= 5 && (status[1:] == ".1.7" || status[1:] == ".1.8") {
		return true
	}
	return strings.Contains(text, "after mail from") || strings.Contains(text, ">>> mail from")
}

// matchPhrase reports whether text contains ph, where a "*" in ph stands
// for any run of characters.
func matchPhrase(text, ph string) bool {
	if !strings.Contains(ph, "*") {
		return strings.Contains(text, ph)
	}
	for _, piece := range strings.Split(ph, "*") {
		i := strings.Index(text, piece)
		if i < 0 {
			return false
		}
		text = text[i+len(piece):]
	}
	return true
}
