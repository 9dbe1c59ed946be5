package events_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/events/pubsub"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

func TestArticleEventType(t *testing.T) {
	cases := []struct {
		name                                  string
		created, deleted, wasVisible, visible bool
		want                                  string
	}{
		{"new draft", true, false, false, false, events.ArticleCreated},
		{"created published", true, false, false, true, events.ArticlePublished},
		{"published", false, false, false, true, events.ArticlePublished},
		{"correction", false, false, true, true, events.ArticleUpdated},
		{"draft edit", false, false, false, false, events.ArticleUpdated},
		{"unpublished or rescheduled", false, false, true, false, events.ArticleUnpublished},
		{"deleted while published", false, true, true, false, events.ArticleDeleted},
		{"deleted draft", false, true, false, false, events.ArticleDeleted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := events.ArticleEventType("x", c.created, c.deleted, c.wasVisible, c.visible); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestRowRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.UTC)
	row, err := events.NewRow(events.ArticlePublished, events.ObjectArticle, 7, "desk", at, events.Payload{Action: "article.publish", Article: &events.ArticleState{Slug: "s", ReaderVisible: true}})
	if err != nil {
		t.Fatal(err)
	}
	row.CreatedAt = at.Truncate(time.Second) // as SQLite keeps it
	ev, err := events.FromRow(row)
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID == "" || ev.ID != row.EventID || !ev.OccurredAt.Equal(at) || ev.Payload.Article.Slug != "s" {
		t.Errorf("round trip: %+v", ev)
	}
	b, _ := ev.Marshal()
	back, err := events.Decode(b)
	if err != nil || back.ID != ev.ID || !back.OccurredAt.Equal(at) {
		t.Errorf("decode: %+v, %v", back, err)
	}
	if _, err := events.Decode([]byte(`{"type":"x"}`)); err == nil {
		t.Error("an event without id decoded")
	}
}

// flaky fails its first publishes, then records what it gets.
type flaky struct {
	mu    sync.Mutex
	fails int
	got   []string
}

func (f *flaky) Publish(_ context.Context, msgs []pubsub.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails > 0 {
		f.fails--
		return errors.New("broker away")
	}
	for _, m := range msgs {
		f.got = append(f.got, m.ID)
	}
	return nil
}

// named is a publisher with a broker identity.
type named struct {
	*flaky
	id string
}

func (n *named) Identity() string { return n.id }

// TestRelay: a failed publish leaves events pending, a later one hands
// them on in order and clears them; other consumers' marks stay.
func TestRelay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
		pub := &flaky{fails: 1}
		r := events.NewRelay(st, pub, events.RelayOptions{Batch: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err := r.Register(ctx); err != nil {
			t.Fatal(err)
		}
		var ids []string
		err := st.Tx(ctx, func(tx *store.Store) error {
			for i := range 5 {
				row, err := events.NewRow(events.AuthorUpdated, events.ObjectAuthor, uint64(i+1), "t", time.Now(), events.Payload{})
				if err != nil {
					return err
				}
				ids = append(ids, row.EventID)
				if err := tx.AppendEvents(ctx, []string{events.ConsumerBroker, "webhooks"}, row); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := r.Drain(ctx); err == nil || n != 0 {
			t.Fatalf("drain with the broker away: %d, %v", n, err)
		}
		if n, _ := r.Backlog(ctx); n != 5 {
			t.Fatalf("backlog after a failed publish: %d, want 5", n)
		}
		if n, err := r.Drain(ctx); err != nil || n != 5 {
			t.Fatalf("drain: %d, %v", n, err)
		}
		if len(pub.got) != 5 || pub.got[0] != ids[0] || pub.got[4] != ids[4] {
			t.Errorf("published %v, want %v", pub.got, ids)
		}
		if n, _ := r.Backlog(ctx); n != 0 {
			t.Errorf("backlog after drain: %d", n)
		}
		if n, _ := st.CountPending(ctx, "webhooks"); n != 5 {
			t.Errorf("another consumer's marks: %d, want 5", n)
		}
		// Handled by everyone and old: pruned.
		for _, c := range []string{"webhooks"} {
			evs, _ := st.PendingEvents(ctx, c, 10)
			seqs := make([]uint64, len(evs))
			for i, e := range evs {
				seqs[i] = e.Seq
			}
			st.MarkHandled(ctx, c, seqs)
		}
		if n, err := st.PruneEvents(ctx, time.Now().Add(time.Hour), 100); err != nil || n != 5 {
			t.Errorf("prune: %d, %v", n, err)
		}
	})
}

// TestConcurrentRelaysShareTheWork: relays of several replicas draining one
// outbox at once publish each event once (MySQL skips rows another holds;
// SQLite serialises).
func TestConcurrentRelaysShareTheWork(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
		const n = 200
		rows := make([]*models.OutboxEvent, n)
		for i := range rows {
			rows[i], _ = events.NewRow(events.AuthorUpdated, events.ObjectAuthor, 1, "t", time.Now(), events.Payload{})
		}
		pub := &flaky{}
		if err := events.NewRelay(st, pub, events.RelayOptions{}).Register(ctx); err != nil {
			t.Fatal(err)
		}
		if err := st.AppendEvents(ctx, []string{events.ConsumerBroker}, rows...); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := events.NewRelay(store.New(db), pub, events.RelayOptions{Batch: 10, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				if _, err := r.Drain(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		seen := map[string]int{}
		for _, id := range pub.got {
			seen[id]++
		}
		if len(seen) != n {
			t.Errorf("published %d distinct events, want %d", len(seen), n)
		}
		if db.Dialect == dbconn.MySQL {
			for id, c := range seen {
				if c > 1 {
					t.Errorf("event %s published %d times", id, c)
				}
			}
		}
	})
}

// TestRelayProgressPerBroker: relays on different brokers each publish
// every event, relays on one broker share them; a broker that registers
// takes over marks from before brokers were told apart; an expired
// broker's backlog is dropped, so the outbox can be pruned; a private
// broker's registration goes when it unregisters.
func TestRelayProgressPerBroker(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
		quiet := events.RelayOptions{Batch: 3, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		appendN := func(n int) []string {
			t.Helper()
			var ids []string
			for range n {
				row, _ := events.NewRow(events.AuthorUpdated, events.ObjectAuthor, 1, "t", time.Now(), events.Payload{})
				if err := st.Tx(ctx, func(tx *store.Store) error {
					return tx.AppendEvents(ctx, []string{events.ConsumerBroker}, row)
				}); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, row.EventID)
			}
			return ids
		}
		// Marks written before this version, under the shared name.
		legacy, _ := events.NewRow(events.AuthorUpdated, events.ObjectAuthor, 1, "t", time.Now(), events.Payload{})
		if err := st.AppendEvents(ctx, []string{"webhooks"}, legacy); err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&models.OutboxPending{Consumer: events.ConsumerBroker, EventSeq: legacy.Seq}).Error; err != nil {
			t.Fatal(err)
		}

		shared, private := &named{flaky: &flaky{}, id: "redis:test:6379/0#events"}, &flaky{}
		a := events.NewRelay(st, shared, quiet)
		b := events.NewRelay(st, shared, quiet) // another replica on the same broker
		m := events.NewRelay(st, private, quiet)
		if a.Consumer() != b.Consumer() || a.Consumer() == m.Consumer() {
			t.Fatalf("consumers %q %q %q", a.Consumer(), b.Consumer(), m.Consumer())
		}
		for _, r := range []*events.Relay{a, b, m} {
			if err := r.Register(ctx); err != nil {
				t.Fatal(err)
			}
		}
		ids := appendN(7)
		for _, r := range []*events.Relay{m, a, b} {
			if _, err := r.Drain(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := strings.Join(private.got, ","); got != strings.Join(ids, ",") {
			t.Errorf("the other broker got %v, want %v", private.got, ids)
		}
		want := append([]string{legacy.EventID}, ids...)
		if got := strings.Join(shared.got, ","); got != strings.Join(want, ",") {
			t.Errorf("the shared broker got %v, want the old backlog and then %v", shared.got, want)
		}
		if n, _ := st.CountPending(ctx, events.ConsumerBroker); n != 0 {
			t.Errorf("%d marks left under the old shared name", n)
		}

		// m stops renewing and expires: its backlog goes, the events can be
		// pruned once everyone else has them.
		late := appendN(2)
		if _, err := a.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if n, _ := m.Backlog(ctx); n != 2 {
			t.Fatalf("backlog of the idle broker: %d, want 2", n)
		}
		if old, err := st.OldestPending(ctx, events.ConsumerBroker); err != nil || old == nil {
			t.Errorf("oldest event some broker waits for: %v, %v", old, err)
		}
		if err := db.Model(&models.OutboxBroker{}).Where("consumer = ?", m.Consumer()).Update("expires_at", time.Now().Add(-time.Minute)).Error; err != nil {
			t.Fatal(err)
		}
		gone, err := st.ExpireBrokers(ctx, time.Now())
		if err != nil || len(gone) != 1 || gone[0] != m.Consumer() {
			t.Fatalf("expired %v, %v; want %s", gone, err, m.Consumer())
		}
		if n, _ := m.Backlog(ctx); n != 0 {
			t.Errorf("backlog of the expired broker: %d", n)
		}
		st.MarkHandled(ctx, "webhooks", []uint64{legacy.Seq})
		if n, err := st.PruneEvents(ctx, time.Now().Add(time.Hour), 100); err != nil || n != int64(1+len(ids)+len(late)) {
			t.Errorf("pruned %d, %v; want %d", n, err, 1+len(ids)+len(late))
		}
		// An expired broker that comes back registers anew and gets what follows.
		if err := m.Register(ctx); err != nil {
			t.Fatal(err)
		}
		next := appendN(1)
		if _, err := m.Drain(ctx); err != nil || private.got[len(private.got)-1] != next[0] {
			t.Errorf("after coming back: %v, %v", private.got, err)
		}
		// Unregistering a private broker drops it; a shared one stays.
		appendN(1)
		for _, r := range []*events.Relay{m, a} {
			if err := r.Unregister(ctx); err != nil {
				t.Fatal(err)
			}
		}
		names, _ := st.RegisteredBrokers(ctx)
		if len(names) != 1 || names[0] != a.Consumer() {
			t.Errorf("registered after unregistering: %v, want only %s", names, a.Consumer())
		}
	})
}
