package render

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mailrun/mailrun/campaign"
	"github.com/wneessen/go-mail"
)

// DKIM configures the DKIM signature (RFC 6376) of every message.
type DKIM struct {
	// Domain is the signing domain (d=). Empty means the domain of each
	// message's From address, lower-cased.
	Domain string
	// Selector names the key's DNS record: Selector._domainkey.Domain.
	Selector string
	// Key is an *rsa.PrivateKey (rsa-sha256) or an ed25519.PrivateKey
	// (ed25519-sha256, RFC 8463); see LoadDKIMKey.
	Key crypto.Signer
}

// dkimHeaders are the headers a signature covers, those a message has, in
// this order: what a receiver shows and what RFC 8058 requires signed.
var dkimHeaders = []string{
	"From", "Sender", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID",
	"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "MIME-Version", "Content-Type",
}

// LoadDKIMKey reads a PEM private key for DKIM from path: PKCS #1 ("RSA
// PRIVATE KEY") or PKCS #8 ("PRIVATE KEY") holding an RSA key of at least
// 1024 bits (RFC 8301; Go refuses to sign with less) or an Ed25519 key.
// Every problem is a *campaign.InputError naming the file; the error never
// includes the key's bytes.
func LoadDKIMKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &campaign.InputError{File: path, Err: fmt.Errorf("render: DKIM key: %w", err)}
	}
	key, err := mail.PrivKeyFromPEM(b)
	if err != nil {
		return nil, &campaign.InputError{File: path, Err: fmt.Errorf("render: DKIM key: not a PEM RSA or Ed25519 private key: %s", keyProblem(err))}
	}
	if err := checkDKIMKey(key); err != nil {
		return nil, &campaign.InputError{File: path, Err: err}
	}
	return key, nil
}

// keyProblem says in plain words why a PEM key did not load: the parsers'
// own messages describe ASN.1 structures, not what to fix.
func keyProblem(err error) string {
	var (
		se asn1.StructuralError
		sy asn1.SyntaxError
	)
	switch msg := err.Error(); {
	case strings.Contains(msg, "PEM"):
		return "the file has no PEM block (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)"
	case errors.As(err, &se), errors.As(err, &sy), strings.Contains(msg, "asn1"):
		return "the PEM block does not hold a readable private key (damaged, cut short, or another kind of key)"
	default:
		return msg
	}
}

// minRSABits is the smallest RSA key DKIM may sign with: verifiers ignore
// signatures made with smaller keys (RFC 8301), and Go refuses to make them.
const minRSABits = 1024

// checkDKIMKey reports a key DKIM cannot use.
func checkDKIMKey(key crypto.Signer) error {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < minRSABits {
			return fmt.Errorf("render: DKIM key: an RSA key of %d bits; receivers ignore signatures made with keys under %d bits (RFC 8301): make a 2048-bit key", bits, minRSABits)
		}
	case ed25519.PrivateKey:
	default:
		return fmt.Errorf("render: DKIM key: a %T key; DKIM signs with RSA or Ed25519", key)
	}
	return nil
}

// checkDKIM validates opts.DKIM for New: its selector, domain and key, so
// that a fault that would fail every message stops New instead. Errors are
// *campaign.InputError.
func checkDKIM(d *DKIM) error {
	var err error
	switch {
	case d.Selector == "" || strings.ContainsAny(d.Selector, " \t\r\n;=@"):
		err = fmt.Errorf("render: DKIM selector %q: want a DNS label such as mail2026", d.Selector)
	case strings.ContainsAny(d.Domain, " \t\r\n;=@"):
		err = fmt.Errorf("render: DKIM domain %q: want a domain name such as example.com", d.Domain)
	case d.Key == nil:
		err = errors.New("render: DKIM: no key")
	default:
		err = checkDKIMKey(d.Key)
	}
	if err != nil {
		return &campaign.InputError{Err: err}
	}
	return nil
}

// sign returns the DKIM-Signature header line (CRLF included) of msg, a
// complete message with CRLF line ends, signed relaxed/relaxed for domain,
// or an error. A new go-mail signer per message keeps Render safe for
// concurrent use: go-mail's Signer is not.
func (t *Template) sign(domain string, msg []byte) ([]byte, error) {
	d := t.opts.DKIM
	if d.Domain != "" {
		domain = d.Domain
	}
	end := bytes.Index(msg, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, errors.New("render: DKIM: the message has no body")
	}
	head, body := msg[:end+2], msg[end+4:]
	s := mail.NewDKIMSigner(strings.ToLower(domain), d.Selector, d.Key)
	s.HeaderCanonicalization(mail.CanonicalizationRelaxed)
	s.BodyCanonicalization(mail.CanonicalizationRelaxed)
	s.SignHeaders(presentHeaders(head)...)
	s.NowFunc = t.opts.Now
	sig, err := s.Sign(head, body)
	if err != nil {
		return nil, fmt.Errorf("render: DKIM: %w", err)
	}
	return refold(sig), nil
}

// refold folds the DKIM-Signature header line that go-mail returns again,
// only where a verifier's relaxed canonicalization gives back exactly what
// go-mail signed. go-mail v0.8.1 also breaks a long h= tag in the middle of
// a header name; unfolding leaves a space there, so such a signature never
// verifies. Here a line breaks only at the space after a tag's ";" (a fold
// there unfolds to the same "; ") and inside the b= value (which verifiers
// remove before hashing); the h= tag starts a line of its own, which may
// be longer than 78 octets (well under the limit of 998). go-mail inserts
// every fold as CRLF and one space, and its tag list has no CR or LF, so
// removing them restores the list it signed.
func refold(sig string) []byte {
	const name = "DKIM-Signature:"
	v := strings.TrimSuffix(strings.TrimPrefix(sig, name+" "), "\r\n")
	v = strings.ReplaceAll(v, "\r\n ", "")
	b := make([]byte, 0, len(sig)+16)
	b = append(b, name...)
	col := len(name)
	for i, tag := range strings.Split(v, "; ") {
		long := col+2+len(tag)+1 > lineGoal // "; ", the tag, the ";" after it
		switch {
		case i == 0:
			b = append(b, ' ')
			col++
		case long || strings.HasPrefix(tag, "h="):
			b = append(b, ";\r\n "...)
			col = 1
		default:
			b = append(b, "; "...)
			col += 2
		}
		if rest, ok := strings.CutPrefix(tag, "b="); ok {
			b = append(b, "b="...)
			col += 2
			for len(rest) > 0 {
				room := lineGoal - col
				if room < 8 {
					b = append(b, "\r\n "...)
					col, room = 1, lineGoal-1
				}
				n := min(room, len(rest))
				b = append(b, rest[:n]...)
				col += n
				rest = rest[n:]
			}
			continue
		}
		b = append(b, tag...)
		col += len(tag)
	}
	return append(b, "\r\n"...)
}

// presentHeaders returns the names of dkimHeaders that head has.
func presentHeaders(head []byte) []string {
	var have [16]bool // by index in dkimHeaders
	for line := range bytes.SplitSeq(head, []byte("\r\n")) {
		name, _, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(line) == 0 || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		for i, h := range dkimHeaders {
			if bytes.EqualFold(name, []byte(h)) {
				have[i] = true
				break
			}
		}
	}
	out := make([]string, 0, len(dkimHeaders))
	for i, h := range dkimHeaders {
		if have[i] {
			out = append(out, h)
		}
	}
	return out
}
