package app

import (
	"context"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

// TestMemoryLimitFollowsSubscribers: the soft limit grows with the live
// subscriptions and comes back down when they leave; small changes leave
// it alone.
func TestMemoryLimitFollowsSubscribers(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	const base = 100 << 20
	debug.SetMemoryLimit(base)
	var n atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go followSubscribers(ctx, func() int { return int(n.Load()) }, base, time.Millisecond)

	waitLimit := func(want int64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for debug.SetMemoryLimit(-1) != want {
			if time.Now().After(deadline) {
				t.Fatalf("memory limit = %d, want %d", debug.SetMemoryLimit(-1), want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	tests := []struct {
		subscribers int64
		want        int64
	}{
		{10_000, base + 10_000*MemoryPerSubscriber},
		{10_010, base + 10_000*MemoryPerSubscriber}, // within 5%: unchanged
		{2_000, base + 2_000*MemoryPerSubscriber},
		{0, base},
	}
	for _, tc := range tests {
		n.Store(tc.subscribers)
		time.Sleep(20 * time.Millisecond)
		waitLimit(tc.want)
	}
}
