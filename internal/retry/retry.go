// Package retry paces retries: of queued jobs (emails, webhook
// deliveries) whose attempt count is kept with the job, on
// github.com/cenkalti/backoff, and of loops that retry until stopped (Sleep).
package retry

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// MaxDelay caps the wait between two attempts.
const MaxDelay = 6 * time.Hour

// Delay returns the wait after a job's attempt number attempts (1 for the
// first) failed: base, doubling with each attempt up to MaxDelay, each
// with ±20% jitter so jobs that failed together do not retry together.
func Delay(base time.Duration, attempts int) time.Duration {
	b := &backoff.ExponentialBackOff{InitialInterval: base, RandomizationFactor: 0.2, Multiplier: 2, MaxInterval: MaxDelay}
	b.Reset()
	d := b.NextBackOff()
	// Past about 20 doublings every base is capped: stop counting there.
	for range min(attempts, 24) - 1 {
		d = b.NextBackOff()
	}
	return d
}

// Sleep waits d or until ctx ends, and reports whether ctx is still alive:
// the pause of a loop that retries until it is stopped.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
