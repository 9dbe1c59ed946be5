package searchindex

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/fulltext"
)

// fakeDB is a Loader over a map, with a switch to fail.
type fakeDB struct {
	mu   sync.Mutex
	rows map[uint64]Doc
	fail bool
}

func (f *fakeDB) SearchDocs(_ context.Context, after uint64, limit int) ([]Doc, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return nil, errors.New("database away")
	}
	var out []Doc
	for _, d := range f.rows {
		if d.ID > after {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b Doc) int { return int(a.ID) - int(b.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (f *fakeDB) SearchDocsByIDs(_ context.Context, ids []uint64) ([]Doc, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return nil, errors.New("database away")
	}
	var out []Doc
	for _, id := range ids {
		if d, ok := f.rows[id]; ok {
			out = append(out, d)
		}
	}
	return out, nil
}

func (f *fakeDB) set(d Doc) { f.mu.Lock(); f.rows[d.ID] = d; f.mu.Unlock() }
func (f *fakeDB) del(id uint64) {
	f.mu.Lock()
	delete(f.rows, id)
	f.mu.Unlock()
}

func count(t *testing.T, x *Index, q string) int64 {
	t.Helper()
	p, err := fulltext.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	return x.Search(p, Filter{}, 10, nil, time.Now()).Total
}

// TestKeeperConverges: changes before the build are queued, not lost;
// reloads take the database's current state, also after a failure.
func TestKeeperConverges(t *testing.T) {
	db := &fakeDB{rows: map[uint64]Doc{1: {ID: 1, Title: "Alpha"}}}
	k := NewKeeper(db, nil)
	db.set(Doc{ID: 2, Title: "Bravo"})
	if err := k.Refresh(context.Background(), 2); err != nil { // before the build: queued
		t.Fatal(err)
	}
	x := k.Ready(context.Background()) // builds (nothing started it)
	if x == nil || count(t, x, "alpha") != 1 || count(t, x, "bravo") != 1 {
		t.Fatalf("after the build: index %v", x)
	}
	db.set(Doc{ID: 2, Title: "Charlie"})
	db.del(1)
	if err := k.Refresh(context.Background(), 1, 2); err != nil {
		t.Fatal(err)
	}
	if count(t, x, "alpha") != 0 || count(t, x, "bravo") != 0 || count(t, x, "charlie") != 1 {
		t.Error("a reload did not take the current rows")
	}
	// A failed reload is queued and done at the next search.
	db.fail = true
	db.set(Doc{ID: 3, Title: "Delta"})
	if err := k.Refresh(context.Background(), 3); err == nil {
		t.Fatal("reload with the database away succeeded")
	}
	k.Notify(3)
	db.fail = false
	if x := k.Ready(context.Background()); count(t, x, "delta") != 1 {
		t.Error("the queued reload was not done")
	}
}

// TestKeeperStartWaits: with Start, searches wait for the background
// build (or their context), and a failed build is tried again.
func TestKeeperStartWaits(t *testing.T) {
	db := &fakeDB{rows: map[uint64]Doc{1: {ID: 1, Title: "Echo"}}, fail: true}
	k := NewKeeper(db, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k.Start(ctx)
	short, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	if x := k.Ready(short); x != nil {
		t.Fatal("index ready while its build fails")
	}
	db.mu.Lock()
	db.fail = false
	db.mu.Unlock()
	wait, stop2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop2()
	for k.Ready(wait) == nil {
		if wait.Err() != nil {
			t.Fatal("the build was not tried again")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if count(t, k.Index(), "echo") != 1 {
		t.Error("built index lacks the article")
	}
}

// recordingDB is a fakeDB that records the ids it is asked to reload.
type recordingDB struct {
	*fakeDB
	reloaded sync.Map // id → struct{}
}

func (r *recordingDB) SearchDocsByIDs(ctx context.Context, ids []uint64) ([]Doc, error) {
	for _, id := range ids {
		r.reloaded.Store(id, struct{}{})
	}
	return r.fakeDB.SearchDocsByIDs(ctx, ids)
}

// TestKeeperReadyHoldsEveryEarlierChange: once the index is ready, every
// change refreshed before holds in it, whether it came during the build
// or at its very end; none is left for the background worker to catch up
// on later. Changes keep coming in a tight loop while the index is built,
// many times over, to meet the build's last moment.
func TestKeeperReadyHoldsEveryEarlierChange(t *testing.T) {
	for round := range 40 {
		rows := map[uint64]Doc{}
		for id := uint64(1); id <= 50; id++ {
			rows[id] = Doc{ID: id, Title: "Article"}
		}
		db := &recordingDB{fakeDB: &fakeDB{rows: rows}}
		k := NewKeeper(db, nil)
		ctx, cancel := context.WithCancel(context.Background())
		var returned atomic.Uint64 // the last id whose Refresh returned
		done := make(chan struct{})
		go func() {
			defer close(done)
			for id := uint64(1); ctx.Err() == nil; id++ {
				if err := k.Refresh(ctx, id); err != nil {
					t.Error(err)
					return
				}
				returned.Store(id)
				runtime.Gosched() // let the build on, a change at a time
			}
		}()
		k.Start(ctx)
		deadline := time.Now().Add(10 * time.Second)
		for k.Index() == nil {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the index is not ready after 10 s of changes", round)
			}
			runtime.Gosched()
		}
		last := returned.Load()
		for id := uint64(1); id <= last; id++ {
			if _, ok := db.reloaded.Load(id); !ok {
				t.Fatalf("round %d: the index is ready, but the change to %d (refreshed before it was, up to %d) is not in it", round, id, last)
			}
		}
		cancel()
		<-done
	}
}
