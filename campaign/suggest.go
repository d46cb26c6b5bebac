package campaign

import (
	"strings"
	"unicode/utf8"
)

// Suggest returns the candidate that word was most likely meant to be, for
// a "did you mean" hint, and false when none is close enough. A candidate
// equal to word but for case wins at once; otherwise the candidate at the
// smallest edit distance (on lower-cased runes; a swap of two neighbours
// counts as one edit) wins, if that
// distance is at most a third of the longer of the two (at least 1), so
// that a short word is not "corrected" into an unrelated one. Ties go to
// the earlier candidate.
func Suggest(word string, candidates []string) (string, bool) {
	lw := strings.ToLower(word)
	best, bestDist := "", -1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if lc == lw {
			if c == word {
				return "", false
			}
			return c, true
		}
		d := editDistance(lw, lc)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 {
		return "", false
	}
	limit := max(utf8.RuneCountInString(word), utf8.RuneCountInString(best)) / 3
	if bestDist > max(limit, 1) {
		return "", false
	}
	return best, true
}

// editDistance is the optimal string alignment distance between a and b,
// in runes: insertions, deletions, substitutions and swaps of two
// neighbours each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	rows := [3][]int{make([]int, len(rb)+1), make([]int, len(rb)+1), make([]int, len(rb)+1)}
	for j := range rows[1] {
		rows[1][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		prev2, prev, cur := rows[0], rows[1], rows[2]
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		rows[0], rows[1], rows[2] = prev, cur, prev2
	}
	return rows[1][len(rb)]
}
