package app

import (
	"context"
	"runtime/debug"
	"time"
)

// MemoryPerSubscriber is what the soft memory limit grows by for each live
// subscription: a connected subscriber keeps about 50 KiB live (goroutines,
// socket buffers, its bounded channel), and the rest is room for the
// garbage of its deliveries, so the collector does not run without pause
// when many are connected.
const MemoryPerSubscriber = 128 << 10

// memoryNeeds is what a replica holds beyond its base: live subscriptions
// and the search index.
type memoryNeeds struct {
	subscribers func() int
	searchIndex func() int64 // bytes
}

// limit is the soft limit for base and the current needs. The index's
// estimate counts half again, for what the estimate leaves out.
func (m memoryNeeds) limit(base int64) int64 {
	n := base
	if m.subscribers != nil {
		n += int64(m.subscribers()) * MemoryPerSubscriber
	}
	if m.searchIndex != nil {
		n += m.searchIndex() * 3 / 2
	}
	return n
}

// followMemory keeps the soft memory limit at base plus what the replica
// holds for its subscribers and its search index, checked every interval.
// A fixed limit fitted to a replica serving pages would make the collector
// run continuously once tens of thousands of subscribers are connected
// (measured in docs/live-updates.md: 108 µs of CPU per delivery at 10,000
// subscribers under 192 MiB, 43 µs with room), or once the search index of
// a large archive takes most of it.
func followMemory(ctx context.Context, needs memoryNeeds, base int64, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	current := base
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		want := needs.limit(base)
		// Not for every subscriber that comes or goes: setting the limit
		// takes the heap lock.
		if want != current && (want > current+current/20 || want < current-current/10) {
			debug.SetMemoryLimit(want)
			current = want
		}
	}
}
