package campaign

import "encoding/binary"

// keyIndex maps recipient keys to what the state file says about them,
// compactly: a million keys cost about 50 MB. Each key is stored once, in
// 1 MiB chunks, as [row uint32][length uint16][key bytes]. An
// open-addressing table of 8-byte entries (linear probing, at most 3/4
// full) points at the stored keys; an entry holds the key's offset, 16 bits
// of its 64-bit FNV-1a hash (stable across processes) to skip most key
// comparisons, its status and its count of sending records. Keys are always
// compared in full, so hash collisions cost a probe, never a wrong answer.
// Keys longer than maxKeyBytes live in a small map instead. keyIndex is not
// safe for concurrent writes.
type keyIndex struct {
	hashMask uint64   // ANDed with every hash; tests set 0 to make all keys collide
	table    []uint64 // 0: empty; else off+1 | tag<<32 | st<<48 | sends<<56
	n        int      // entries in table
	chunks   [][]byte
	long     map[string]slot
	unknowns int // keys whose status is stSending
}

// slot is what the index knows of one key.
type slot struct {
	row   uint32 // data-row number of the key's last record
	st    uint8  // last status (see mergeStatus)
	sends uint8  // sending records seen, saturating at 255
}

const (
	chunkBits   = 20
	chunkSize   = 1 << chunkBits
	maxChunks   = 1<<(32-chunkBits) - 1 // keeps off+1 within 32 bits
	maxKeyBytes = 4096
	minTable    = 1 << 10
)

func newKeyIndex() *keyIndex {
	return &keyIndex{hashMask: ^uint64(0), long: make(map[string]slot)}
}

// key is what the index takes as a key: Previous has strings, the file
// scanner has bytes.
type key interface{ ~string | ~[]byte }

// fnv64a is the 64-bit FNV-1a hash of b.
func fnv64a[K key](b K) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(b); i++ {
		h ^= uint64(b[i])
		h *= 1099511628211
	}
	return h
}

func (x *keyIndex) hash(b []byte) uint64 { return fnv64a(b) & x.hashMask }

// at returns the chunk holding off and the position of its entry.
func (x *keyIndex) at(off uint32) ([]byte, int) {
	return x.chunks[off>>chunkBits], int(off & (chunkSize - 1))
}

// stored returns the key stored at off.
func (x *keyIndex) stored(off uint32) []byte {
	c, p := x.at(off)
	n := int(binary.LittleEndian.Uint16(c[p+4:]))
	return c[p+6 : p+6+n]
}

// store appends key to the chunks and returns its offset, or false when
// the key is too long or the chunks are full.
func (x *keyIndex) store(key []byte) (uint32, bool) {
	need := 6 + len(key)
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
	c = append(c, 0, 0, 0, 0)
	c = binary.LittleEndian.AppendUint16(c, uint16(len(key)))
	x.chunks[last] = append(c, key...)
	return off, true
}

func pack(off uint32, tag uint16, s slot) uint64 {
	return uint64(off+1) | uint64(tag)<<32 | uint64(s.st)<<48 | uint64(s.sends)<<56
}

// unpack returns the offset and slot of entry e.
func (x *keyIndex) unpack(e uint64) (uint32, slot) {
	off := uint32(e) - 1
	c, p := x.at(off)
	return off, slot{row: binary.LittleEndian.Uint32(c[p:]), st: uint8(e >> 48), sends: uint8(e >> 56)}
}

// find returns the table position of key, whose hash is h, and whether it
// is there; if not, the position is where it would go.
func find[K key](x *keyIndex, key K, h uint64) (int, bool) {
	mask := len(x.table) - 1
	tag := uint16(h >> 48)
	for i := int(h) & mask; ; i = (i + 1) & mask {
		e := x.table[i]
		if e == 0 {
			return i, false
		}
		if uint16(e>>32) == tag && string(x.stored(uint32(e)-1)) == string(key) {
			return i, true
		}
	}
}

// grow doubles the table.
func (x *keyIndex) grow() {
	old := x.table
	x.table = make([]uint64, max(minTable, 2*len(old)))
	mask := len(x.table) - 1
	for _, e := range old {
		if e == 0 {
			continue
		}
		i := int(x.hash(x.stored(uint32(e)-1))) & mask
		for x.table[i] != 0 {
			i = (i + 1) & mask
		}
		x.table[i] = e
	}
}

// get returns the slot of key.
func get[K key](x *keyIndex, key K) (slot, bool) {
	if len(x.table) > 0 {
		if i, ok := find(x, key, fnv64a(key)&x.hashMask); ok {
			_, s := x.unpack(x.table[i])
			return s, true
		}
	}
	s, ok := x.long[string(key)]
	return s, ok
}

// add merges a record with status st for key, from data row row, into the
// index.
func (x *keyIndex) add(key []byte, st uint8, row int64) {
	if (x.n+1)*4 > len(x.table)*3 {
		x.grow()
	}
	h := x.hash(key)
	i, found := find(x, key, h)
	var (
		off     uint32
		s       slot
		inTable = true
	)
	if found {
		off, s = x.unpack(x.table[i])
	} else if o, ok := x.long[string(key)]; ok {
		s, inTable = o, false
	} else if off, ok = x.store(key); ok {
		x.n++
	} else {
		inTable = false
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

	if !inTable {
		x.long[string(key)] = s
		return
	}
	c, p := x.at(off)
	binary.LittleEndian.PutUint32(c[p:], s.row)
	x.table[i] = pack(off, uint16(h>>48), s)
}

// each calls fn for every key in the index, in no particular order.
func (x *keyIndex) each(fn func(key []byte, s slot)) {
	for _, e := range x.table {
		if e != 0 {
			off, s := x.unpack(e)
			fn(x.stored(off), s)
		}
	}
	for k, s := range x.long {
		fn([]byte(k), s)
	}
}

// len returns the number of keys.
func (x *keyIndex) len() int { return x.n + len(x.long) }
