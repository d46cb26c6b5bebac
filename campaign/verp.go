package campaign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
)

// VERPPlaceholder marks where a return path template takes the VERP token.
const VERPPlaceholder = "{{verp}}"

// verpMACLen is the length of a token's MAC in base32 characters (50 bits).
const verpMACLen = 10

var verpEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// VERPToken returns the token that identifies data row row, whose recipient
// key is key, in the campaign campaignID: "r" and the row number, "-", and
// 10 base32 characters (a-z, 2-7) of an HMAC-SHA256 keyed by the campaign
// id over the row and the key, for example "r17-k3x9q2m4tz". It is short,
// ASCII, lower case (some servers lower-case local parts) and safe in the
// local part of an address. The campaign id is never sent (Message-IDs hold
// only a hash of it), so no one but the sender can make the token of a row:
// guessing one takes about 2^50 tries.
func VERPToken(campaignID string, row int, key string) string {
	return "r" + strconv.Itoa(row) + "-" + verpMAC(campaignID, row, key)
}

func verpMAC(campaignID string, row int, key string) string {
	m := hmac.New(sha256.New, []byte(campaignID))
	m.Write([]byte("mailrun-verp\x00" + strconv.Itoa(row) + "\x00" + key))
	return verpEncoding.EncodeToString(m.Sum(nil))[:verpMACLen]
}

var verpToken = regexp.MustCompile(`(?:^|[^a-z0-9])r([1-9][0-9]{0,9})-([a-z2-7]{10})(?:$|[^a-z0-9])`)

// VERPRows returns the data rows named by the VERP tokens in the local part
// of addr (case does not matter), with each token's MAC, for CheckVERP.
func VERPRows(addr string) (rows []int, macs []string) {
	local := strings.ToLower(addr)
	if at := strings.LastIndexByte(local, '@'); at >= 0 {
		local = local[:at]
	}
	for _, m := range verpToken.FindAllStringSubmatch(local, 4) {
		row, err := strconv.Atoi(m[1])
		if err == nil {
			rows, macs = append(rows, row), append(macs, m[2])
		}
	}
	return rows, macs
}

// CheckVERP reports whether mac is the MAC of the token of row and key in
// the campaign campaignID (see VERPToken).
func CheckVERP(campaignID string, row int, key, mac string) bool {
	return hmac.Equal([]byte(verpMAC(campaignID, row, key)), []byte(strings.ToLower(mac)))
}

// ReturnPath is the envelope sender (MAIL FROM) of every message of a
// campaign when it is not the From address: a fixed address, or one whose
// local part carries each row's VERP token, such as
// "bounces+{{verp}}@example.com". The zero value means the From address.
type ReturnPath struct {
	before, after string
	verp          bool
}

// ParseReturnPath parses a return path: a bare ASCII address, in whose local
// part VERPPlaceholder may appear once. An empty s is the zero ReturnPath.
// Errors quote s and say what is wrong.
func ParseReturnPath(s string) (ReturnPath, error) {
	if s == "" {
		return ReturnPath{}, nil
	}
	rp := ReturnPath{before: s}
	if i := strings.Index(s, VERPPlaceholder); i >= 0 {
		rp = ReturnPath{before: s[:i], after: s[i+len(VERPPlaceholder):], verp: true}
		if strings.Contains(rp.before, "@") {
			return ReturnPath{}, fmt.Errorf("campaign: return path %q: %s must be in the local part, before the @", s, VERPPlaceholder)
		}
	}
	sample := rp.Address("", 1, "")
	if strings.Contains(sample, "{{") {
		return ReturnPath{}, fmt.Errorf("campaign: return path %q: %s is the only placeholder, and only once", s, VERPPlaceholder)
	}
	a, err := mail.ParseAddress(sample)
	if err != nil || a.Address != sample || a.Name != "" {
		return ReturnPath{}, fmt.Errorf("campaign: return path %q is not a bare address such as bounces+%s@example.com", s, VERPPlaceholder)
	}
	for i := 0; i < len(sample); i++ {
		if sample[i] >= 0x80 {
			return ReturnPath{}, errors.New("campaign: return path " + strconv.Quote(s) + " must be ASCII")
		}
	}
	return rp, nil
}

// IsZero reports whether rp is the zero ReturnPath (the From address).
func (rp ReturnPath) IsZero() bool { return rp.before == "" && !rp.verp }

// VERP reports whether rp carries a VERP token.
func (rp ReturnPath) VERP() bool { return rp.verp }

// Address returns the return path of data row row, whose key is key, in
// the campaign campaignID: "" for the zero ReturnPath.
func (rp ReturnPath) Address(campaignID string, row int, key string) string {
	if !rp.verp {
		return rp.before
	}
	return rp.before + VERPToken(campaignID, row, key) + rp.after
}
