package retry

import (
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	for _, tc := range []struct {
		base     time.Duration
		attempts int
		want     time.Duration // before jitter
	}{
		{time.Minute, 1, time.Minute},
		{time.Minute, 2, 2 * time.Minute},
		{time.Minute, 5, 16 * time.Minute},
		{time.Minute, 10, MaxDelay}, // 512 minutes, capped
		{time.Second, 1000, MaxDelay},
	} {
		for range 20 {
			got := Delay(tc.base, tc.attempts)
			lo, hi := tc.want-tc.want/5, tc.want+tc.want/5
			if got < lo || got > hi {
				t.Fatalf("Delay(%v, %d) = %v, want %v ±20%%", tc.base, tc.attempts, got, tc.want)
			}
		}
	}
}
