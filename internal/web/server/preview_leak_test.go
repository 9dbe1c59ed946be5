package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/events/pubsub"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/testkit/wait"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// TestPreviewAndReviewNeverReachReaders is the leak test of preview and
// review: on two replicas sharing a database and a broker, a staged
// change, a preview token, an embargoed article and an article past its
// take-down time never reach a reader — not by lookup, list or search, not
// from the response cache of either replica, not as a subscription event
// and not as an outbox event (which feeds webhooks).
func TestPreviewAndReviewNeverReachReaders(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		broker := pubsub.NewMemory()
		t.Cleanup(func() { broker.Close() })
		a := testserver.NewLive(t, db, testserver.LiveOptions{Broker: broker, KeepBroker: true, Demo: true})
		b := testserver.NewLive(t, db, testserver.LiveOptions{Broker: broker, KeepBroker: true})
		editor := a.Token(t, "desk", auth.Editor)

		live := create(t, a.Server, editor, map[string]any{"title": "Harbour plan approved", "body": "The plan.", "status": "PUBLISHED"})
		id, slug := live.Article.ID, live.Article.Slug
		a.Settle(t)
		b.Settle(t)
		outbox := func() int64 {
			t.Helper()
			n, err := globalid.ParseAs(globalid.TypeArticle, id)
			if err != nil {
				t.Fatal(err)
			}
			var count int64
			if err := db.SQL().QueryRow("SELECT COUNT(*) FROM outbox_events WHERE object_type = 'Article' AND object_id = ?", n).Scan(&count); err != nil {
				t.Fatal(err)
			}
			return count
		}
		before := outbox()

		// Readers on B: answers cached, subscriptions open.
		for _, s := range []*testserver.Server{a.Server, b.Server} {
			if readerTitle(t, s, slug) != "Harbour plan approved" {
				t.Fatal("the live article is not served")
			}
			homeTitles(t, s)
			searchCount(t, s, "quokkaport")
		}
		sub := dialWS(t, b.URL, wsclient.TransportWS, "")
		subscribeWS(t, sub, "upd", `subscription($id: ID!) { articleUpdated(id: $id) { title } }`, map[string]any{"id": id})
		subscribeWS(t, sub, "pub", `subscription { articlePublished { title } }`, nil)
		waitSubscribers(t, b, 2)

		// A staged change, a preview of it, and a discarded one.
		payload(t, a.Server, editor, stageMutation, map[string]any{"id": id, "in": map[string]any{"title": "Harbour plan scrapped", "body": "quokkaport"}})
		link := createLink(t, a.Server, editor, id, nil)
		if p, r := preview(t, b.Server, *link.Token, nil, true); p == nil || p.Title != "Harbour plan scrapped" {
			t.Fatalf("preview on replica B: %s", r)
		}
		// An embargoed draft whose publication is refused.
		embargoed := create(t, a.Server, editor, map[string]any{"title": "Embargoed figures", "embargoUntil": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
		if p := payload(t, a.Server, editor, publishAt, map[string]any{"id": embargoed.Article.ID}); !hasCode(p.UserErrors, "EMBARGOED") {
			t.Fatalf("publishing under embargo: %+v", p)
		}
		if got := outbox(); got != before {
			t.Errorf("staging and previewing wrote %d outbox events (webhooks, subscribers)", got-before)
		}

		check := func(when string) {
			t.Helper()
			for name, s := range map[string]*testserver.Server{"A": a.Server, "B": b.Server} {
				if got := readerTitle(t, s, slug); got != "Harbour plan approved" {
					t.Errorf("%s: replica %s's reader sees %q", when, name, got)
				}
				titles := homeTitles(t, s)
				if slices.Contains(titles, "Harbour plan scrapped") || slices.Contains(titles, "Embargoed figures") {
					t.Errorf("%s: replica %s's list shows %v", when, name, titles)
				}
				if searchCount(t, s, "quokkaport") != 0 {
					t.Errorf("%s: replica %s's search finds the staged body", when, name)
				}
				if readerTitle(t, s, embargoed.Article.Slug) != "" {
					t.Errorf("%s: replica %s's reader sees the embargoed article", when, name)
				}
			}
		}
		check("after staging")
		payload(t, a.Server, editor, discardChanges, map[string]any{"id": id})
		check("after discarding")

		// The first events subscribers get are those of real changes:
		// nothing was sent for the staging, the preview or the embargo.
		payload(t, a.Server, editor, `mutation($id: ID!) { p: updateArticle(id: $id, input: {subtitle: "Correction"}) { `+articleFields+` } }`, map[string]any{"id": id})
		var upd struct{ ArticleUpdated struct{ Title string } }
		if sid, _ := nextWS(t, sub, &upd); sid != "upd" || upd.ArticleUpdated.Title != "Harbour plan approved" {
			t.Errorf("first articleUpdated event: %s %+v, want the correction of the live article", sid, upd)
		}
		create(t, a.Server, editor, map[string]any{"title": "Marker story", "status": "PUBLISHED"})
		var pub struct{ ArticlePublished struct{ Title string } }
		if sid, _ := nextWS(t, sub, &pub); sid != "pub" || pub.ArticlePublished.Title != "Marker story" {
			t.Errorf("first articlePublished event: %s %+v, want the marker", sid, pub)
		}

		// A take-down two seconds away: both replicas' cached answers stop at
		// that second, with no scheduler running and no purge sent.
		doomed := create(t, a.Server, editor, map[string]any{"title": "Flash sale today", "status": "PUBLISHED"})
		if sid, _ := nextWS(t, sub, &pub); sid != "pub" || pub.ArticlePublished.Title != "Flash sale today" {
			t.Errorf("articlePublished event: %s %+v", sid, pub)
		}
		a.Settle(t)
		b.Settle(t)
		at := time.Now().UTC().Truncate(time.Second).Add(2 * time.Second)
		if p := payload(t, a.Server, editor, unpublishAt, map[string]any{"id": doomed.Article.ID, "at": at.Format(time.RFC3339)}); len(p.UserErrors) > 0 {
			t.Fatalf("schedule the take-down: %+v", p)
		}
		a.Settle(t)
		b.Settle(t)
		for name, s := range map[string]*testserver.Server{"A": a.Server, "B": b.Server} {
			if readerTitle(t, s, doomed.Article.Slug) != "Flash sale today" || !slices.Contains(homeTitles(t, s), "Flash sale today") {
				t.Fatalf("replica %s: the article is gone before its take-down time", name)
			}
		}
		wait.Until(t, "the take-down time passes", func() bool { return !time.Now().Before(at) })
		for name, s := range map[string]*testserver.Server{"A": a.Server, "B": b.Server} {
			if readerTitle(t, s, doomed.Article.Slug) != "" || slices.Contains(homeTitles(t, s), "Flash sale today") {
				t.Errorf("replica %s serves the article past its take-down time", name)
			}
		}
		// The scheduler, on B, takes it down; subscribers learn it left.
		subscribeWS(t, sub, "gone", `subscription($id: ID!) { articleUpdated(id: $id) { status } }`, map[string]any{"id": doomed.Article.ID})
		waitSubscribers(t, b, 3)
		if n, err := b.Content.ExpireDue(context.Background()); err != nil || n != 1 {
			t.Fatalf("ExpireDue: %d, %v", n, err)
		}
		var gone struct{ ArticleUpdated struct{ Status string } }
		if sid, _ := nextWS(t, sub, &gone); sid != "gone" || gone.ArticleUpdated.Status != "DRAFT" {
			t.Errorf("take-down event: %s %+v", sid, gone)
		}

		// Staged changes cannot be selected in a subscription, even by editors.
		ed := dialWS(t, b.URL, wsclient.TransportWS, editor)
		subscribeWS(t, ed, "staged", `subscription($id: ID!) { articleUpdated(id: $id) { pendingChanges { stagedBy } } }`, map[string]any{"id": id})
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		_, res, err := ed.Next(ctx)
		if (err == nil || !strings.Contains(err.Error(), "pendingChanges")) && (res == nil || len(res.Errors) == 0) {
			t.Errorf("a subscription selecting pendingChanges was accepted: %v %+v", err, res)
		}
	})
}
