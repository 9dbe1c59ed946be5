package server_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/events/pubsub"
	"github.com/broadsheet/broadsheet/internal/fulltext"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/testkit/wait"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/models"
)

// The in-process search index (internal/searchindex) answers search once
// built; these tests hold it to the database: it follows every write on
// the replica that made it at once, and on another replica through the
// events, and the visibility rule holds on it.

// found returns the slugs a search finds, checking totalCount agrees.
func found(t *testing.T, s *testserver.Server, token, q string, vars map[string]any) []string {
	t.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	vars["first"] = 100
	got, r := search(t, s, token, q, vars)
	if got.Search.TotalCount != len(got.Search.Edges) {
		t.Errorf("search %q: totalCount %d, %d edges (%s %v)", q, got.Search.TotalCount, len(got.Search.Edges), r.Body, r.Header)
	}
	return got.slugs()
}

func wantFound(t *testing.T, s *testserver.Server, token, q string, vars map[string]any, want ...string) {
	t.Helper()
	got := found(t, s, token, q, vars)
	if len(got) != len(want) {
		t.Errorf("search %q (token %q, %v) found %v, want %v", q, token, vars, got, want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("search %q (token %q, %v) found %v, want %v", q, token, vars, got, want)
			return
		}
	}
}

// TestSearchIndexFollowsWrites: on the replica that writes, a search right
// after the mutation sees it: new words, changed words, publication,
// scheduling, expiry, deletion and restoring, and locale.
func TestSearchIndexFollowsWrites(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		clock := testserver.NewClock(time.Now().UTC().Truncate(time.Second))
		// No response cache: it does not know the test's clock.
		s := testserver.New(t, db, []content.Option{content.WithClock(clock.Now), trLocales(t)}, func(c *server.Config) {
			c.Authenticate, c.DisableResponseCache = editorAuth, true
		})
		ctx := context.Background()
		svc := s.Content
		wantFound(t, s, "", "zanzibarine", nil) // builds the index
		if !svc.SearchIndexed() {
			t.Fatal("search did not build the index")
		}

		pub, err := svc.CreateArticle(ctx, content.ArticleInput{Title: "Zanzibarine quokkas", Body: "A story of quokkas.", Status: models.StatusPublished})
		if err != nil {
			t.Fatal(err)
		}
		wantFound(t, s, "", "zanzibarine", nil, pub.Slug)
		wantFound(t, s, "", `"zanzibarine quokkas"`, nil, pub.Slug)
		wantFound(t, s, "", "quokka", nil, pub.Slug) // a prefix while typing

		title := "Quetzal plumage"
		if _, err := svc.UpdateArticle(ctx, pub.ID, content.ArticleChanges{Title: &title}, nil); err != nil {
			t.Fatal(err)
		}
		wantFound(t, s, "", "zanzibarine", nil)
		wantFound(t, s, "", "quetzal plumage", nil, pub.Slug)

		draft, err := svc.CreateArticle(ctx, content.ArticleInput{Title: "Marmalade draft"})
		if err != nil {
			t.Fatal(err)
		}
		wantFound(t, s, "", "marmalade", nil)
		wantFound(t, s, "test-editor", "marmalade", nil, draft.Slug)
		if _, err := svc.PublishArticle(ctx, draft.ID, nil); err != nil {
			t.Fatal(err)
		}
		wantFound(t, s, "", "marmalade", nil, draft.Slug)

		// Scheduled: hidden until the scheduler publishes it.
		sched, err := svc.CreateArticle(ctx, content.ArticleInput{Title: "Pumpernickel later"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.PublishArticle(ctx, sched.ID, ptr(clock.Now().Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		wantFound(t, s, "", "pumpernickel", nil)
		wantFound(t, s, "test-editor", "pumpernickel", nil, sched.Slug)
		// Published with a time to come: hidden until the time comes, with no write.
		future, err := svc.CreateArticle(ctx, content.ArticleInput{Title: "Gingerbread future", Status: models.StatusPublished, PublishedAt: ptr(clock.Now().Add(30 * time.Minute))})
		if err != nil {
			t.Fatal(err)
		}
		wantFound(t, s, "", "gingerbread", nil)
		clock.Advance(2 * time.Hour)
		wantFound(t, s, "", "gingerbread", nil, future.Slug)
		wantFound(t, s, "", "pumpernickel", nil)
		if _, err := svc.PublishDue(ctx); err != nil {
			t.Fatal(err)
		}
		wantFound(t, s, "", "pumpernickel", nil, sched.Slug)

		// A take-down at a time to come: found until then.
		if _, err := svc.UnpublishArticle(ctx, future.ID, ptr(clock.Now().Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		wantFound(t, s, "", "gingerbread", nil, future.Slug)
		clock.Advance(2 * time.Hour)
		wantFound(t, s, "", "gingerbread", nil)

		if _, err := svc.DeleteArticle(ctx, draft.ID); err != nil {
			t.Fatal(err)
		}
		wantFound(t, s, "", "marmalade", nil)
		wantFound(t, s, "test-editor", "marmalade", nil)
		if _, err := svc.RestoreArticle(ctx, draft.ID); err != nil {
			t.Fatal(err)
		}
		wantFound(t, s, "test-editor", "marmalade", nil, draft.Slug)

		fr := "fr"
		french, err := svc.CreateArticle(ctx, content.ArticleInput{Title: "Quetzal en français", Status: models.StatusPublished, Locale: &fr})
		if err != nil {
			t.Fatal(err)
		}
		wantFound(t, s, "", "quetzal", map[string]any{"filter": map[string]any{"locale": "fr"}}, french.Slug)
		wantFound(t, s, "", "quetzal", map[string]any{"filter": map[string]any{"locale": "en"}}, pub.Slug)
		if got := found(t, s, "", "quetzal", nil); len(got) != 2 {
			t.Errorf("quetzal in every locale: %v", got)
		}
	})
}

// TestSearchIndexOnSecondReplica: two servers on one database and one
// broker, each with its own index; what one writes, the other's index
// finds (or stops finding) once the event arrives.
func TestSearchIndexOnSecondReplica(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		bus := pubsub.NewMemory()
		t.Cleanup(func() { bus.Close() })
		a := testserver.NewLive(t, db, testserver.LiveOptions{Broker: bus, KeepBroker: true, Demo: true})
		b := testserver.NewLive(t, db, testserver.LiveOptions{Broker: bus, KeepBroker: true})
		wait.Until(t, "both indexes built", func() bool { return a.Content.SearchIndexed() && b.Content.SearchIndexed() })
		editor := a.Token(t, "replicas", auth.Editor)
		wantFound(t, b.Server, "", "korea satellites", nil, demo.SeedSlug)

		p := create(t, a.Server, editor, map[string]any{"title": "Xylophonist parade", "status": "PUBLISHED"}).Article
		wantFound(t, a.Server, "", "xylophonist", nil, p.Slug)
		// Until the event arrives, the other replica's index may still
		// count what the database no longer shows (or not yet count what
		// it shows): wait until both agree with the change.
		until := func(s *testserver.LiveServer, token, q string, want ...string) {
			t.Helper()
			wait.Until(t, "the replica finds "+q, func() bool {
				got, _ := search(t, s.Server, token, q, nil)
				return got.Search.TotalCount == len(want) && slices.Equal(got.slugs(), want)
			})
		}
		until(b, "", "xylophonist", p.Slug)
		mutate(t, a.Server, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": p.ID, "update": map[string]any{"title": "Saxophonist parade"}})
		until(b, "", "xylophonist")
		until(b, "", "saxophonist", p.Slug)
		mutate(t, b.Server, editor, "unpublishArticle(id: $id)", "", map[string]any{"id": p.ID})
		wantFound(t, b.Server, "", "saxophonist", nil) // the writer: at once
		wantFound(t, b.Server, editor, "saxophonist", nil, p.Slug)
		until(a, "", "saxophonist")
		mutate(t, a.Server, editor, "deleteArticle(id: $id)", "", map[string]any{"id": p.ID})
		wantFound(t, a.Server, editor, "saxophonist", nil)
		until(b, editor, "saxophonist")
	})
}

// TestSearchIndexReloadsOncePerChange: the replica that writes a change
// reloads the article into its index right after the commit, and not a
// second time when the change's event comes back to it through the
// broker; another replica reloads it once, from the event.
func TestSearchIndexReloadsOncePerChange(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		bus := pubsub.NewMemory()
		t.Cleanup(func() { bus.Close() })
		// Both listen before anything is written: each hub has heard every
		// event when it has heard as many as the outbox holds (either
		// replica's relay may publish one).
		a := testserver.NewLive(t, db, testserver.LiveOptions{Broker: bus, KeepBroker: true})
		b := testserver.NewLive(t, db, testserver.LiveOptions{Broker: bus, KeepBroker: true})
		if err := demo.Seed(context.Background(), a.Content); err != nil {
			t.Fatal(err)
		}
		editor := a.Token(t, "reloads", auth.Editor)
		heardAll := func() bool {
			var n int64
			if err := db.Table("outbox_events").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return a.Hub.Stats().Events == n && b.Hub.Stats().Events == n
		}
		wait.Until(t, "both hubs heard the seed", heardAll)
		wait.Until(t, "both indexes built", func() bool { return a.Content.SearchIndexed() && b.Content.SearchIndexed() })
		ea, eb := a.Hub.Stats().Events, b.Hub.Stats().Events
		ra, rb := a.Content.SearchIndexReloads(), b.Content.SearchIndexReloads()
		p := create(t, a.Server, editor, map[string]any{"title": "Xylophonist parade", "status": "PUBLISHED"}).Article
		mutate(t, a.Server, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": p.ID, "update": map[string]any{"title": "Saxophonist parade"}})
		// The two changes' events, heard by both hubs.
		wait.Until(t, "both hubs heard both events", heardAll)
		if na, nb := a.Hub.Stats().Events-ea, b.Hub.Stats().Events-eb; na != 2 || nb != 2 {
			t.Fatalf("the hubs heard %d and %d events for a creation and an update, want 2", na, nb)
		}
		if got := a.Content.SearchIndexReloads() - ra; got != 2 {
			t.Errorf("the writer reloaded %d times for two changes, want 2 (once each, after the commit)", got)
		}
		if got := b.Content.SearchIndexReloads() - rb; got != 2 {
			t.Errorf("the other replica reloaded %d times for two changes, want 2 (once each, from the event)", got)
		}
		wantFound(t, a.Server, "", "saxophonist", nil, p.Slug)
		wantFound(t, b.Server, "", "saxophonist", nil, p.Slug)
	})
}

// TestSearchIndexAgreesWithDatabase: the index's count of matches is the
// engine's, for the queries of the search tests, as a reader and as an
// editor (drafts and future articles included).
func TestSearchIndexAgreesWithDatabase(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil, func(c *server.Config) { c.Authenticate = editorAuth })
		ctx := context.Background()
		if err := demo.Seed(ctx, s.Content); err != nil {
			t.Fatal(err)
		}
		hiddenTwins(t, s)
		// Besides the twins' states: expired and deleted copies (the expiry
		// written directly, before the first search builds the index).
		seed, err := s.Content.ArticleBySlug(ctx, demo.SeedSlug)
		if err != nil || seed == nil {
			t.Fatal(seed, err)
		}
		past := time.Now().Add(-2 * time.Hour)
		for _, name := range []string{"expired", "deleted"} {
			a, err := s.Content.CreateArticle(ctx, content.ArticleInput{Title: "Secret " + name + ": " + seed.Title, Body: seed.Body,
				Status: models.StatusPublished, PublishedAt: &past})
			if err != nil {
				t.Fatal(err)
			}
			if name == "deleted" {
				if _, err := s.Content.DeleteArticle(ctx, a.ID); err != nil {
					t.Fatal(err)
				}
			} else if err := db.Exec("UPDATE articles SET expires_at = ? WHERE id = ?", time.Now().Add(-time.Hour).UTC(), a.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		st := store.New(db)
		for _, q := range []string{"korea", "north korea", `"Kim Jong Un" satellites`, "authoritarian", "photovolt", "electoral college",
			`"blue zone" -films`, "nobel -nobel", "Zaporizhzhia Kharkiv", "Putin Kim weapons", `"spy satellites"`, "secret", "elect*",
			"korea -sanctions", `"UN Security"`, "climate", "energ"} {
			parsed, err := fulltext.Parse(q)
			if err != nil {
				t.Fatal(err)
			}
			for _, token := range []string{"", "test-editor"} {
				v := store.Readers(time.Now())
				if token != "" {
					v = store.Visibility{}
				}
				want, err := st.CountSearchResults(ctx, store.ArticleFilter{Visibility: v}, parsed)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := search(t, s, token, q, map[string]any{"first": 1})
				if int64(got.Search.TotalCount) != want {
					t.Errorf("search %q (token %q): the index counts %d, the database %d", q, token, got.Search.TotalCount, want)
				}
			}
		}
		if !s.Content.SearchIndexed() {
			t.Error("search did not use the index")
		}
	})
}

// TestSearchReloadSkipsEventsHeardBeforeIt: another replica's relay may
// publish a change's events between its commit and the writer's own
// reload of the article. The writer's hub, hearing them first, waits for
// that reload (so that its purge of the response cache comes after it)
// and does not reload the article too: the events are marked before the
// commit. (Marked after the reload, they made
// TestSearchIndexReloadsOncePerChange count three reloads for two changes
// once.)
func TestSearchReloadSkipsEventsHeardBeforeIt(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		bus := pubsub.NewMemory()
		t.Cleanup(func() { bus.Close() })
		heardAll := func(s *testserver.LiveServer) (bool, error) {
			var n int64
			err := db.Table("outbox_events").Count(&n).Error
			return s.Hub.Stats().Events == n, err
		}
		otherRelay := events.NewRelay(store.New(db), bus, events.RelayOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		var writer *testserver.LiveServer
		var armed, reached atomic.Bool
		// The writer's own relay is off: the other replica's publishes the
		// change's events, right after the commit, and the writer's hub
		// hears them while the change has yet to reload the article.
		writer = testserver.NewLive(t, db, testserver.LiveOptions{Broker: bus, KeepBroker: true, NoRelay: true, ServiceOptions: []content.Option{
			content.WithFailpoint(func(step string) error {
				if step != "committed" || !armed.CompareAndSwap(true, false) {
					return nil
				}
				reached.Store(true)
				if _, err := otherRelay.Drain(context.Background()); err != nil {
					t.Errorf("publish the change's events: %v", err)
					return nil
				}
				// Give the hub time to hear them: it must not be done with
				// them before the change's reload.
				for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
					if done, err := heardAll(writer); err != nil || done {
						t.Errorf("the writer's hub was done with the change's events before the change reloaded the article (%v)", err)
						return nil
					}
				}
				return nil
			}),
		}})
		wait.Until(t, "the index built", writer.Content.SearchIndexed)
		editor := writer.Token(t, "skips", auth.Editor)
		before := writer.Content.SearchIndexReloads()
		armed.Store(true)
		p := create(t, writer.Server, editor, map[string]any{"title": "Theremin recital", "status": "PUBLISHED"}).Article
		if !reached.Load() {
			t.Fatal(`the change reached no "committed" step before its reload`)
		}
		wait.Until(t, "the writer's hub heard the change's events", func() bool {
			done, err := heardAll(writer)
			if err != nil {
				t.Fatal(err)
			}
			return done
		})
		if got := writer.Content.SearchIndexReloads() - before; got != 1 {
			t.Errorf("the writer reloaded the article %d times, having heard its events between the commit and its own reload; want 1", got)
		}
		wantFound(t, writer.Server, "", "theremin", nil, p.Slug)
	})
}
