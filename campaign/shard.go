package campaign

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Shard names one part of a recipient list split over several runs (often
// on several machines): shard I of N, 1-based. A row belongs to shard I when
// the 64-bit FNV-1a hash of its recipient key, modulo N, is I-1. The hash
// depends on nothing but the key, so the split is the same on every machine,
// in every run and whatever the order of the rows.
//
// The zero Shard (and any Shard with N of 1) holds every row.
type Shard struct {
	I, N int
}

// ParseShard parses "i/n", with 1 <= i <= n. Errors name the accepted form.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, ierr := strconv.Atoi(strings.TrimSpace(is))
	n, nerr := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || ierr != nil || nerr != nil || n < 1 || i < 1 || i > n {
		return Shard{}, fmt.Errorf("campaign: shard %q: want i/n with 1 <= i <= n, for example 2/3", s)
	}
	return Shard{I: i, N: n}, nil
}

// Has reports whether the recipient key belongs to the shard.
func (s Shard) Has(key string) bool {
	return s.N <= 1 || HashKey(key)%uint64(s.N) == uint64(s.I-1)
}

// keyless reports whether the shard reports the rows that have no key (a
// row the source cannot read, a row without a usable To address): shard 1
// does, so that the union of the shards counts each such row once.
func (s Shard) keyless() bool { return s.N <= 1 || s.I == 1 }

// Suffix returns what a shard adds to the name of its default state file:
// ".shard-i-of-n", or "" for the whole list.
func (s Shard) Suffix() string {
	if s.N <= 1 {
		return ""
	}
	return ".shard-" + strconv.Itoa(s.I) + "-of-" + strconv.Itoa(s.N)
}

// Validate returns an error unless s is the zero Shard or 1 <= I <= N.
func (s Shard) Validate() error {
	if s == (Shard{}) || (s.N >= 1 && s.I >= 1 && s.I <= s.N) {
		return nil
	}
	return errors.New("campaign: shard: want I and N with 1 <= I <= N")
}

// recordKeyless records the failure of a row without a key, in the shard
// that reports such rows; the other shards count it in OtherShard.
func (s *runState) recordKeyless(o Outcome) {
	if !s.r.Shard.keyless() {
		s.r.Progress.otherShard.Add(1)
		return
	}
	s.record(o, &s.r.Progress.failed)
}
