package main

// hashTable is a compact set of 64-bit hashes, each with a 32-bit value:
// open addressing with linear probing, at most 3/4 of the slots used, 12
// bytes a slot (8 without values). validate keeps one entry per recipient
// key and per envelope address in it, about half the memory of a Go map.
// The zero hashTable is empty and ready to use; it is not safe for
// concurrent use.
type hashTable struct {
	// hashes holds the stored hashes, 0 marking a free slot (a hash of 0 is
	// stored as 1). values holds their values, nil for a set.
	hashes []uint64
	values []uint32
	// withValues says whether values is kept; n counts the entries; shift
	// turns a hash into a slot index (64 - log2(len(hashes))).
	withValues bool
	n          int
	shift      uint
}

// newHashTable returns an empty table; with values false it keeps no
// values and put's value is ignored.
func newHashTable(values bool) *hashTable {
	return &hashTable{withValues: values}
}

// put adds h with value v unless h is present already. It returns the value
// stored with h and whether h was present before the call.
func (t *hashTable) put(h uint64, v uint32) (uint32, bool) {
	if h == 0 {
		h = 1
	}
	if (t.n+1)*4 > len(t.hashes)*3 {
		t.grow()
	}
	mask := len(t.hashes) - 1
	for i := t.slot(h); ; i = (i + 1) & mask {
		switch t.hashes[i] {
		case h:
			if t.withValues {
				return t.values[i], true
			}
			return 0, true
		case 0:
			t.hashes[i] = h
			if t.withValues {
				t.values[i] = v
			}
			t.n++
			return v, false
		}
	}
}

// len returns the number of hashes in the table.
func (t *hashTable) len() int { return t.n }

// slot returns the first slot to probe for h: its top bits after a
// Fibonacci multiplication, which spreads hashes that differ in few bits.
func (t *hashTable) slot(h uint64) int {
	return int((h * 0x9E3779B97F4A7C15) >> t.shift)
}

// grow doubles the table (or makes its first 1024 slots) and moves every
// entry into the new slots.
func (t *hashTable) grow() {
	oldHashes, oldValues := t.hashes, t.values
	size := 2 * len(oldHashes)
	if size == 0 {
		size = 1024
	}
	t.hashes = make([]uint64, size)
	if t.withValues {
		t.values = make([]uint32, size)
	}
	t.shift = 64
	for s := size; s > 1; s >>= 1 {
		t.shift--
	}
	t.n = 0
	for i, h := range oldHashes {
		if h != 0 {
			var v uint32
			if t.withValues {
				v = oldValues[i]
			}
			t.put(h, v)
		}
	}
}
