package searchindex

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Loader reads articles from the database for the index.
type Loader interface {
	// SearchDocs returns up to limit articles with ids above afterID, in
	// id order, whatever their status (deleted ones too).
	SearchDocs(ctx context.Context, afterID uint64, limit int) ([]Doc, error)
	// SearchDocsByIDs returns the articles among ids that exist.
	SearchDocsByIDs(ctx context.Context, ids []uint64) ([]Doc, error)
}

// Keeper keeps an Index in step with the database: Build reads every
// article once; Refresh reloads changed articles (on the replica that
// wrote them, right after the commit; on the others, when the event
// arrives); Notify queues ids for the background worker (changes during
// the build, reloads that failed). Reloads read the
// article's current row, one at a time under one lock, so a reload never
// applies a state older than one already applied, whatever order the
// events arrive in: the index converges on the database.
type Keeper struct {
	idx     *Index
	load    Loader
	log     *slog.Logger
	ready   atomic.Bool
	start   atomic.Bool   // Start was called: the build runs in the background
	failed  atomic.Bool   // the background build failed (it is tried again)
	done    chan struct{} // closed once built
	mu      sync.Mutex    // one build or reload at a time
	built   bool          // under mu
	queued  sync.Mutex
	ids     map[uint64]struct{} // ids Notify queued, under queued
	closing bool                // the build took the last queued ids: Refresh reloads at once; under queued
	wake    chan struct{}
	// Stats of the last build.
	BuildTime time.Duration
	BuildDocs int
	reloads   atomic.Int64 // articles reloaded after they were read by the build, or queued during it
}

// batch is how many articles a build reads per statement.
const batch = 1000

// NewKeeper returns a Keeper of an empty index; nothing is read until
// Build or Start.
func NewKeeper(load Loader, log *slog.Logger) *Keeper {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Keeper{idx: New(), load: load, log: log, ids: map[uint64]struct{}{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// Index returns the index once built, else nil (search then asks the
// database).
func (k *Keeper) Index() *Index {
	if !k.ready.Load() {
		return nil
	}
	return k.idx
}

// Ready returns the index. While a background build runs (Start), it
// waits for it until ctx ends: a search waiting a few seconds at start
// costs less than one answered by the database meanwhile, which would
// also slow the build down. When nothing started the index (a server
// without Start), it builds it now. It returns nil when ctx ends first or
// the build failed: search then asks the database.
func (k *Keeper) Ready(ctx context.Context) *Index {
	if k.ready.Load() {
		if !k.start.Load() && k.pending() {
			// No worker runs: reload what Notify queued now.
			k.mu.Lock()
			err := k.drain(context.Background())
			k.mu.Unlock()
			if err != nil {
				k.log.Warn("search index: reload changed articles", "err", err)
			}
		}
		return k.idx
	}
	if k.start.Load() {
		if k.failed.Load() {
			return nil
		}
		select {
		case <-k.done:
			return k.idx
		case <-ctx.Done():
			return nil
		}
	}
	// The build's statements are the replica's, not the request's.
	if err := k.Build(context.Background()); err != nil {
		k.log.Warn("search index: build failed; search asks the database", "err", err)
		return nil
	}
	return k.idx
}

// Build reads every article into the index, unless it is built already;
// ids queued meanwhile are reloaded after it.
func (k *Keeper) Build(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.built {
		return nil
	}
	started := time.Now()
	var after uint64
	n := 0
	for {
		docs, err := k.load.SearchDocs(ctx, after, batch)
		if err != nil {
			return fmt.Errorf("build the search index: %w", err)
		}
		if len(docs) == 0 {
			break
		}
		k.idx.PutAll(docs)
		n += len(docs)
		after = docs[len(docs)-1].ID
	}
	k.built = true
	k.BuildTime, k.BuildDocs = time.Since(started), n
	if err := k.drain(ctx); err != nil {
		k.log.Warn("search index: reload articles changed during the build", "err", err)
	}
	// The last ids queued are taken under the queue's lock, which Refresh
	// queues under: from then on Refresh reloads at once (waiting for this
	// build), so every change heard before the index is ready is in it
	// when it is, and a steady stream of changes cannot keep it from
	// being ready.
	k.queued.Lock()
	k.closing = true
	rest := make([]uint64, 0, len(k.ids))
	for id := range k.ids {
		rest = append(rest, id)
	}
	clear(k.ids)
	k.queued.Unlock()
	if len(rest) > 0 {
		if err := k.reload(ctx, rest); err != nil {
			k.log.Warn("search index: reload articles changed during the build", "err", err)
			k.Notify(rest...) // the worker tries them again
		}
	}
	k.ready.Store(true)
	close(k.done)
	return nil
}

// Start builds the index in the background (trying again every 5 s when
// it fails) and then reloads what Notify queues until ctx ends. Until the
// build is done, Index is nil and Ready waits for it.
func (k *Keeper) Start(ctx context.Context) {
	k.start.Store(true)
	go func() {
		for {
			err := k.Build(ctx)
			if err == nil {
				k.failed.Store(false)
				break
			}
			if ctx.Err() != nil {
				return
			}
			k.failed.Store(true)
			k.log.Error("search index: build failed; search asks the database until a new try succeeds", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Second):
			}
		}
		// The build's garbage (every article's text, read once) goes back
		// to the system rather than staying in the heap's high-water mark.
		debug.FreeOSMemory()
		k.log.Info("search index built", "articles", k.BuildDocs, "took", k.BuildTime.Round(time.Millisecond),
			"index_mib", k.idx.Bytes()>>20)
		for {
			select {
			case <-ctx.Done():
				return
			case <-k.wake:
			}
			k.mu.Lock()
			err := k.drain(ctx)
			k.mu.Unlock()
			if err != nil && ctx.Err() == nil {
				k.log.Warn("search index: reload changed articles", "err", err)
				select { // the database is away: try again in a while
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
				}
			}
		}
	}()
}

// Notify queues articles to reload (from events); it never blocks.
func (k *Keeper) Notify(ids ...uint64) {
	k.queued.Lock()
	for _, id := range ids {
		k.ids[id] = struct{}{}
	}
	k.queued.Unlock()
	k.wakeWorker()
}

// wakeWorker tells the background worker there are ids to reload.
func (k *Keeper) wakeWorker() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// Refresh reloads the articles now (after a commit, or an event). While
// the index is built they are only queued, without waiting for it: the
// build reloads them before the index is ready. Once the build has taken
// the last queued ids, Refresh waits for it to end and reloads them.
func (k *Keeper) Refresh(ctx context.Context, ids ...uint64) error {
	k.queued.Lock()
	if !k.ready.Load() && !k.closing {
		for _, id := range ids {
			k.ids[id] = struct{}{}
		}
		k.queued.Unlock()
		k.wakeWorker()
		return nil
	}
	k.queued.Unlock()
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.reload(ctx, ids)
}

func (k *Keeper) pending() bool {
	k.queued.Lock()
	defer k.queued.Unlock()
	return len(k.ids) > 0
}

// drain reloads the queued ids; under mu.
func (k *Keeper) drain(ctx context.Context) error {
	k.queued.Lock()
	ids := make([]uint64, 0, len(k.ids))
	for id := range k.ids {
		ids = append(ids, id)
	}
	clear(k.ids)
	k.queued.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if err := k.reload(ctx, ids); err != nil {
		k.Notify(ids...) // try again on the next wake
		return err
	}
	return nil
}

// reload reads ids and puts or removes each; under mu.
func (k *Keeper) reload(ctx context.Context, ids []uint64) error {
	docs, err := k.load.SearchDocsByIDs(ctx, ids)
	if err != nil {
		return fmt.Errorf("reload articles %v into the search index: %w", ids, err)
	}
	k.reloads.Add(int64(len(ids)))
	found := map[uint64]bool{}
	for _, d := range docs {
		found[d.ID] = true
		k.idx.Put(d)
	}
	for _, id := range ids {
		if !found[id] {
			k.idx.Remove(id)
		}
	}
	return nil
}

// SetLogger replaces the logger (before Start).
func (k *Keeper) SetLogger(log *slog.Logger) {
	if log != nil {
		k.log = log
	}
}

// Reloads reports how many articles were reloaded (one per id per
// reload): changes queued during the build, and every one after it.
func (k *Keeper) Reloads() int64 { return k.reloads.Load() }

// Stats reports how many articles the index holds and how long its build took.
func (k *Keeper) Stats() (articles int, build time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.idx.Len(), k.BuildTime
}
