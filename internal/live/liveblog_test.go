package live

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/events"
)

func TestLiveCursor(t *testing.T) {
	at := time.Date(2026, 11, 3, 21, 4, 5, 123456789, time.UTC)
	c, err := DecodeCursor(EncodeCursor(42, at))
	if err != nil || c.Seq != 42 || !c.At.Equal(at) {
		t.Fatalf("round trip: %+v, %v", c, err)
	}
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, bad := range []string{"", "not base64!", b64("c1:{}"), b64("lb1:42"), b64("lb1:x:1"), b64("lb1:0:1"), b64("lb1:4:y")} {
		if _, err := DecodeCursor(bad); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("DecodeCursor(%q) = %v, want BAD_USER_INPUT", bad, err)
		}
	}
	h := &Hub{opts: Options{Retention: time.Hour}}
	if err := h.CheckCursor(Cursor{Seq: 1, At: time.Now().Add(-30 * time.Minute)}); err != nil {
		t.Errorf("a cursor within the retention: %v", err)
	}
	if err := h.CheckCursor(Cursor{Seq: 1, At: time.Now().Add(-2 * time.Hour)}); apperr.KindOf(err) != apperr.CursorExpired {
		t.Errorf("a cursor past the retention: %v", err)
	}
	forever := &Hub{opts: Options{Retention: -1}}
	if err := forever.CheckCursor(Cursor{Seq: 1, At: time.Unix(0, 0)}); err != nil {
		t.Errorf("retention forever: %v", err)
	}
}

// TestFollowerHandsOnEachChangeOnce replays changes while live ones arrive
// (some of them replayed too) and checks the client gets each once, in
// sequence order.
func TestFollowerHandsOnEachChangeOnce(t *testing.T) {
	ch := make(chan uint64, 100)
	f := &follower[uint64]{ch: ch, wrap: func(d *Delivery) uint64 { return d.Event.Seq }, max: 100, replaying: true, last: 3, cancel: func() {}}
	d := func(seq uint64) Delivery { return Delivery{Event: events.Event{Seq: seq}} }
	// Live changes 6 and 7 arrive during the replay of 4..6.
	f.send(d(6))
	f.send(d(7))
	ctx := context.Background()
	for _, seq := range []uint64{4, 5, 6} {
		if !f.put(ctx, d(seq)) {
			t.Fatal("put refused")
		}
	}
	f.goLive(ctx, true)
	f.send(d(7)) // a duplicate from another broker path
	f.send(d(8))
	f.end() // the hub ends it: the channel closes
	var got []uint64
	for seq := range ch {
		got = append(got, seq)
	}
	want := []uint64{4, 5, 6, 7, 8}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// TestFollowerEndsWhenTheReplayFails: a failed replay ends the
// subscription (the client resubscribes from its cursor) rather than going
// on live with a gap.
func TestFollowerEndsWhenTheReplayFails(t *testing.T) {
	ch := make(chan uint64, 10)
	unsubscribed := false
	f := &follower[uint64]{ch: ch, wrap: func(d *Delivery) uint64 { return d.Event.Seq }, max: 10, replaying: true,
		cancel: func() {}, unsubscribe: func() { unsubscribed = true }}
	f.send(Delivery{Event: events.Event{Seq: 9}})
	f.goLive(context.Background(), false)
	if _, open := <-ch; open || !unsubscribed {
		t.Errorf("after a failed replay: channel open %v, unsubscribed %v", open, unsubscribed)
	}
}
