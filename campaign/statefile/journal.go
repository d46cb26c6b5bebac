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
	f        *os.File // holds the lock until closed
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
// line anywhere else is an *campaign.InputError naming the line. The file
// is written to, and its permissions narrowed to 0600, only once it is
// known to be a state file of this campaign.
//
// Errors: *campaign.LockedError if another run holds the file, whatever
// path reached it; *campaign.TemplateChangedError if it records another
// template hash (unless h.AllowTemplateChange); *campaign.DataChangedError
// if it records another data file (unless h.AllowDataChange; the same file
// reached by another path, or grown by appended rows, is not another one);
// *campaign.InputError if it is not a usable state file (not a regular
// file, a symbolic link to nothing, not a state file).
func Open(path string, h Header) (*Journal, error) {
	now := h.Now
	if now == nil {
		now = time.Now
	}
	f, err := openLocked(path)
	if err != nil {
		return nil, err
	}
	j := &Journal{path: path, now: now, f: f, since: newTally(h.CountDeliveredSince)}
	if err := j.open(h); err != nil {
		_ = f.Close()
		return nil, err
	}
	j.w = newGroupWriter(j.f)
	return j, nil
}

// open loads what the locked file records, or starts it when it is empty
// (or h.Fresh), then narrows its permissions.
func (j *Journal) open(h Header) error {
	fi, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("campaign: open state file: %w", err)
	}
	switch {
	case fi.Size() == 0:
		err = j.create(h)
	case h.Fresh:
		err = j.restart(h)
	default:
		err = j.resume(h)
	}
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := j.f.Chmod(0o600); err != nil {
			return fmt.Errorf("campaign: restrict state file permissions: %w", err)
		}
		j.warnings = append(j.warnings, fmt.Sprintf("state file %s was readable by others (mode %v): changed to 0600", j.path, fi.Mode().Perm()))
	}
	return nil
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

// restart empties an existing state file and starts it anew, once its
// first line shows it is a state file: a file that is not one is left as
// it is.
func (j *Journal) restart(h Header) error {
	if _, err := j.f.Seek(0, 0); err != nil {
		return fmt.Errorf("campaign: read state file: %w", err)
	}
	var hdr stateHeader
	res, err := scanLines(j.f, j.path, false, func(n int, r *lineRecord) error {
		if err := hdr.add(n, r); err != nil {
			return &campaign.InputError{File: j.path, Line: n, Err: err}
		}
		return errFirstLine
	})
	if err != nil && !errors.Is(err, errFirstLine) {
		return err
	}
	if err == nil && res.Lines == 0 {
		return noCampaignRecord(j.path)
	}
	if err := j.f.Truncate(0); err != nil {
		return fmt.Errorf("campaign: start the state file afresh: %w", err)
	}
	return j.create(h)
}

// errFirstLine ends a scan after the first record.
var errFirstLine = errors.New("campaign: first line read")

// writeHeader writes and syncs a campaign record, directly (the writer
// goroutine is not running yet).
func (j *Journal) writeHeader(h Header, prevHash string) error {
	line, err := encodeLine(&record{
		Type:             recordCampaign,
		ID:               j.id,
		TemplateHash:     h.TemplateHash,
		PrevTemplateHash: prevHash,
		Data:             dataPath(h.DataFile),
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
		return noCampaignRecord(j.path)
	}
	if err := repairTail(j.f, res); err != nil {
		return err
	}
	if res.Torn != "" {
		j.torn = res.Torn
		j.warnings = append(j.warnings, tornWarning(j.path, res.Torn))
	}
	j.id, j.idx, j.unknown = hdr.id, idx, idx.byStatus[stSending]
	newTemplate := hdr.templateHash != h.TemplateHash
	if newTemplate && !h.AllowTemplateChange {
		return &campaign.TemplateChangedError{Path: j.path, Recorded: hdr.templateHash, Template: h.TemplateHash}
	}
	newData := !sameDataFile(hdr.data, h.DataFile)
	if newData && !h.AllowDataChange {
		return &campaign.DataChangedError{Path: j.path, Recorded: hdr.data, Data: h.DataFile}
	}
	switch {
	case newTemplate:
		return j.writeHeader(h, hdr.templateHash)
	case newData:
		return j.writeHeader(h, "")
	}
	return nil
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
	return j.w.append(line, campaign.StatusSending, true)
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
	counted := o.Status
	if o.Interim {
		counted = "" // Lost leaves it out: no summary counts it
	}
	return j.w.append(line, counted, false)
}

// Lost returns, by status, the outcomes that Record queued but that a
// failed write (a full disk) kept from the file; after Close it is final.
// The state file shows such messages as unknown: a summary of the run
// must not count them. Interim outcomes are left out.
func (j *Journal) Lost() map[campaign.Status]int { return j.w.lostLines() }

// Close writes and syncs every queued record and closes the file, which
// releases its lock. It returns the first write or sync error of the journal's life.
// It is safe to call more than once.
func (j *Journal) Close() error {
	j.closeOnce.Do(func() {
		err := j.w.close()
		if cerr := j.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("campaign: close state file: %w", cerr)
		}
		j.closeErr = err
	})
	return j.closeErr
}
