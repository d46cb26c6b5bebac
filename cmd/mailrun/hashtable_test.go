package main

import (
	"hash/fnv"
	"strconv"
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

func TestHashTable(t *testing.T) {
	const n = 100000
	keys := newHashTable(true)
	set := newHashTable(false)
	for i := 1; i <= n; i++ {
		h := campaign.HashKey("user" + strconv.Itoa(i) + "@example.com")
		if v, dup := keys.put(h, uint32(i)); dup || v != uint32(i) {
			t.Fatalf("put %d: (%d, %v) for a new hash", i, v, dup)
		}
		set.put(h, 0)
	}
	for i := 1; i <= n; i++ {
		h := campaign.HashKey("user" + strconv.Itoa(i) + "@example.com")
		if v, dup := keys.put(h, 7); !dup || v != uint32(i) {
			t.Fatalf("put %d again: (%d, %v), want (%d, true)", i, v, dup, i)
		}
		if _, dup := set.put(h, 0); !dup {
			t.Fatalf("set lost hash %d", i)
		}
	}
	if keys.len() != n || set.len() != n {
		t.Errorf("len %d and %d, want %d", keys.len(), set.len(), n)
	}
	// A hash of 0 is a hash like any other.
	if _, dup := set.put(0, 0); dup {
		t.Error("hash 0 found before it was put")
	}
	if _, dup := set.put(0, 0); !dup {
		t.Error("hash 0 lost")
	}
}

func TestHashKeyIsFNV1a(t *testing.T) {
	for _, s := range []string{"", "a", "alice@example.com", "김민지"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := campaign.HashKey(s), h.Sum64(); got != want {
			t.Errorf("campaign.HashKey(%q) = %x, want %x", s, got, want)
		}
	}
}
