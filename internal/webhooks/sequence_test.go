package webhooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/webhooks"
	"github.com/broadsheet/broadsheet/models"
)

// TestDeliveriesCarrySequence: each webhook numbers its deliveries 1, 2,
// 3… in the order they were queued, in the body and a header, so a
// receiver can order them whatever order they arrive in (here a failed
// attempt is retried after later ones); an event handed on again takes no
// number.
func TestDeliveriesCarrySequence(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		e := setup(t, db, webhooks.Config{Backoff: time.Second})
		all, updates := newReceiver(t, 500), newReceiver(t)
		e.createWebhook(t, all.URL, "ARTICLE_PUBLISHED", "ARTICLE_UPDATED")
		e.createWebhook(t, updates.URL, "ARTICLE_UPDATED")
		id := e.createArticle(t, "Numbered")
		e.mutate(t, `mutation($id: ID!) { r: publishArticle(id: $id) { article { id } } }`, map[string]any{"id": id})
		update := func(title string) {
			e.mutate(t, `mutation($id: ID!, $t: String!) { r: updateArticle(id: $id, input: {title: $t}) { article { id } } }`, map[string]any{"id": id, "t": title})
		}
		for i := range 3 {
			update(fmt.Sprintf("Numbered, take %d", i+2))
		}
		e.run(t)
		e.clock.Advance(time.Hour) // the failed attempt is retried after the others
		e.run(t)
		// Handing the same events on again takes no numbers.
		e.db.Exec("INSERT INTO outbox_pending (consumer, event_seq) SELECT 'webhooks', seq FROM outbox_events")
		e.run(t)
		update("Numbered, last")
		e.run(t)

		var order []string // event ids in outbox order
		var types []string
		e.db.Raw("SELECT event_id FROM outbox_events ORDER BY seq").Scan(&order)
		e.db.Raw("SELECT type FROM outbox_events ORDER BY seq").Scan(&types)
		check := func(name string, rec *receiver, wantTypes ...string) {
			t.Helper()
			var want []string
			for i, id := range order {
				if slices.Contains(wantTypes, types[i]) {
					want = append(want, id)
				}
			}
			bySeq := map[uint64]string{}
			for _, d := range rec.deliveries() {
				var body webhooks.Body
				if err := json.Unmarshal(d.body, &body); err != nil {
					t.Fatal(err)
				}
				if h := d.header.Get(webhooks.HeaderSequence); h != fmt.Sprint(body.Sequence) {
					t.Errorf("%s: header sequence %q, body %d", name, h, body.Sequence)
				}
				bySeq[body.Sequence] = body.ID
			}
			for i, id := range want {
				if bySeq[uint64(i+1)] != id {
					t.Errorf("%s: sequence %d is event %q, want %q", name, i+1, bySeq[uint64(i+1)], id)
				}
			}
			if len(bySeq) != len(want) || len(want) == 0 {
				t.Errorf("%s: sequence numbers %v, want 1…%d", name, bySeq, len(want))
			}
		}
		check("all events", all, events.ArticlePublished, events.ArticleUpdated)
		check("updates", updates, events.ArticleUpdated)
	})
}

func TestNewsletterEventsReachWebhooks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		e := setup(t, db, webhooks.Config{})
		rec := newReceiver(t)
		e.createWebhook(t, rec.URL, "NEWSLETTER_SUBSCRIPTION_CONFIRMED", "NEWSLETTER_SUBSCRIPTION_REMOVED")
		letters := e.s.Config.Newsletter
		ctx := context.Background()
		if err := letters.Subscribe(ctx, "hooked@example.com", nil); err != nil {
			t.Fatal(err)
		}
		var tok models.NewsletterToken
		db.Where("purpose = ?", models.TokenConfirm).Take(&tok)
		// The raw token only travels by email; confirm through the service
		// with a token we issue for the test instead.
		raw := "test-confirm-token"
		db.Model(&models.NewsletterToken{}).Where("token_hash = ?", tok.TokenHash).Update("token_hash", hashForTest(raw))
		if _, err := letters.Confirm(ctx, raw); err != nil {
			t.Fatal(err)
		}
		if n := e.run(t); n != 1 {
			t.Fatalf("confirmation delivered %d", n)
		}
		var body webhooks.Body
		json.Unmarshal(rec.deliveries()[0].body, &body)
		if body.Type != "NEWSLETTER_SUBSCRIPTION_CONFIRMED" || !strings.Contains(string(rec.deliveries()[0].body), "hooked@example.com") {
			t.Errorf("body %s", rec.deliveries()[0].body)
		}
	})
}
