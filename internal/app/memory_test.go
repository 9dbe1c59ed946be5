package app

import (
	"context"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

// TestMemoryLimitFollowsNeeds: the soft limit grows with the live
// subscriptions and the search index, and comes back down when they
// leave; small changes leave it alone.
func TestMemoryLimitFollowsNeeds(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	const base = 100 << 20
	debug.SetMemoryLimit(base)
	var n, index atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	needs := memoryNeeds{subscribers: func() int { return int(n.Load()) }, searchIndex: index.Load}
	go followMemory(ctx, needs, base, time.Millisecond)

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
		subscribers, index int64
		want               int64
	}{
		{10_000, 0, base + 10_000*MemoryPerSubscriber},
		{10_010, 0, base + 10_000*MemoryPerSubscriber}, // within 5%: unchanged
		{2_000, 0, base + 2_000*MemoryPerSubscriber},
		{2_000, 100 << 20, base + 2_000*MemoryPerSubscriber + 150<<20},
		{0, 0, base},
	}
	for _, tc := range tests {
		n.Store(tc.subscribers)
		index.Store(tc.index)
		time.Sleep(20 * time.Millisecond)
		waitLimit(tc.want)
	}
}
