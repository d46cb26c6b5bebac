package statefile

import (
	"errors"
	"fmt"
	"time"
)

// Header describes the campaign a state file belongs to.
type Header struct {
	// CampaignID is the id of a new campaign; empty generates a random
	// 128-bit hex id. When the state file already exists its id wins.
	CampaignID string
	// TemplateHash identifies the message template (render.Template.Hash).
	TemplateHash string
	// DataFile names the data file ("-" for standard input); the state
	// file records it made absolute. "" leaves it unrecorded and unchecked.
	DataFile string
	// AllowTemplateChange lets a campaign resume with a different template:
	// a new campaign record noting the change is appended instead of failing
	// with *campaign.TemplateChangedError.
	AllowTemplateChange bool
	// AllowDataChange lets a campaign resume with another data file (see
	// Open): a new campaign record naming it is appended instead of failing
	// with *campaign.DataChangedError.
	AllowDataChange bool
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Fresh starts an existing state file anew: once the lock is held and
	// the file is known to be a state file, its records are dropped, as if
	// it had not existed (a dry run starts from nothing).
	Fresh bool
	// CountDeliveredSince, when not zero, makes Open count the
	// delivered records of an existing file timed at or after it (to the
	// second), for Deliveries: caps pass campaign.Since of their limits.
	CountDeliveredSince time.Time
}

// stateHeader collects the campaign records of a state file.
type stateHeader struct {
	id           string
	templateHash string // the latest
	data         string // the latest
	created      time.Time
	changes      int // template changes allowed after the first record
}

// add takes in line n of the file, checking that a state file starts with
// a campaign record and that later campaign records keep its id.
func (h *stateHeader) add(n int, r *lineRecord) error {
	isCampaign := string(r.typ) == recordCampaign
	if n == 1 && !isCampaign {
		return errors.New("campaign: not a mailrun state file (the first record is not a campaign record)")
	}
	if !isCampaign {
		return nil
	}
	if h.id == "" {
		h.id = string(r.id)
		h.data = string(r.data)
		h.created = parseTime(r.created)
	} else if string(r.id) != h.id {
		return fmt.Errorf("campaign: campaign record for campaign %s in the state file of campaign %s", r.id, h.id)
	} else {
		if string(r.templateHash) != h.templateHash {
			h.changes++
		}
		if len(r.data) > 0 {
			h.data = string(r.data)
		}
	}
	h.templateHash = string(r.templateHash)
	return nil
}
