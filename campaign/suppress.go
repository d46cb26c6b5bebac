package campaign

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"slices"
	"strings"
)

// Suppression is a set of addresses and domains that must never be mailed:
// unsubscribes, complaints, hard bounces. It keeps the 64-bit FNV-1a hash of
// each lower-cased entry in a sorted slice (8 bytes an entry, so a million
// entries cost 8 MB). Two different addresses share a hash with a
// probability of about n/2^64 per lookup; such a collision suppresses a
// recipient who should not be, never the reverse.
//
// A Suppression is read-only after LoadSuppression and safe for concurrent
// use. A nil *Suppression contains nothing.
type Suppression struct {
	addrs   []uint64 // sorted hashes of "local@domain"
	domains []uint64 // sorted hashes of "domain"
}

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
// Errors are *InputError naming the file and line: a file that cannot be
// read, a CSV file without an email column, an entry that is not an address
// or @domain.
func LoadSuppression(paths ...string) (*Suppression, error) {
	s := new(Suppression)
	for _, p := range paths {
		if err := s.load(p); err != nil {
			return nil, err
		}
	}
	slices.Sort(s.addrs)
	s.addrs = slices.Compact(s.addrs)
	slices.Sort(s.domains)
	s.domains = slices.Compact(s.domains)
	return s, nil
}

// Len returns the number of distinct entries (addresses and domains).
func (s *Suppression) Len() int {
	if s == nil {
		return 0
	}
	return len(s.addrs) + len(s.domains)
}

// Contains reports whether addr, a bare address, is suppressed: the address
// itself or its domain is in the set.
func (s *Suppression) Contains(addr string) bool {
	if s == nil || len(s.addrs)+len(s.domains) == 0 {
		return false
	}
	addr = strings.ToLower(strings.TrimSpace(addr))
	if _, ok := slices.BinarySearch(s.addrs, fnv64a(addr)); ok {
		return true
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || len(s.domains) == 0 {
		return false
	}
	_, ok := slices.BinarySearch(s.domains, fnv64a(addr[at+1:]))
	return ok
}

// load adds the entries of the file at path.
func (s *Suppression) load(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return &InputError{File: path, Err: fmt.Errorf("campaign: suppression list: %w", err)}
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	first, err := firstEntryLine(br)
	if err != nil {
		return &InputError{File: path, Err: fmt.Errorf("campaign: suppression list: %w", err)}
	}
	if first != "" && (strings.Contains(first, ",") || strings.EqualFold(strings.TrimSpace(first), "email")) {
		return s.loadCSV(path, br)
	}
	return s.loadList(path, br)
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
func (s *Suppression) loadList(path string, r io.Reader) error {
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
		if err := s.add(line); err != nil {
			return &InputError{File: path, Line: n, Err: err}
		}
	}
	if err := sc.Err(); err != nil {
		return &InputError{File: path, Err: fmt.Errorf("campaign: suppression list: %w", err)}
	}
	return nil
}

// loadCSV adds the email column of a CSV file with a header row.
func (s *Suppression) loadCSV(path string, r io.Reader) error {
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
			return &InputError{File: path, Line: line, Err: fmt.Errorf("campaign: suppression list: %w", err)}
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
				return &InputError{File: path, Line: line, Err: errors.New("campaign: suppression list: a CSV file needs an email column")}
			}
			continue
		}
		if col >= len(rec) || strings.TrimSpace(rec[col]) == "" {
			continue
		}
		if err := s.add(strings.TrimSpace(rec[col])); err != nil {
			return &InputError{File: path, Line: line, Err: err}
		}
	}
	return nil
}

// add adds one entry: @domain or an address.
func (s *Suppression) add(v string) error {
	if strings.HasPrefix(v, "@") {
		d := strings.ToLower(v[1:])
		if d == "" || strings.ContainsAny(d, "@ \t<>,;") {
			return fmt.Errorf("campaign: suppression list: %q is not an address or @domain", v)
		}
		s.domains = append(s.domains, fnv64a(d))
		return nil
	}
	a, err := mail.ParseAddress(v)
	if err != nil {
		return fmt.Errorf("campaign: suppression list: %q is not an address or @domain", v)
	}
	s.addrs = append(s.addrs, fnv64a(strings.ToLower(a.Address)))
	return nil
}
