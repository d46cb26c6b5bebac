package statefile

import "github.com/mailrun/mailrun/campaign"

// index maps recipient keys to what the state file says of them. It is a
// campaign.KeyTable whose value packs the data-row number of the key's last
// record, the key's status (campaign.MergeStatus of its records) and its
// campaign.AttemptTrail. It is not safe for concurrent writes.
type index struct {
	keys     campaign.KeyTable
	byStatus [numStatus]int // keys by status; byStatus[stSending] are unknown
}

// slot is what the index knows of one key.
type slot struct {
	row   uint32 // data-row number of the key's last record
	st    uint8  // status (see mergeStatus)
	trail campaign.AttemptTrail
}

func (s slot) pack() uint64 { return uint64(s.row) | uint64(s.st)<<32 | uint64(s.trail)<<40 }

func unpack(v uint64) slot {
	return slot{row: uint32(v), st: uint8(v >> 32), trail: campaign.AttemptTrail(v >> 40)}
}

// add merges the record r, of status st (r.status()), for key into the
// index. The key's campaign.AttemptTrail follows r's own status, ambiguous
// and continues flags.
func (x *index) add(key []byte, st uint8, r *lineRecord) {
	h, v, _ := x.keys.Add(key, 0)
	s := unpack(v)
	x.byStatus[s.st]--
	merged := mergeStatus(s.st, st)
	if merged == st || s.st == stNone {
		s.row = uint32(r.row)
	}
	s.st = merged
	s.trail = s.trail.Next(statusNames[statusCode(r.typ)], r.ambiguous, r.continues)
	x.byStatus[s.st]++
	x.keys.Set(h, s.pack())
}

// get returns the slot of key.
func (x *index) get(key string) (slot, bool) {
	v, ok := x.keys.Get(key)
	return unpack(v), ok
}

// each calls fn for every key in the index, in no particular order.
func (x *index) each(fn func(key []byte, s slot)) {
	x.keys.Each(func(key []byte, v uint64) { fn(key, unpack(v)) })
}
