package loaders

import (
	"sync"
	"testing"
)

// TestLoadersMadeOnceOnDemand: a request's loaders are made when first
// asked for, and a loader asked for by several goroutines at once is one
// loader (two would batch apart, and one's primed rows would be missed).
func TestLoadersMadeOnceOnDemand(t *testing.T) {
	l := New(nil)
	if l.imageByID.made.Load() != nil || l.relationsOf.made.Load() != nil {
		t.Fatal("loaders made before anything asked for them")
	}
	const n = 16
	var wg sync.WaitGroup
	got := make([]any, n)
	for i := range n {
		wg.Go(func() { got[i] = l.ImageByID() })
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] || got[i] == nil {
			t.Fatalf("goroutine %d got loader %p, goroutine 0 %p", i, got[i], got[0])
		}
	}
	if l.relationsOf.made.Load() != nil {
		t.Error("asking for one loader made another")
	}
	if l.RelationsOf() != l.RelationsOf() {
		t.Error("two loaders of relations in one request")
	}
}
