package statefile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"sort"
	"strings"

	"github.com/mailrun/mailrun/campaign"
)

// LoadSuppression reads the suppression files at paths into one set.
//
// A file is either a list or a CSV file. A list holds one entry a line: an
// address (user@example.com, or Name <user@example.com>), or @domain to
// suppress every address at that domain (not its subdomains); blank lines
// and lines starting with # are ignored. A file whose first line that is not
// blank or a comment contains a comma, or is the single word email, is a
// CSV file with a header row: the column named email (case-insensitive) is
// read, empty cells ignored, other columns ignored. Entries are compared
// without regard to case.
//
// Errors are *campaign.InputError naming the file and line: a file that cannot be
// read, a CSV file without an email column, an entry that is not an address
// or @domain.
func LoadSuppression(paths ...string) (*campaign.Suppression, error) {
	s := new(campaign.Suppression)
	for _, p := range paths {
		if err := load(s, p); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// load adds the entries of the file at path.
func load(s *campaign.Suppression, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return &campaign.InputError{File: path, Err: fmt.Errorf("campaign: suppression list: %w", err)}
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	first, err := firstEntryLine(br)
	if err != nil {
		return &campaign.InputError{File: path, Err: fmt.Errorf("campaign: suppression list: %w", err)}
	}
	if first != "" && (strings.Contains(first, ",") || strings.EqualFold(strings.TrimSpace(first), "email")) {
		return loadCSV(s, path, br)
	}
	return loadList(s, path, br)
}

// firstEntryLine returns the first line of br that is neither blank nor a
// comment, looking no further than br's buffer and consuming nothing.
func firstEntryLine(br *bufio.Reader) (string, error) {
	b, err := br.Peek(br.Size())
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte("\n"))
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			return string(t), nil
		}
		b = rest
	}
	return "", nil
}

// loadList adds the entries of a one-entry-a-line file.
func loadList(s *campaign.Suppression, path string, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
		}
		if line == "" || line[0] == '#' {
			continue
		}
		if err := s.Add(line); err != nil {
			return &campaign.InputError{File: path, Line: n, Err: fmt.Errorf("statefile: suppression list: %w", err)}
		}
	}
	if err := sc.Err(); err != nil {
		return &campaign.InputError{File: path, Err: fmt.Errorf("campaign: suppression list: %w", err)}
	}
	return nil
}

// loadCSV adds the email column of a CSV file with a header row.
func loadCSV(s *campaign.Suppression, path string, r io.Reader) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.Comment = '#'
	col := -1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line, err = pe.Line, pe.Err
			}
			return &campaign.InputError{File: path, Line: line, Err: fmt.Errorf("campaign: suppression list: %w", err)}
		}
		line, _ := cr.FieldPos(0)
		if col < 0 {
			for i, name := range rec {
				if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")), "email") {
					col = i
					break
				}
			}
			if col < 0 {
				return &campaign.InputError{File: path, Line: line, Err: errors.New("campaign: suppression list: a CSV file needs an email column")}
			}
			continue
		}
		if col >= len(rec) || strings.TrimSpace(rec[col]) == "" {
			continue
		}
		if err := s.Add(strings.TrimSpace(rec[col])); err != nil {
			return &campaign.InputError{File: path, Line: line, Err: fmt.Errorf("statefile: suppression list: %w", err)}
		}
	}
	return nil
}

// RefusedAddresses returns the addresses that s records as refused
// permanently by a server (a 5xx reply to that recipient), sorted,
// lower-cased and without duplicates: the recipient of each failed row
// that a server refused, and the Cc and Bcc recipients refused while
// their row was delivered. A refusal of the message (its size, its
// content) or of the session (EHLO, AUTH, the sender) names no recipient
// and puts no address on the list: unnamed counts those 5xx failures.
func (s *State) RefusedAddresses() (addrs []string, unnamed int) {
	var set addressSet
	for _, f := range s.Failures {
		if f.Status != campaign.StatusFailed || f.Code < 500 || f.Code > 599 {
			continue
		}
		if f.Recipient == "" {
			unnamed++
			continue
		}
		set.add(f.Recipient)
	}
	for _, r := range s.Refused {
		if r.Status == campaign.StatusFailed && r.Code >= 500 && r.Code <= 599 {
			set.add(r.Recipient)
		}
	}
	return set.sorted(), unnamed
}

// BouncedAddresses returns the addresses whose status s records as bounced
// or complained, the same way: the address the report named, else the
// recipient key when it is an address; unnamed counts those with neither.
func (s *State) BouncedAddresses() (addrs []string, unnamed int) {
	var set addressSet
	for _, f := range s.Bounces {
		if !set.add(f.Recipient) && !set.add(f.Key) {
			unnamed++
		}
	}
	return set.sorted(), unnamed
}

// addressSet collects bare addresses, lower-cased, without duplicates.
type addressSet struct {
	seen  map[string]bool
	addrs []string
}

// add adds a if it is a bare address and reports whether it is one.
func (set *addressSet) add(a string) bool {
	if a = bareAddress(a); a == "" {
		return false
	}
	if !set.seen[a] {
		if set.seen == nil {
			set.seen = map[string]bool{}
		}
		set.seen[a] = true
		set.addrs = append(set.addrs, a)
	}
	return true
}

func (set *addressSet) sorted() []string {
	sort.Strings(set.addrs)
	return set.addrs
}

// WriteSuppression writes a suppression list that LoadSuppression reads: a
// "# " comment line holding comment (control characters replaced by
// spaces), then one address a line. The file at path is created with mode
// 0600 (or truncated; never through a symbolic link, see CreateFile) and
// removed again if writing fails.
func WriteSuppression(path, comment string, addrs []string) error {
	fh, err := CreateFile(path)
	if err != nil {
		return fmt.Errorf("statefile: suppression list: %w", err)
	}
	w := bufio.NewWriter(fh)
	w.WriteString("# " + strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, comment) + "\n")
	for _, a := range addrs {
		w.WriteString(a)
		w.WriteByte('\n')
	}
	err = w.Flush()
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("statefile: suppression list: %w", err)
	}
	return nil
}

// bareAddress returns s lower-cased if it is a single bare address that a
// suppression list accepts, else "".
func bareAddress(s string) string {
	if !strings.Contains(s, "@") {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return ""
	}
	return strings.ToLower(a.Address)
}
