package httpcache

import "testing"

// TestSuspend: a suspended cache drops what it held, serves and stores
// nothing, and an answer computed before it resumed is not stored after.
func TestSuspend(t *testing.T) {
	s := NewStore(StoreOptions{})
	k := MakeKey("home")
	put := func(epoch uint64) bool { return s.Put(k, &Entry{Body: []byte("home")}, epoch) }
	has := func() bool { _, ok := s.Get(k); return ok }
	put(s.Epoch())
	if !s.Suspend() || !s.Suspended() {
		t.Fatal("Suspend did not turn the cache off")
	}
	if has() {
		t.Error("a suspended cache served an entry from before")
	}
	during := s.Epoch()
	if put(during) || has() {
		t.Error("a suspended cache stored an answer")
	}
	if s.Suspend() {
		t.Error("suspending twice reported the cache was on")
	}
	if !s.Resume() || s.Suspended() {
		t.Fatal("Resume did not turn the cache on")
	}
	if put(during) {
		t.Error("an answer computed while suspended was stored after resuming")
	}
	if !put(s.Epoch()) || !has() {
		t.Error("the resumed cache does not store and serve")
	}
}
