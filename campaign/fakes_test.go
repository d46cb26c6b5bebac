package campaign_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/mailrun/mailrun/campaign"
)

// The fakes below let the runner and the pipeline be tested without any
// adapter: rows from a slice, keys and messages straight from a field,
// deliveries and records in memory.

// fakeRows is a Source over an in-memory list of email addresses, one row each
// (column "email"); an address "!bad" makes that row a *campaign.RowError.
type fakeRows struct {
	emails []string
	i      int
}

func (r *fakeRows) Columns() []string { return []string{"email"} }

func (r *fakeRows) Next() (campaign.Row, error) {
	if r.i >= len(r.emails) {
		return campaign.Row{}, io.EOF
	}
	r.i++
	e := r.emails[r.i-1]
	if e == "!bad" {
		return campaign.Row{}, &campaign.RowError{Row: r.i, Err: errors.New("unreadable")}
	}
	return campaign.Row{Num: r.i, Fields: map[string]string{"email": e}}, nil
}

func (r *fakeRows) Close() error { return nil }

// fakeRenderer keys a row by its lower-cased email and renders a tiny message;
// an address without "@" has no key.
type fakeRenderer struct{}

func (fakeRenderer) Check([]string) error { return nil }

func (fakeRenderer) Key(row campaign.Row) (string, error) {
	e := row.Fields["email"]
	if !strings.Contains(e, "@") {
		return "", &campaign.RowError{Row: row.Num, Column: "email", Err: errors.New("not an address")}
	}
	return strings.ToLower(e), nil
}

func (r fakeRenderer) Render(row campaign.Row) (*campaign.Message, error) {
	key, err := r.Key(row)
	if err != nil {
		return nil, err
	}
	return &campaign.Message{Row: row.Num, Key: key, ID: key + ".id",
		Envelope: campaign.Envelope{From: "news@example.com", To: []string{row.Fields["email"]}}, Data: []byte("Subject: hi\r\n\r\nhi\r\n")}, nil
}

// fakeSender delivers into a map of attempts per key, calling begin first;
// fail, when set, decides the error of each attempt (attempt counts from 1).
type fakeSender struct {
	mu       sync.Mutex
	attempts map[string]int
	fail     func(key string, attempt int) error
}

func (s *fakeSender) Send(ctx context.Context, msg *campaign.Message, begin func() error) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := begin(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.attempts == nil {
		s.attempts = map[string]int{}
	}
	s.attempts[msg.Key]++
	if s.fail != nil {
		if err := s.fail(msg.Key, s.attempts[msg.Key]); err != nil {
			return "", err
		}
	}
	return "250 ok", nil
}

func (s *fakeSender) Close() error { return nil }

// fakeJournal keeps records in memory; prev is what an earlier run recorded.
type fakeJournal struct {
	mu      sync.Mutex
	prev    map[string]campaign.Status
	sending int
	records []campaign.Outcome
}

func (j *fakeJournal) Sending(*campaign.Message) error {
	j.mu.Lock()
	j.sending++
	j.mu.Unlock()
	return nil
}

func (j *fakeJournal) Record(o campaign.Outcome) error {
	j.mu.Lock()
	j.records = append(j.records, o)
	j.mu.Unlock()
	return nil
}

func (j *fakeJournal) Previous(key string) (campaign.Status, bool) {
	st, ok := j.prev[key]
	return st, ok
}

func (j *fakeJournal) Close() error { return nil }

// byStatus returns the keys (or "row N" for keyless records) recorded with
// each status.
func (j *fakeJournal) byStatus() map[campaign.Status][]string {
	out := map[campaign.Status][]string{}
	for _, o := range j.records {
		k := o.Key
		if k == "" {
			k = "row"
		}
		out[o.Status] = append(out[o.Status], k)
	}
	return out
}
