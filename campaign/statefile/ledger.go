package statefile

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mailrun/mailrun/campaign"
)

// Ledger is an existing state file opened to book bounces and complaints
// (campaign.Ledger). It holds the file's lock from OpenLedger to Close, the
// same lock a send holds: bounces are never booked while a send runs on
// the file, and a send cannot start while they are. It keeps in memory what
// the file records of every recipient (a few hundred bytes each).
//
// Book writes each record at once; Close syncs the file. A Ledger is not
// safe for concurrent use.
type Ledger struct {
	path     string
	id       string
	now      func() time.Time
	f        *os.File // holds the lock until closed
	warnings []string

	sent   []campaign.Sent
	byKey  map[string]int32 // lower-cased key → index in sent
	byMsg  map[string]int32 // Message-ID → index in sent
	byRow  map[int]int32    // data row → index in sent
	booked map[string]bool  // notice + "\x00" + key
	soft   map[string]int   // lower-cased address → soft bounces
	dirty  bool
}

var _ campaign.Ledger = (*Ledger)(nil)

// OpenLedger takes the lock of the state file at path without waiting and
// reads it. A torn last line is removed (see Warnings). Errors:
// *campaign.LockedError when a run holds the file, *campaign.InputError
// when it does not exist or is not a usable state file.
func OpenLedger(path string) (*Ledger, error) {
	f, err := openExistingLocked(path)
	if err != nil {
		return nil, err
	}
	l := &Ledger{
		path: path, now: time.Now, f: f,
		byKey: map[string]int32{}, byMsg: map[string]int32{}, byRow: map[int]int32{},
		booked: map[string]bool{}, soft: map[string]int{},
	}
	if err := l.load(); err != nil {
		_ = f.Close()
		return nil, err
	}
	return l, nil
}

// load reads the file under the lock.
func (l *Ledger) load() error {
	f := l.f
	var hdr stateHeader
	res, err := scanLines(f, l.path, false, func(n int, r *lineRecord) error {
		if err := hdr.add(n, r); err != nil {
			return &campaign.InputError{File: l.path, Line: n, Err: err}
		}
		if st := statusCode(r.typ); st != stNone && len(r.key) > 0 {
			l.add(campaign.Outcome{
				Key: string(r.key), Row: int(r.row), MessageID: string(r.messageID), Status: statusNames[st],
				Recipient: string(r.recipient), Kind: campaign.BounceKind(r.kind), Notice: string(r.notice),
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if res.Lines == 0 {
		return noCampaignRecord(l.path)
	}
	if err := repairTail(f, res); err != nil {
		return err
	}
	if res.Torn != "" {
		l.warnings = append(l.warnings, tornWarning(l.path, res.Torn))
	}
	l.id = hdr.id
	return nil
}

// add takes in one record of a recipient.
func (l *Ledger) add(o campaign.Outcome) {
	lk := strings.ToLower(o.Key)
	i, ok := l.byKey[lk]
	if !ok {
		i = int32(len(l.sent))
		l.sent = append(l.sent, campaign.Sent{Key: o.Key})
		l.byKey[lk] = i
	}
	s := &l.sent[i]
	if st := campaign.MergeStatus(s.Status, o.Status); st != s.Status || st == o.Status {
		s.Status = st
		s.Row = o.Row
	}
	if s.Row == 0 {
		s.Row = o.Row
	}
	if o.Row > 0 {
		l.byRow[o.Row] = i
	}
	if o.MessageID != "" {
		s.MessageID = o.MessageID
		l.byMsg[o.MessageID] = i
	}
	if o.Notice != "" {
		l.booked[o.Notice+"\x00"+o.Key] = true
	}
	if o.Kind == campaign.BounceSoft && o.Recipient != "" {
		l.soft[strings.ToLower(o.Recipient)]++
	}
}

// Warnings returns what OpenLedger repaired: a torn last line removed.
func (l *Ledger) Warnings() []string { return l.warnings }

// Path returns the state file's path.
func (l *Ledger) Path() string { return l.path }

// CampaignID returns the campaign's id.
func (l *Ledger) CampaignID() string { return l.id }

// lookup returns the recipient at index i of m[k].
func lookup[K comparable](l *Ledger, m map[K]int32, k K) (campaign.Sent, bool) {
	i, ok := m[k]
	if !ok {
		return campaign.Sent{}, false
	}
	return l.sent[i], true
}

// ByMessageID returns the recipient whose records carry the Message-ID id
// (without angle brackets; compared whole).
func (l *Ledger) ByMessageID(id string) (campaign.Sent, bool) { return lookup(l, l.byMsg, id) }

// ByRow returns the recipient of the last record that names data row row.
func (l *Ledger) ByRow(row int) (campaign.Sent, bool) { return lookup(l, l.byRow, row) }

// ByKey returns the recipient whose key is key, compared without regard
// to case.
func (l *Ledger) ByKey(key string) (campaign.Sent, bool) {
	return lookup(l, l.byKey, strings.ToLower(key))
}

// Booked reports whether an outcome of the notice id is recorded for key.
func (l *Ledger) Booked(notice, key string) bool { return l.booked[notice+"\x00"+key] }

// SoftBounces counts the bounce records of kind soft for the address addr.
func (l *Ledger) SoftBounces(addr string) int { return l.soft[strings.ToLower(addr)] }

// Book appends o, whose Status must be a campaign.Status, and writes it to
// the operating system at once. A zero o.Time is replaced by the current
// time.
func (l *Ledger) Book(o campaign.Outcome) error {
	if !validStatus(o.Status) {
		return fmt.Errorf("campaign: ledger: unknown status %q", o.Status)
	}
	line, err := encodeLine(outcomeRecord(o, l.now()))
	if err == nil {
		_, err = l.f.Write(line)
	}
	if err != nil {
		return fmt.Errorf("campaign: write state file: %w", err)
	}
	l.dirty = true
	l.add(o)
	return nil
}

// Close syncs what Book wrote and closes the file, which releases the
// lock. It returns the first error and is safe to call twice.
func (l *Ledger) Close() error {
	if l.f == nil {
		return nil
	}
	var err error
	if l.dirty {
		if err = l.f.Sync(); err != nil {
			err = fmt.Errorf("campaign: sync state file: %w", err)
		}
	}
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("campaign: close state file: %w", cerr)
	}
	l.f = nil
	return err
}
