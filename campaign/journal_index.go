package campaign

import "encoding/binary"

// keyIndex maps recipient keys to what the state file says about them,
// compactly: a million keys cost a few tens of megabytes. Each key is stored
// once, length-prefixed, in 1 MiB chunks; the map goes from the key's 64-bit
// FNV-1a hash (stable across processes) to a slot that points at the stored
// key, so a hash collision is detected by comparing keys. A key whose hash
// is taken by another key, or that is too long for a chunk, lives in the
// small overflow map instead. keyIndex is not safe for concurrent writes.
type keyIndex struct {
	hash     func([]byte) uint64
	slots    map[uint64]slot
	over     map[string]slot
	chunks   [][]byte
	unknowns int // keys whose status is stSending
}

// slot is what the index knows of one key.
type slot struct {
	off   uint32 // chunk<<chunkBits | position of the stored key
	row   uint32 // data-row number of the key's last record
	st    uint8  // last status (see mergeStatus)
	sends uint8  // sending records seen, saturating at 255
}

const (
	chunkBits   = 20
	chunkSize   = 1 << chunkBits
	maxChunks   = 1 << (32 - chunkBits)
	maxKeyBytes = 4096
)

func newKeyIndex() *keyIndex {
	return &keyIndex{hash: fnv64a, slots: make(map[uint64]slot), over: make(map[string]slot)}
}

// fnv64a is the 64-bit FNV-1a hash of b.
func fnv64a(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// stored returns the key stored at off.
func (x *keyIndex) stored(off uint32) []byte {
	c := x.chunks[off>>chunkBits]
	p := int(off & (chunkSize - 1))
	n, w := binary.Uvarint(c[p:])
	return c[p+w : p+w+int(n)]
}

// store appends key to the chunks and returns its offset, or false when
// the key is too long or the chunks are full.
func (x *keyIndex) store(key []byte) (uint32, bool) {
	need := binary.MaxVarintLen64 + len(key)
	if len(key) > maxKeyBytes {
		return 0, false
	}
	last := len(x.chunks) - 1
	if last < 0 || cap(x.chunks[last])-len(x.chunks[last]) < need {
		if len(x.chunks) == maxChunks {
			return 0, false
		}
		x.chunks = append(x.chunks, make([]byte, 0, chunkSize))
		last++
	}
	c := x.chunks[last]
	off := uint32(last)<<chunkBits | uint32(len(c))
	c = binary.AppendUvarint(c, uint64(len(key)))
	x.chunks[last] = append(c, key...)
	return off, true
}

// get returns the slot of key.
func (x *keyIndex) get(key []byte) (slot, bool) {
	if s, ok := x.slots[x.hash(key)]; ok && string(x.stored(s.off)) == string(key) {
		return s, true
	}
	s, ok := x.over[string(key)]
	return s, ok
}

// add merges a record with status st for key, from data row row, into the
// index.
func (x *keyIndex) add(key []byte, st uint8, row int64) {
	h := x.hash(key)
	s, inSlots := x.slots[h]
	if inSlots && string(x.stored(s.off)) != string(key) {
		inSlots = false // collision: key belongs in over
		s = slot{}
		if o, ok := x.over[string(key)]; ok {
			s = o
		}
	} else if !inSlots {
		if o, ok := x.over[string(key)]; ok {
			s = o
		} else if off, ok := x.store(key); ok {
			s, inSlots = slot{off: off}, true
		}
	}
	if s.st == stSending {
		x.unknowns--
	}
	merged := mergeStatus(s.st, st)
	if merged == st || s.st == stNone {
		s.row = uint32(row)
	}
	s.st = merged
	if st == stSending && s.sends < 255 {
		s.sends++
	}
	if s.st == stSending {
		x.unknowns++
	}
	if inSlots {
		x.slots[h] = s
	} else {
		x.over[string(key)] = s
	}
}

// each calls fn for every key in the index, in no particular order.
func (x *keyIndex) each(fn func(key []byte, s slot)) {
	for _, s := range x.slots {
		fn(x.stored(s.off), s)
	}
	for k, s := range x.over {
		fn([]byte(k), s)
	}
}

// len returns the number of keys.
func (x *keyIndex) len() int { return len(x.slots) + len(x.over) }
