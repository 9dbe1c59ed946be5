package events_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
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

// TestRelay: a failed publish leaves events pending, a later one hands
// them on in order and clears them; other consumers' marks stay.
func TestRelay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
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
		pub := &flaky{fails: 1}
		r := events.NewRelay(st, pub, events.RelayOptions{Batch: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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
		if err := st.AppendEvents(ctx, []string{events.ConsumerBroker}, rows...); err != nil {
			t.Fatal(err)
		}
		pub := &flaky{}
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
