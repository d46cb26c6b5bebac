package campaign

import "encoding/binary"

// KeyTable maps recipient keys to a 64-bit value each, compactly: a million
// keys of 25 bytes cost about 45 MB. Each key is stored once, with its
// value, in 1 MiB chunks as [value uint64][length uint16][key bytes]. An
// open-addressing table of 8-byte entries (linear probing, at most 3/4
// full) points at the stored keys; an entry holds the key's offset and the
// high 32 bits of its 64-bit FNV-1a hash (HashKey), which skip most key
// comparisons. Keys are always compared in full, so two keys with the same
// hash cost a probe, never a wrong answer. Keys longer than 64 KiB live in a
// map instead.
//
// The zero KeyTable is empty and ready to use. A KeyTable is not safe for
// concurrent use; Get and GetBytes may run concurrently with each other.
type KeyTable struct {
	collide bool     // tests set it to give every key the same hash
	table   []uint64 // 0: empty; else off+1 | tag<<32
	n       int      // entries in table
	chunks  [][]byte
	long    map[string]uint64
}

const (
	chunkBits   = 20
	chunkSize   = 1 << chunkBits
	maxChunks   = 1<<(32-chunkBits) - 1 // keeps off+1 within 32 bits
	maxKeyBytes = 1<<16 - 1
	minTable    = 1 << 10
	entryHead   = 10 // value and length
)

// Handle designates a key of a KeyTable, for Set.
type Handle struct {
	off  uint32 // offset of the key's entry in the chunks, +1; 0 for long
	long string // the key, when it lives in the map
}

// key is what a KeyTable takes as a key: callers have strings, file
// scanners have bytes.
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

// HashKey returns the 64-bit FNV-1a hash of key: the same on every machine
// and in every run. Shards split by it and KeyTable finds candidates by it;
// it never decides alone that two keys are equal.
func HashKey(key string) uint64 { return fnv64a(key) }

// hash returns the hash by which the table places key.
func hash[K key](t *KeyTable, key K) uint64 {
	if t.collide {
		return 0
	}
	return fnv64a(key)
}

// at returns the chunk holding off and the position of its entry.
func (t *KeyTable) at(off uint32) ([]byte, int) {
	return t.chunks[off>>chunkBits], int(off & (chunkSize - 1))
}

// stored returns the key stored at off.
func (t *KeyTable) stored(off uint32) []byte {
	c, p := t.at(off)
	n := int(binary.LittleEndian.Uint16(c[p+8:]))
	return c[p+entryHead : p+entryHead+n]
}

// store appends key with value v to the chunks and returns its offset, or
// false when the key is too long or the chunks are full.
func store[K key](t *KeyTable, key K, v uint64) (uint32, bool) {
	need := entryHead + len(key)
	if len(key) > maxKeyBytes {
		return 0, false
	}
	last := len(t.chunks) - 1
	if last < 0 || cap(t.chunks[last])-len(t.chunks[last]) < need {
		if len(t.chunks) == maxChunks {
			return 0, false
		}
		t.chunks = append(t.chunks, make([]byte, 0, chunkSize))
		last++
	}
	c := t.chunks[last]
	off := uint32(last)<<chunkBits | uint32(len(c))
	c = binary.LittleEndian.AppendUint64(c, v)
	c = binary.LittleEndian.AppendUint16(c, uint16(len(key)))
	t.chunks[last] = append(c, key...)
	return off, true
}

// find returns the table position of key, whose hash is h, and whether it
// is there; if not, the position is where it would go. The table must not
// be empty.
func find[K key](t *KeyTable, key K, h uint64) (int, bool) {
	mask := len(t.table) - 1
	tag := uint32(h >> 32)
	for i := int(h) & mask; ; i = (i + 1) & mask {
		e := t.table[i]
		if e == 0 {
			return i, false
		}
		if uint32(e>>32) == tag && string(t.stored(uint32(e)-1)) == string(key) {
			return i, true
		}
	}
}

// grow doubles the table.
func (t *KeyTable) grow() {
	old := t.table
	t.table = make([]uint64, max(minTable, 2*len(old)))
	mask := len(t.table) - 1
	for _, e := range old {
		if e == 0 {
			continue
		}
		i := int(hash(t, t.stored(uint32(e)-1))) & mask
		for t.table[i] != 0 {
			i = (i + 1) & mask
		}
		t.table[i] = e
	}
}

func lookup[K key](t *KeyTable, key K) (uint64, bool) {
	if len(t.table) > 0 {
		if i, ok := find(t, key, hash(t, key)); ok {
			c, p := t.at(uint32(t.table[i]) - 1)
			return binary.LittleEndian.Uint64(c[p:]), true
		}
	}
	v, ok := t.long[string(key)]
	return v, ok
}

// Get returns the value of key and whether the table holds key. It does
// not allocate.
func (t *KeyTable) Get(key string) (uint64, bool) { return lookup(t, key) }

// GetBytes is Get for a key held in bytes.
func (t *KeyTable) GetBytes(key []byte) (uint64, bool) { return lookup(t, key) }

// Add returns a Handle to key and its value, adding key with value v when
// the table does not hold it yet; found says whether it did.
func (t *KeyTable) Add(key []byte, v uint64) (Handle, uint64, bool) { return add(t, key, v) }

// AddString is Add for a key held in a string.
func (t *KeyTable) AddString(key string, v uint64) (value uint64, found bool) {
	_, value, found = add(t, key, v)
	return value, found
}

// add is Add for keys of either kind: one probe finds key or the place
// where it goes. A key that does not fit the chunks lives in the map.
func add[K key](t *KeyTable, key K, v uint64) (Handle, uint64, bool) {
	if (t.n+1)*4 > len(t.table)*3 {
		t.grow()
	}
	kh := hash(t, key)
	i, ok := find(t, key, kh)
	if ok {
		off := uint32(t.table[i]) - 1
		c, p := t.at(off)
		return Handle{off: off + 1}, binary.LittleEndian.Uint64(c[p:]), true
	}
	if old, ok := t.long[string(key)]; ok {
		return Handle{long: string(key)}, old, true
	}
	off, ok := store(t, key, v)
	if !ok {
		if t.long == nil {
			t.long = make(map[string]uint64)
		}
		t.long[string(key)] = v
		return Handle{long: string(key)}, v, false
	}
	t.table[i] = uint64(off+1) | uint64(uint32(kh>>32))<<32
	t.n++
	return Handle{off: off + 1}, v, false
}

// Set changes the value of the key h designates.
func (t *KeyTable) Set(h Handle, v uint64) {
	if h.off == 0 {
		t.long[h.long] = v
		return
	}
	c, p := t.at(h.off - 1)
	binary.LittleEndian.PutUint64(c[p:], v)
}

// Each calls fn for every key and its value, in no particular order. The
// key's bytes are valid only during the call.
func (t *KeyTable) Each(fn func(key []byte, v uint64)) {
	for _, e := range t.table {
		if e != 0 {
			off := uint32(e) - 1
			c, p := t.at(off)
			fn(t.stored(off), binary.LittleEndian.Uint64(c[p:]))
		}
	}
	for k, v := range t.long {
		fn([]byte(k), v)
	}
}

// Len returns the number of keys.
func (t *KeyTable) Len() int { return t.n + len(t.long) }
