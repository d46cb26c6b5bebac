package source

import (
	"errors"
	"strconv"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// encodingAliases maps names that operators use but the WHATWG and IANA
// registries do not know to a name they do. Windows code page 949 (Korean
// Excel's "ANSI") is a superset of EUC-KR, which x/text decodes as such.
var encodingAliases = map[string]string{
	"cp949":      "euc-kr",
	"ms949":      "euc-kr",
	"uhc":        "euc-kr",
	"windows949": "euc-kr",
	"cp932":      "shift_jis",
	"ms932":      "shift_jis",
	"cp936":      "gbk",
	"cp950":      "big5",
	"cp1252":     "windows-1252",
}

// encodingExamples is the list of names offered when a name is unknown.
const encodingExamples = "cp949, euc-kr, shift_jis, gbk, big5, latin1, windows-1252, utf-16"

// lookupEncoding returns the character encoding called name, looked up
// (case-insensitively) among a few Windows code page aliases, the WHATWG
// labels and the IANA names. It returns a nil Encoding for "" and for UTF-8,
// which need no decoding. An unknown name is an error that lists some
// valid ones.
func lookupEncoding(name string) (encoding.Encoding, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if key == "" {
		return nil, nil
	}
	if alias, ok := encodingAliases[key]; ok {
		key = alias
	}
	enc, err := htmlindex.Get(key)
	if err == nil {
		if n, _ := htmlindex.Name(enc); n == "replacement" {
			enc = nil // WHATWG maps unsafe encodings to U+FFFD only
		}
	}
	if enc == nil {
		enc, _ = ianaindex.IANA.Encoding(key) // nil, nil for known but unsupported names
	}
	if enc == nil {
		return nil, errors.New("unknown encoding " + strconv.Quote(name) + " (valid names include " + encodingExamples + ")")
	}
	if enc == unicode.UTF8 || enc == encoding.Nop {
		return nil, nil
	}
	return enc, nil
}
