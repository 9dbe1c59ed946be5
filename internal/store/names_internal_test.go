package store

import (
	"strings"
	"testing"
)

// TestCompareLower checks the allocation-free comparison against what it
// replaces, strings.ToLower on both sides.
func TestCompareLower(t *testing.T) {
	words := []string{"", "a", "A", "ab", "aB", "Ab", "b", "Climate 1", "climate 1", "climate 10", "Économie", "économie", "Eco",
		"İstanbul", "istanbul", "ΣΟΦΙΑ", "σοφια", "straße", "STRASSE", "\xff", "a\xffb", "a\uFFFDb", "Z", "z", "[", "`", "日本", "Ω", "ω"}
	sign := func(n int) int { return min(max(n, -1), 1) }
	for _, a := range words {
		for _, b := range words {
			want := sign(strings.Compare(strings.ToLower(a), strings.ToLower(b)))
			if got := sign(compareLower(a, b)); got != want {
				t.Errorf("compareLower(%q, %q) = %d, strings.ToLower order says %d", a, b, got, want)
			}
		}
	}
}
