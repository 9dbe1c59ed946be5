package server_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

const expiryFields = `query($id: ID!) { node(id: $id) { ... on Article { status expiresAt embargoUntil } } }`

type expiryView struct {
	Node struct {
		Status                  string
		ExpiresAt, EmbargoUntil *time.Time
	}
}

// TestTakeDownAndEmbargo: unpublishArticle(at:) schedules a take-down that
// readers see at its second, before the scheduler runs; the scheduler then
// makes the article a draft exactly once across replicas. A past `at`
// means now. An embargo refuses publication before it, now or scheduled.
func TestTakeDownAndEmbargo(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		start := time.Date(2030, 6, 1, 8, 0, 0, 0, time.UTC)
		clock := testserver.NewClock(start)
		// The response cache on the same clock, keeping answers for a day:
		// only the take-down time can end a cached answer here.
		s := testserver.New(t, db, []content.Option{content.WithClock(clock.Now)}, func(c *server.Config) {
			c.ResponseCache = httpcache.StoreOptions{TTL: 24 * time.Hour, Now: clock.Now}
		})
		editor := s.Token(t, "desk", auth.Editor)
		fmtTime := func(d time.Duration) string { return start.Add(d).Format(time.RFC3339) }

		t.Run("take-down", func(t *testing.T) {
			a := create(t, s, editor, map[string]any{"title": "Offer ends Friday", "status": "PUBLISHED"})
			p := payload(t, s, editor, unpublishAt, map[string]any{"id": a.Article.ID, "at": fmtTime(time.Hour)})
			if len(p.UserErrors) > 0 || p.Article.Status != "PUBLISHED" {
				t.Fatalf("schedule the take-down: %+v", p)
			}
			var v expiryView
			s.MustData(t, testserver.Request{Token: editor, Query: expiryFields, Variables: map[string]any{"id": a.Article.ID}}, &v)
			if v.Node.ExpiresAt == nil || !v.Node.ExpiresAt.Equal(start.Add(time.Hour)) {
				t.Fatalf("expiresAt: %+v", v.Node)
			}
			if readerTitle(t, s, a.Article.Slug) == "" || !slices.Contains(homeTitles(t, s), "Offer ends Friday") {
				t.Fatal("hidden before its take-down time")
			}
			clock.Advance(time.Hour)
			// At that second, before any scheduler ran: gone from every path.
			if readerTitle(t, s, a.Article.Slug) != "" || slices.Contains(homeTitles(t, s), "Offer ends Friday") || searchCount(t, s, "offer friday") != 0 {
				t.Error("readers still see an article past its take-down time")
			}
			replicas := []*content.Service{s.Content, content.New(content.StorageOf(store.New(db)), content.WithClock(clock.Now)), content.New(content.StorageOf(store.New(db)), content.WithClock(clock.Now))}
			counts := make([]int, len(replicas))
			var wg sync.WaitGroup
			for i, r := range replicas {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := r.ExpireDue(context.Background())
					if err != nil {
						t.Errorf("replica %d: %v", i, err)
					}
					counts[i] = n
				}()
			}
			wg.Wait()
			if counts[0]+counts[1]+counts[2] != 1 {
				t.Fatalf("taken down %v times across replicas, want once", counts)
			}
			s.MustData(t, testserver.Request{Token: editor, Query: expiryFields, Variables: map[string]any{"id": a.Article.ID}}, &v)
			if v.Node.Status != "DRAFT" || v.Node.ExpiresAt != nil {
				t.Errorf("after the scheduler: %+v, want a DRAFT with no take-down time", v.Node)
			}
			var events int64
			if err := db.SQL().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = ?", content.ActionExpire).Scan(&events); err != nil || events != 1 {
				t.Errorf("%d audit entries of the take-down (%v), want 1", events, err)
			}
		})

		t.Run("bad take-downs", func(t *testing.T) {
			a := create(t, s, editor, map[string]any{"title": "Past take-down", "status": "PUBLISHED"})
			p := payload(t, s, editor, unpublishAt, map[string]any{"id": a.Article.ID, "at": clock.Now().Add(-time.Minute).Format(time.RFC3339)})
			if len(p.UserErrors) > 0 || p.Article.Status != "DRAFT" || readerTitle(t, s, a.Article.Slug) != "" {
				t.Errorf("a past at: %+v, want taken down now", p)
			}
			if p := payload(t, s, editor, unpublishAt, map[string]any{"id": a.Article.ID, "at": clock.Now().Add(time.Hour).Format(time.RFC3339)}); !hasCode(p.UserErrors, "INVALID") {
				t.Errorf("a take-down of a draft: %+v", p)
			}
			sched := create(t, s, editor, map[string]any{"title": "Scheduled then pulled"})
			payload(t, s, editor, publishAt, map[string]any{"id": sched.Article.ID, "at": clock.Now().Add(2 * time.Hour).Format(time.RFC3339)})
			if p := payload(t, s, editor, unpublishAt, map[string]any{"id": sched.Article.ID, "at": clock.Now().Add(time.Hour).Format(time.RFC3339)}); len(p.UserErrors) != 1 || p.UserErrors[0].Field[0] != "at" {
				t.Errorf("a take-down before the publication: %+v", p)
			}
		})

		t.Run("embargo", func(t *testing.T) {
			until := clock.Now().Add(2 * time.Hour)
			if p := create(t, s, editor, map[string]any{"title": "Embargoed at birth", "status": "PUBLISHED", "embargoUntil": until.Format(time.RFC3339)}); !hasCode(p.UserErrors, "EMBARGOED") || p.Article != nil {
				t.Errorf("create published under embargo: %+v", p)
			}
			a := create(t, s, editor, map[string]any{"title": "Quarterly results", "embargoUntil": until.Format(time.RFC3339)})
			id := a.Article.ID
			if p := payload(t, s, editor, publishAt, map[string]any{"id": id}); !hasCode(p.UserErrors, "EMBARGOED") {
				t.Errorf("publish now under embargo: %+v", p)
			}
			if p := payload(t, s, editor, publishAt, map[string]any{"id": id, "at": until.Add(-time.Minute).Format(time.RFC3339)}); !hasCode(p.UserErrors, "EMBARGOED") || p.UserErrors[0].Field[0] != "at" {
				t.Errorf("schedule before the embargo: %+v", p)
			}
			if readerTitle(t, s, a.Article.Slug) != "" {
				t.Error("a reader sees the embargoed article")
			}
			if p := payload(t, s, editor, publishAt, map[string]any{"id": id, "at": until.Format(time.RFC3339)}); len(p.UserErrors) > 0 || p.Article.Status != "SCHEDULED" {
				t.Errorf("schedule at the embargo: %+v", p)
			}
			// Lifting the embargo (null) lets it out now.
			lift := payload(t, s, editor, `mutation($id: ID!) { p: updateArticle(id: $id, input: {embargoUntil: null}) { `+articleFields+` } }`, map[string]any{"id": id})
			if len(lift.UserErrors) > 0 {
				t.Fatalf("lift the embargo: %+v", lift)
			}
			if p := payload(t, s, editor, publishAt, map[string]any{"id": id}); len(p.UserErrors) > 0 || p.Article.Status != "PUBLISHED" {
				t.Errorf("publish after lifting the embargo: %+v", p)
			}
			// An embargo set after publication would contradict it.
			if p := payload(t, s, editor, `mutation($id: ID!, $at: Time) { p: updateArticle(id: $id, input: {embargoUntil: $at}) { `+articleFields+` } }`, map[string]any{"id": id, "at": until.Format(time.RFC3339)}); !hasCode(p.UserErrors, "EMBARGOED") {
				t.Errorf("embargo on a published article: %+v", p)
			}
		})
	})
}
