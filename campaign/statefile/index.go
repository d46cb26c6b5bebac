package statefile

import "github.com/mailrun/mailrun/campaign"

// index maps recipient keys to what the state file says of them. It is a
// campaign.KeyTable whose value packs the data-row number of the key's last
// record, the key's status (campaign.MergeStatus of its records) and its
// count of sending records. It is not safe for concurrent writes.
type index struct {
	keys     campaign.KeyTable
	unknowns int // keys whose status is stSending
}

// slot is what the index knows of one key.
type slot struct {
	row   uint32 // data-row number of the key's last record
	st    uint8  // status (see mergeStatus)
	sends uint8  // sending records seen, saturating at 255
}

func (s slot) pack() uint64 { return uint64(s.row) | uint64(s.st)<<32 | uint64(s.sends)<<40 }

func unpack(v uint64) slot { return slot{row: uint32(v), st: uint8(v >> 32), sends: uint8(v >> 40)} }

// add merges the record r, of status st, for key into the index. A
// continuing sending record (see record) does not count as a sending.
func (x *index) add(key []byte, st uint8, r *lineRecord) {
	row := r.row
	h, v, _ := x.keys.Add(key, 0)
	s := unpack(v)
	if s.st == stSending {
		x.unknowns--
	}
	merged := mergeStatus(s.st, st)
	if merged == st || s.st == stNone {
		s.row = uint32(row)
	}
	s.st = merged
	if st == stSending && !r.continues && s.sends < 255 {
		s.sends++
	}
	if s.st == stSending {
		x.unknowns++
	}
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
