package httpcache

import (
	"slices"
	"sync"
	"testing"
)

// TestKeysListedOnceSorted: keys added many times, from many goroutines
// (resolvers run concurrently), are listed once each, sorted.
func TestKeysListedOnceSorted(t *testing.T) {
	k := NewKeys()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				k.Add([]string{"article:3", "tag:9", "author:1", "article:12"}[(g+i)%4])
				k.Add("category:2", "article:3")
			}
		})
	}
	wg.Wait()
	want := []string{"article:12", "article:3", "author:1", "category:2", "tag:9"}
	if got := k.List(); !slices.Equal(got, want) {
		t.Fatalf("List() = %q, want %q", got, want)
	}
	if got := NewKeys().List(); len(got) != 0 {
		t.Fatalf("an empty collector lists %q", got)
	}
}
