package statefile

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/mailrun/mailrun/campaign"
)

// scanObject calls fn with the raw name token (quotes included) and the raw
// value token of each top-level member of the JSON object line. line must
// already be known to be valid JSON.
func scanObject(line []byte, fn func(name, val []byte) error) error {
	i := skipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return errNotObject
	}
	i++
	for {
		i = skipSpace(line, i)
		if i < len(line) && line[i] == '}' {
			return nil
		}
		if i < len(line) && line[i] == ',' {
			i = skipSpace(line, i+1)
		}
		end := stringEnd(line, i)
		name := line[i:end]
		i = skipSpace(line, end)
		i = skipSpace(line, i+1) // the colon
		vend := valueEnd(line, i)
		if err := fn(name, line[i:vend]); err != nil {
			return err
		}
		i = vend
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string token starting at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// valueEnd returns the index just past the value token starting at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ' ' && b[j] != '\t' && b[j] != '\r' && b[j] != '\n' {
		j++
	}
	return j
}

// unquote stores the value of the JSON string token tok in *dst. A token
// without escapes or invalid UTF-8 is sliced, not copied; the others are
// decoded by encoding/json (which turns invalid UTF-8 into U+FFFD, as it
// did when it wrote the record). null leaves *dst nil.
func unquote(tok []byte, dst *[]byte) error {
	if string(tok) == "null" {
		return nil
	}
	if len(tok) < 2 || tok[0] != '"' {
		return errors.New("string expected")
	}
	inner := tok[1 : len(tok)-1]
	ascii := true
	for _, c := range inner {
		if c == '\\' {
			return unquoteSlow(tok, dst)
		}
		ascii = ascii && c < utf8.RuneSelf
	}
	if !ascii && !utf8.Valid(inner) {
		return unquoteSlow(tok, dst)
	}
	*dst = inner
	return nil
}

func unquoteSlow(tok []byte, dst *[]byte) error {
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return err
	}
	*dst = []byte(s)
	return nil
}

// parseInt parses the JSON integer token tok into *dst.
func parseInt(name, tok []byte, dst *int64) error {
	if string(tok) == "null" {
		return nil
	}
	neg := len(tok) > 0 && tok[0] == '-'
	digits := tok
	if neg {
		digits = tok[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return fmt.Errorf("%s: integer expected", name)
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return fmt.Errorf("%s: integer expected", name)
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	*dst = n
	return nil
}

// scanResult describes how a scan of a state file ended.
type scanResult struct {
	// Good is the length of the prefix made of whole, valid lines.
	Good int64
	// Lines counts the valid lines.
	Lines int
	// Torn describes an unusable last line that was ignored ("" if none).
	Torn string
	// NoNewline is true when the last valid line lacks its newline.
	NoNewline bool
}

// errCorrupt wraps the reason a line in the middle of a state file is
// unusable; scanLines returns it as an *campaign.InputError with the line number.
var errCorrupt = errors.New("campaign: corrupt state record")

// scanLines reads the state file from r line by line and calls fn for each
// valid record with its 1-based line number. The last line is special: if it
// does not parse it is a torn write and is reported in the result, not as an
// error. With complete set, a last line without a newline is treated as
// possibly still being written and ignored even if it parses. Any other
// unusable line is an *campaign.InputError naming file and line. Errors from fn are
// returned as they are.
func scanLines(r io.Reader, file string, complete bool, fn func(line int, rec *lineRecord) error) (scanResult, error) {
	var (
		res     scanResult
		br      = bufio.NewReaderSize(r, 64<<10)
		long    []byte
		rec     lineRecord
		pending error // a bad line, fatal only if another line follows
		badLine int
		badLen  int
	)
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return res, fmt.Errorf("campaign: read %s: %w", file, err)
		}
		if len(line) == 0 {
			break
		}
		if pending != nil {
			return res, &campaign.InputError{File: file, Line: badLine, Err: fmt.Errorf("%w: %v", errCorrupt, pending)}
		}
		hasNL := line[len(line)-1] == '\n'
		body := line
		if hasNL {
			body = line[:len(line)-1]
		}
		if !hasNL && complete {
			res.Torn = fmt.Sprintf("ignored an incomplete last line (line %d, %d bytes)", n, len(line))
			break
		}
		if perr := parseLine(body, &rec); perr != nil {
			pending, badLine, badLen = perr, n, len(line)
			continue
		}
		if err := checkRecord(&rec); err != nil {
			return res, &campaign.InputError{File: file, Line: n, Err: fmt.Errorf("%w: %v", errCorrupt, err)}
		}
		if err := fn(n, &rec); err != nil {
			return res, err
		}
		res.Good += int64(len(line))
		res.Lines++
		res.NoNewline = !hasNL
		if err != nil { // io.EOF after a last line without newline
			break
		}
	}
	if pending != nil {
		res.Torn = fmt.Sprintf("ignored a torn last line (line %d, %d bytes: %v)", badLine, badLen, pending)
	}
	return res, nil
}

// checkRecord validates the fields a record of its type must have.
func checkRecord(r *lineRecord) error {
	if string(r.typ) == recordCampaign {
		if len(r.id) == 0 {
			return errors.New("campaign record without an id")
		}
		if r.version != stateVersion {
			return fmt.Errorf("state format version %d, this mailrun reads version %d", r.version, stateVersion)
		}
		return nil
	}
	if statusCode(r.typ) == stNone {
		return fmt.Errorf("unknown record type %q", r.typ)
	}
	if r.row < 0 || r.row > 1<<31-1 {
		return fmt.Errorf("row %d out of range", r.row)
	}
	return nil
}
