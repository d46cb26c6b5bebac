package statefile

import (
	"errors"
	"fmt"
	"time"
)

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
		h.created, _ = time.Parse(time.RFC3339, string(r.created))
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
