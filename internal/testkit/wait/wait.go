// Package wait polls for a condition in tests, bounded, without asserting
// anything about how long it took.
package wait

import (
	"testing"
	"time"
)

// Limit is how long Until waits before failing the test.
const Limit = 30 * time.Second

// Until polls cond until it holds, failing tb if it has not after Limit.
func Until(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(Limit)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
