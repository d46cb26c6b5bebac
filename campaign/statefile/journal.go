package statefile

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mailrun/mailrun/campaign"
)

// Header describes the campaign a state file belongs to.
type Header struct {
	// CampaignID is the id of a new campaign; empty generates a random
	// 128-bit hex id. When the state file already exists its id wins.
	CampaignID string
	// TemplateHash identifies the message template (render.Template.Hash).
	TemplateHash string
	// DataFile names the data file, for the record.
	DataFile string
	// AllowTemplateChange lets a campaign resume with a different template:
	// a new campaign record noting the change is appended instead of failing
	// with *CampaignMismatchError.
	AllowTemplateChange bool
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Fresh starts an existing file anew: its records are dropped once the
	// lock is held, as if the file had not existed (a dry run starts from
	// nothing).
	Fresh bool
	// CountDeliveredSince, when not zero, makes Open count the
	// delivered records of an existing file timed at or after it (to the
	// second), for Deliveries: caps pass campaign.Since of their limits.
	CountDeliveredSince time.Time
}

// Journal is the campaign.Journal kept in a state file (JSON Lines, mode 0600).
// It holds the file's exclusive lock from Open to Close.
//
// Durability: Sending returns once its record has been written to the
// operating system (write(2) has returned), so a crash of the process, even
// kill -9, after it returns never loses it. Record only queues its record;
// the writer goroutine writes it at once, in the same write as whatever else
// is queued, so a kill -9 loses at most the outcomes queued at that instant.
// A separate goroutine syncs the file (fsync) at most 5 ms after the last
// sync when something was written, or as soon as 1024 records are unsynced:
// a power loss loses at most the records written since the last completed
// sync, a few milliseconds' worth plus however long the disk takes to sync.
// Either way delivery stays at-least-once: a message whose outcome was lost
// is found as unknown on resume, and one whose sending record a power loss
// took looks never tried; both are sent again with the same Message-ID.
//
// Methods are safe for concurrent use.
type Journal struct {
	path     string
	id       string
	now      func() time.Time
	f        *os.File
	lock     *stateLock
	w        *groupWriter
	idx      *index
	unknown  int
	since    *tally // delivered records since h.CountDeliveredSince
	warnings []string
	torn     string

	closeOnce sync.Once
	closeErr  error
}

var _ campaign.Journal = (*Journal)(nil)

// Open opens the state file at path, creating it (mode 0600, with a
// campaign record from h) if it does not exist, and takes its lock.
//
// When the file exists, Open reads it to answer Previous. A last line
// cut short by a crash is ignored and removed (see Recovered); an unusable
// line anywhere else is an *campaign.InputError naming the line. Errors:
// *LockedError if another run holds the file, *CampaignMismatchError if it
// records another template hash (unless h.AllowTemplateChange), *campaign.InputError
// if it is not a usable state file.
func Open(path string, h Header) (*Journal, error) {
	now := h.Now
	if now == nil {
		now = time.Now
	}
	lock, err := acquireLock(path)
	if err != nil {
		return nil, err
	}
	j := &Journal{path: path, now: now, lock: lock, since: newTally(h.CountDeliveredSince)}
	if err := j.open(h); err != nil {
		if j.f != nil {
			_ = j.f.Close()
		}
		_ = lock.release()
		return nil, err
	}
	j.w = newGroupWriter(j.f)
	return j, nil
}

// open opens or creates the file and loads what it records.
func (j *Journal) open(h Header) error {
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("campaign: open state file: %w", err)
	}
	j.f = f
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("campaign: open state file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("campaign: restrict state file permissions: %w", err)
		}
		j.warnings = append(j.warnings, fmt.Sprintf("state file %s was readable by others (mode %v): changed to 0600", j.path, fi.Mode().Perm()))
	}
	if h.Fresh && fi.Size() > 0 {
		if err := f.Truncate(0); err != nil {
			return fmt.Errorf("campaign: start the state file afresh: %w", err)
		}
		return j.create(h)
	}
	if fi.Size() == 0 {
		return j.create(h)
	}
	return j.resume(h)
}

// create writes the campaign record of a new state file.
func (j *Journal) create(h Header) error {
	j.id = h.CampaignID
	if j.id == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("campaign: campaign id: %w", err)
		}
		j.id = hex.EncodeToString(b[:])
	}
	j.idx = new(index)
	if err := j.writeHeader(h, ""); err != nil {
		return err
	}
	// Make the new directory entry durable too.
	if d, err := os.Open(filepath.Dir(j.path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// writeHeader writes and syncs a campaign record, directly (the writer
// goroutine is not running yet).
func (j *Journal) writeHeader(h Header, prevHash string) error {
	line, err := encodeLine(&record{
		Type:             recordCampaign,
		ID:               j.id,
		TemplateHash:     h.TemplateHash,
		PrevTemplateHash: prevHash,
		Data:             h.DataFile,
		Created:          j.now().UTC().Format(time.RFC3339),
		Version:          stateVersion,
	})
	if err == nil {
		_, err = j.f.Write(line)
	}
	if err == nil {
		err = j.f.Sync()
	}
	if err != nil {
		return fmt.Errorf("campaign: write state file: %w", err)
	}
	return nil
}

// resume loads an existing state file, repairs its tail and checks that it
// belongs to this campaign.
func (j *Journal) resume(h Header) error {
	if _, err := j.f.Seek(0, 0); err != nil {
		return fmt.Errorf("campaign: read state file: %w", err)
	}
	var hdr stateHeader
	idx := new(index)
	res, err := scanLines(j.f, j.path, false, func(n int, r *lineRecord) error {
		if err := hdr.add(n, r); err != nil {
			return &campaign.InputError{File: j.path, Line: n, Err: err}
		}
		st := r.status()
		if st != stNone && len(r.key) > 0 {
			idx.add(r.key, st, r)
		}
		if st == stDelivered {
			j.since.add(r.tm, r.relay)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if res.Lines == 0 {
		return &campaign.InputError{File: j.path, Line: 1, Err: errors.New("campaign: not a mailrun state file (no campaign record)")}
	}
	if err := repairTail(j.f, res); err != nil {
		return err
	}
	if res.Torn != "" {
		j.torn = res.Torn
		j.warnings = append(j.warnings, tornWarning(j.path, res.Torn))
	}
	j.id, j.idx, j.unknown = hdr.id, idx, idx.byStatus[stSending]
	if hdr.templateHash != h.TemplateHash {
		if !h.AllowTemplateChange {
			return &campaign.TemplateChangedError{Path: j.path, Recorded: hdr.templateHash, Template: h.TemplateHash}
		}
		return j.writeHeader(h, hdr.templateHash)
	}
	return nil
}

// repairTail removes the torn last line that a scan of f (under the lock)
// found, and ends a last line that lacks its newline, so that appends start
// on a line of their own.
func repairTail(f *os.File, res scanResult) error {
	if res.Torn != "" {
		if err := f.Truncate(res.Good); err != nil {
			return fmt.Errorf("campaign: repair state file: %w", err)
		}
	}
	if res.NoNewline {
		if _, err := f.Write([]byte{'\n'}); err != nil {
			return fmt.Errorf("campaign: repair state file: %w", err)
		}
	}
	if res.Torn != "" || res.NoNewline {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("campaign: repair state file: %w", err)
		}
	}
	return nil
}

// tornWarning is the warning about a torn last line that repairTail
// removed from the state file path.
func tornWarning(path, torn string) string {
	return fmt.Sprintf("state file %s: %s (a crash cut it short); it was removed", path, torn)
}

// CampaignID returns the campaign's id: the one recorded in the state file,
// or the new one for a new file.
func (j *Journal) CampaignID() string { return j.id }

// Path returns the state file's path.
func (j *Journal) Path() string { return j.path }

// Deliveries returns the delivered records the state file held when it
// was opened, timed at or after Header.CountDeliveredSince, counted by the
// second, oldest first (none when that was zero).
func (j *Journal) Deliveries() []campaign.DeliveryCount { return counts(j.since.all) }

// DeliveriesByRelay returns Deliveries broken down by the relay each
// delivered record names (records that name none are left out), for
// per-relay caps. It returns nil when there are none.
func (j *Journal) DeliveriesByRelay() map[string][]campaign.DeliveryCount {
	if len(j.since.byRelay) == 0 {
		return nil
	}
	out := make(map[string][]campaign.DeliveryCount, len(j.since.byRelay))
	for relay, m := range j.since.byRelay {
		out[relay] = counts(m)
	}
	return out
}

// Unknown returns how many recipients the state file recorded as unknown
// when it was opened: a sending record without an outcome after it.
func (j *Journal) Unknown() int { return j.unknown }

// Settled returns how many recipients the state file recorded, when it
// was opened, with a status that a run under policy p does not send again
// (campaign.ResumePolicy.Sends): about the rows such a run skips.
func (j *Journal) Settled(p campaign.ResumePolicy) int {
	n := 0
	for st := stSending; st < numStatus; st++ {
		if !p.Sends(statusNames[st]) {
			n += j.idx.byStatus[st]
		}
	}
	return n
}

// Recovered describes the torn last line that Open ignored and
// removed, or returns "" if there was none.
func (j *Journal) Recovered() string { return j.torn }

// Warnings returns what Open repaired and the command should log:
// a torn last line removed, permissions tightened to 0600.
func (j *Journal) Warnings() []string { return j.warnings }

// Previous returns the status the state file recorded for key when it was
// opened, and false if it had no record of key. Records made by this
// Journal are not reflected: duplicate keys within one run are the
// runner's to detect. A recipient whose last attempt has no outcome is
// reported as campaign.StatusSending (unknown). A duplicate or skipped record never
// hides an earlier delivery status.
func (j *Journal) Previous(key string) (campaign.Status, bool) {
	if !utf8.ValidString(key) {
		key = asWritten(key)
	}
	s, ok := j.idx.get(key)
	if !ok || s.st == stNone {
		return "", false
	}
	return statusNames[s.st], true
}

// asWritten returns s as the state file holds it: encoding/json writes
// invalid UTF-8 as U+FFFD.
func asWritten(s string) string {
	b, err := json.Marshal(s)
	if err == nil {
		err = json.Unmarshal(b, &s)
	}
	if err != nil {
		return s
	}
	return s
}

// Sending appends a sending record for msg and returns once it has been
// written to the operating system.
func (j *Journal) Sending(msg *campaign.Message) error {
	if msg == nil {
		return errors.New("campaign: journal: nil message")
	}
	line, err := encodeLine(&record{
		Type:      string(campaign.StatusSending),
		Key:       msg.Key,
		Row:       msg.Row,
		MessageID: msg.ID,
		Continues: len(msg.Sent) > 0,
		Time:      formatTime(j.now()),
	})
	if err != nil {
		return fmt.Errorf("campaign: journal: %w", err)
	}
	return j.w.append(line, true)
}

// Record queues the outcome o; its Status must be one of the campaign.Status
// constants. A zero o.Time is replaced by the current time. Record returns
// the first write or sync error the journal met, and an error after Close.
func (j *Journal) Record(o campaign.Outcome) error {
	if !validStatus(o.Status) {
		return fmt.Errorf("campaign: journal: unknown status %q", o.Status)
	}
	line, err := encodeLine(outcomeRecord(o, j.now()))
	if err != nil {
		return fmt.Errorf("campaign: journal: %w", err)
	}
	return j.w.append(line, false)
}

// Close writes and syncs every queued record, closes the file and releases
// the lock. It returns the first write or sync error of the journal's life.
// It is safe to call more than once.
func (j *Journal) Close() error {
	j.closeOnce.Do(func() {
		err := j.w.close()
		if cerr := j.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("campaign: close state file: %w", cerr)
		}
		if lerr := j.lock.release(); err == nil && lerr != nil {
			err = fmt.Errorf("campaign: unlock state file: %w", lerr)
		}
		j.closeErr = err
	})
	return j.closeErr
}
