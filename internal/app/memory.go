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

// followSubscribers keeps the soft memory limit at base plus
// MemoryPerSubscriber for each live subscription, checked every interval.
// A fixed limit fitted to a replica serving pages would make the collector
// run continuously once tens of thousands of subscribers are connected
// (measured in docs/live-updates.md: 108 µs of CPU per delivery at 10,000
// subscribers under 192 MiB, 31 µs with room).
func followSubscribers(ctx context.Context, subscribers func() int, base int64, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	current := base
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		want := memoryLimit(base, subscribers())
		// Not for every subscriber that comes or goes: setting the limit
		// takes the heap lock.
		if want != current && (want > current+current/20 || want < current-current/10) {
			debug.SetMemoryLimit(want)
			current = want
		}
	}
}

// memoryLimit is the soft limit for base and n subscribers.
func memoryLimit(base int64, n int) int64 { return base + int64(n)*MemoryPerSubscriber }
