package webhooks_test

import (
	"cmp"
	"encoding/json"
	"slices"
	"testing"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/webhooks"
)

// TestReviewEvents: review transitions reach ARTICLE_REVIEW_CHANGED
// webhooks with the state, the note and who made it, but never a draft's
// content; webhooks that did not ask for them hear nothing.
func TestReviewEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		e := setup(t, db, webhooks.Config{})
		rec := newReceiver(t)
		other := newReceiver(t)
		e.createWebhook(t, rec.URL+"/review", "ARTICLE_REVIEW_CHANGED")
		e.createWebhook(t, other.URL+"/published", "ARTICLE_PUBLISHED")
		id := e.createArticle(t, "Secret draft")
		e.mutate(t, `mutation($id: ID!) { r: submitForReview(id: $id, note: "Please check the figures") { article { id } } }`, map[string]any{"id": id})
		e.mutate(t, `mutation($id: ID!) { r: approveArticle(id: $id) { article { id } } }`, map[string]any{"id": id})
		if n := e.run(t); n != 2 {
			t.Fatalf("two review transitions delivered %d, want 2", n)
		}
		if len(other.deliveries()) != 0 {
			t.Errorf("a webhook for ARTICLE_PUBLISHED heard of review")
		}
		type body struct {
			Sequence uint64
			Type     string
			Object   map[string]any
		}
		var bodies []body
		for _, d := range rec.deliveries() {
			var b body
			if err := json.Unmarshal(d.body, &b); err != nil {
				t.Fatal(err)
			}
			bodies = append(bodies, b)
		}
		// Deliveries may arrive in any order: receivers order by sequence.
		slices.SortFunc(bodies, func(a, b body) int { return cmp.Compare(a.Sequence, b.Sequence) })
		var states []string
		for i, body := range bodies {
			review, _ := body.Object["review"].(map[string]any)
			if body.Type != "ARTICLE_REVIEW_CHANGED" || body.Object["id"] != id || review == nil || review["actor"] != "desk" {
				t.Fatalf("delivery %d: %+v", i, body)
			}
			if _, leaked := body.Object["title"]; leaked {
				t.Errorf("a draft's title went out with a review event: %+v", body)
			}
			if i == 0 && review["note"] != "Please check the figures" {
				t.Errorf("note %v", review["note"])
			}
			states = append(states, review["state"].(string))
		}
		if len(states) != 2 || states[0] != "IN_REVIEW" || states[1] != "APPROVED" {
			t.Errorf("states %v, want IN_REVIEW then APPROVED", states)
		}
	})
}
