package campaign_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mailrun/mailrun/campaign"
	"github.com/mailrun/mailrun/campaign/source"
	"github.com/mailrun/mailrun/campaign/statefile"
	"github.com/mailrun/mailrun/render"
	"github.com/mailrun/mailrun/sender"
)

// runShard sends f's list as shard sh with its own state file, and returns
// the summary and the To addresses the server received in that run.
func (f *fixture) runShard(t *testing.T, sh campaign.Shard) (campaign.Summary, []string) {
	t.Helper()
	src, err := source.Open(f.data, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	state := filepath.Join(f.dir, "list.csv.state"+sh.Suffix())
	j, err := statefile.Open(state, statefile.Header{TemplateHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	tmpl, err := render.New(f.tmpl, render.Options{CampaignID: j.CampaignID()})
	if err != nil {
		t.Fatal(err)
	}
	pool, err := sender.NewPool(sender.Config{URL: f.srv.URL(), Workers: 2, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	before := len(f.srv.Messages())
	r := &campaign.Runner{Source: src, Renderer: tmpl, Sender: pool, Journal: j, Workers: 2, Shard: sh}
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatalf("shard %+v: %v", sh, err)
	}
	var got []string
	for _, m := range f.srv.Messages()[before:] {
		got = append(got, m.To[0])
	}
	slices.Sort(got)
	return sum, got
}

func TestShardsAreDisjointCompleteAndStable(t *testing.T) {
	const n, shards = 90, 3
	var rows, reversed []string
	for i := 1; i <= n; i++ {
		rows = append(rows, fmt.Sprintf("user%d@example.com,User %d,", i, i))
	}
	for i := len(rows) - 1; i >= 0; i-- {
		reversed = append(reversed, rows[i])
	}
	lists := []*fixture{newFixtureRows(t, rows), newFixtureRows(t, reversed)}
	var first [shards][]string
	for li, f := range lists {
		all := map[string]int{}
		for i := 1; i <= shards; i++ {
			sh := campaign.Shard{I: i, N: shards}
			sum, got := f.runShard(t, sh)
			if int(sum.Sent) != len(got) || sum.OtherShard != int64(n-len(got)) || sum.Skipped != 0 {
				t.Errorf("list %d shard %+v: sent %d, other shard %d, skipped %d; the server got %d",
					li, sh, sum.Sent, sum.OtherShard, sum.Skipped, len(got))
			}
			if len(got) < n/shards/3 {
				t.Errorf("list %d shard %+v: %d rows of %d, a very uneven split", li, sh, len(got), n)
			}
			for _, k := range got {
				all[k]++
			}
			if li == 0 {
				first[i-1] = got
			} else if !slices.Equal(first[i-1], got) {
				t.Errorf("shard %+v differs when the list is reversed:\n%v\n%v", sh, first[i-1], got)
			}
		}
		if len(all) != n {
			t.Errorf("list %d: the shards together sent to %d recipients, want %d", li, len(all), n)
		}
		for k, c := range all {
			if c != 1 {
				t.Errorf("list %d: %s got %d messages from the shards", li, k, c)
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		want campaign.Shard
		ok   bool
	}{
		{"1/3", campaign.Shard{I: 1, N: 3}, true},
		{" 3 / 3 ", campaign.Shard{I: 3, N: 3}, true},
		{"1/1", campaign.Shard{I: 1, N: 1}, true},
		{"0/3", campaign.Shard{}, false},
		{"4/3", campaign.Shard{}, false},
		{"1/0", campaign.Shard{}, false},
		{"-1/3", campaign.Shard{}, false},
		{"1", campaign.Shard{}, false},
		{"a/b", campaign.Shard{}, false},
		{"", campaign.Shard{}, false},
	}
	for _, tt := range tests {
		got, err := campaign.ParseShard(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"1/3", "2/2", "0/1", "9/4", "x", "1/", "/1", "99999999999999999999/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := campaign.ParseShard(s)
		if err != nil {
			return
		}
		if sh.I < 1 || sh.I > sh.N || sh.Validate() != nil {
			t.Fatalf("ParseShard(%q) = %+v", s, sh)
		}
		if sh.N > 1 {
			if back, err := campaign.ParseShard(fmt.Sprintf("%d/%d", sh.I, sh.N)); err != nil || back != sh {
				t.Fatalf("round trip of %+v: %+v, %v", sh, back, err)
			}
		}
		if sh.N <= 100 {
			owners := 0
			for i := 1; i <= sh.N; i++ {
				if (campaign.Shard{I: i, N: sh.N}).Has(s) {
					owners++
				}
			}
			if owners != 1 {
				t.Fatalf("key %q is in %d of %d shards", s, owners, sh.N)
			}
		}
	})
}
