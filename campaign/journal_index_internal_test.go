package campaign

import (
	"strings"
	"testing"
)

// TestKeyIndexCollisions forces every key to the same hash: keys must still
// be told apart (this test is internal because a real 64-bit FNV collision
// is hard to come by).
func TestKeyIndexCollisions(t *testing.T) {
	long := strings.Repeat("x", maxKeyBytes+1)
	for _, tt := range []struct {
		name string
		mask uint64
	}{
		{"fnv", ^uint64(0)},
		{"all collide", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			x := newKeyIndex()
			x.hashMask = tt.mask
			x.add([]byte("a"), stSending, 1)
			x.add([]byte("b"), stSending, 2)
			x.add([]byte(long), stSending, 3)
			x.add([]byte("a"), stDelivered, 1)
			x.add([]byte("b"), stFailed, 2)
			x.add([]byte("b"), stSkipped, 5) // does not hide the failure
			x.add([]byte("c"), stDuplicate, 4)
			want := map[string]uint8{"a": stDelivered, "b": stFailed, long: stSending, "c": stDuplicate}
			for k, st := range want {
				if s, ok := get(x, []byte(k)); !ok || s.st != st {
					t.Errorf("get(%.10q) = %+v, %v; want status %d", k, s, ok, st)
				}
			}
			if _, ok := get(x, []byte("d")); ok {
				t.Error("get(d) found a key never added")
			}
			if x.len() != 4 || x.unknowns != 1 {
				t.Errorf("len %d, unknowns %d; want 4, 1", x.len(), x.unknowns)
			}
			n := 0
			x.each(func(key []byte, s slot) {
				n++
				if want[string(key)] != s.st {
					t.Errorf("each: %.10q has status %d, want %d", key, s.st, want[string(key)])
				}
			})
			if n != 4 {
				t.Errorf("each visited %d keys, want 4", n)
			}
		})
	}
}

// TestKeyIndexChunks stores enough keys to fill several chunks.
func TestKeyIndexChunks(t *testing.T) {
	x := newKeyIndex()
	key := func(i int) []byte { return []byte(strings.Repeat("k", i%300) + string(rune('a'+i%26)) + itoa(i)) }
	const n = 20000
	for i := range n {
		x.add(key(i), stDelivered, int64(i))
	}
	if len(x.chunks) < 2 {
		t.Fatalf("%d chunks, want several", len(x.chunks))
	}
	for i := range n {
		if s, ok := get(x, key(i)); !ok || s.row != uint32(i) {
			t.Fatalf("key %d: %+v, %v", i, s, ok)
		}
	}
}

func itoa(i int) string {
	s := ""
	for {
		s = string(rune('0'+i%10)) + s
		i /= 10
		if i == 0 {
			return s
		}
	}
}

// TestKeyIndexGetAllocs checks that looking a key up (Previous, once per
// row) does not allocate.
func TestKeyIndexGetAllocs(t *testing.T) {
	x := newKeyIndex()
	x.add([]byte("ann@example.com"), stDelivered, 1)
	key := "ann@example.com"
	if n := testing.AllocsPerRun(100, func() { get(x, key) }); n != 0 {
		t.Errorf("get allocates %v times", n)
	}
}
