package campaign_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/mailrun/mailrun/campaign"
)

// TestKeyTableCollisions gives every key the same hash: keys must still be
// told apart, by comparing them whole.
func TestKeyTableCollisions(t *testing.T) {
	long := strings.Repeat("x", campaign.MaxKeyBytes+1)
	for _, collide := range []bool{false, true} {
		t.Run("collide="+strconv.FormatBool(collide), func(t *testing.T) {
			var x campaign.KeyTable
			if collide {
				x.Collide()
			}
			for i, k := range []string{"a", "b", long, "c"} {
				if _, found := x.AddString(k, uint64(i+1)); found {
					t.Fatalf("AddString(%.10q) found a key never added", k)
				}
			}
			if v, found := x.AddString("b", 99); !found || v != 2 {
				t.Errorf("AddString(b) again = %d, %v; want 2, true", v, found)
			}
			h, v, found := x.Add([]byte("a"), 0)
			if !found || v != 1 {
				t.Fatalf("Add(a) = %d, %v; want 1, true", v, found)
			}
			x.Set(h, 10)
			h, _, _ = x.Add([]byte(long), 0)
			x.Set(h, 30)
			want := map[string]uint64{"a": 10, "b": 2, long: 30, "c": 4}
			for k, w := range want {
				if got, ok := x.Get(k); !ok || got != w {
					t.Errorf("Get(%.10q) = %d, %v; want %d", k, got, ok, w)
				}
				if got, ok := x.GetBytes([]byte(k)); !ok || got != w {
					t.Errorf("GetBytes(%.10q) = %d, %v; want %d", k, got, ok, w)
				}
			}
			if _, ok := x.Get("d"); ok {
				t.Error("Get(d) found a key never added")
			}
			if x.Len() != 4 {
				t.Errorf("Len = %d, want 4", x.Len())
			}
			n := 0
			x.Each(func(key []byte, v uint64) {
				n++
				if want[string(key)] != v {
					t.Errorf("Each: %.10q has %d, want %d", key, v, want[string(key)])
				}
			})
			if n != 4 {
				t.Errorf("Each visited %d keys, want 4", n)
			}
		})
	}
}

// TestKeyTableChunks stores enough keys to fill several chunks.
func TestKeyTableChunks(t *testing.T) {
	var x campaign.KeyTable
	key := func(i int) string { return strings.Repeat("k", i%300) + strconv.Itoa(i) }
	const n = 20000
	for i := range n {
		x.AddString(key(i), uint64(i))
	}
	if x.Chunks() < 2 {
		t.Fatalf("%d chunks, want several", x.Chunks())
	}
	for i := range n {
		if v, ok := x.Get(key(i)); !ok || v != uint64(i) {
			t.Fatalf("key %d: %d, %v", i, v, ok)
		}
	}
}

// TestKeyTableGetAllocs checks that looking a key up (once per row) does not
// allocate.
func TestKeyTableGetAllocs(t *testing.T) {
	var x campaign.KeyTable
	x.AddString("ann@example.com", 1)
	if n := testing.AllocsPerRun(100, func() { x.Get("ann@example.com") }); n != 0 {
		t.Errorf("Get allocates %v times", n)
	}
}
