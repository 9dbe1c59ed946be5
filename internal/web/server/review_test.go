package server_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// reviewResult is an article's review as the tests read it.
type reviewResult struct {
	ID          string
	ReviewState string
	ReviewNotes []struct {
		State, Note, Actor string
		Account            *struct{ Email string }
	}
}

type reviewPayload struct {
	Article    *reviewResult
	UserErrors []userError
}

const reviewFields = `article { id reviewState reviewNotes { state note actor account { email } } } userErrors { field message code }`

// review runs one review mutation (call: e.g. `approveArticle(id: $id, note: $note)`).
func review(t *testing.T, s *testserver.Server, token, call, id, note string) reviewPayload {
	t.Helper()
	var got map[string]reviewPayload
	s.MustData(t, testserver.Request{Token: token, Query: fmt.Sprintf(`mutation($id: ID!, $note: String!) { p: %s { %s } }`, call, reviewFields),
		Variables: map[string]any{"id": id, "note": note}}, &got)
	return got["p"]
}

// TestReviewFlow: a contributor's draft goes through review — submitted,
// changes requested, resubmitted, approved, edited (back in review) — with
// every transition and note kept and named; invalid steps are user errors
// with a code; editors find the queue with the reviewState filter; every
// transition reaches editors' contentChanged with its note.
func TestReviewFlow(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{Demo: true})
		_, editor := s.Account(t, "ed@news.example", "Ed Itor", auth.Editor, 0)
		_, contrib := s.Account(t, "ana@news.example", "Ana", auth.Contributor, 0)
		id := create(t, s.Server, contrib, map[string]any{"title": "For review"}).Article.ID
		s.Settle(t)
		ed := dialWS(t, s.URL, wsclient.TransportWS, editor)
		subscribeWS(t, ed, "c", `subscription { contentChanged { type action objectId review { state note actor account { email } } } }`, nil)
		waitSubscribers(t, s, 1)

		type change struct {
			ContentChanged struct {
				Type, Action, ObjectID string
				Review                 *struct {
					State, Note, Actor string
					Account            *struct{ Email string }
				}
			}
		}
		// expectChange reads editors' next review event.
		expectChange := func(t *testing.T, action, state, note, email string) {
			t.Helper()
			for {
				var c change
				nextWS(t, ed, &c)
				cc := c.ContentChanged
				if cc.Type != "article.review_changed" {
					continue // the edit's own article.updated
				}
				if cc.Action != action || cc.ObjectID != id || cc.Review == nil || cc.Review.State != state || cc.Review.Note != note || cc.Review.Account == nil || cc.Review.Account.Email != email {
					t.Fatalf("contentChanged %+v (review %+v), want %s → %s %q by %s", cc, cc.Review, action, state, note, email)
				}
				return
			}
		}
		edit := func(t *testing.T, token, title string) {
			t.Helper()
			if p := mutate(t, s.Server, token, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": id, "update": map[string]any{"title": title}}); p.Article == nil {
				t.Fatalf("edit: %+v", p.UserErrors)
			}
		}

		steps := []struct {
			name, token, call, note string
			wantState, wantCode     string // wantCode: a user error instead
			wantField               []string
			action, by              string
		}{
			{"approve before submission", editor, "approveArticle(id: $id, note: $note)", "", "", "INVALID_REVIEW_TRANSITION", []string{"id"}, "", ""},
			{"submit", contrib, "submitForReview(id: $id, note: $note)", "Ready, photos to come", "IN_REVIEW", "", nil, "article.submit_for_review", "ana@news.example"},
			{"submit twice", contrib, "submitForReview(id: $id, note: $note)", "", "", "INVALID_REVIEW_TRANSITION", []string{"id"}, "", ""},
			{"request changes without a note", editor, "requestChanges(id: $id, note: $note)", "  ", "", "INVALID", []string{"note"}, "", ""},
			{"request changes", editor, "requestChanges(id: $id, note: $note)", "Second source, please", "CHANGES_REQUESTED", "", nil, "article.request_changes", "ed@news.example"},
			{"resubmit", contrib, "submitForReview(id: $id, note: $note)", "Added a source", "IN_REVIEW", "", nil, "article.submit_for_review", "ana@news.example"},
			{"approve", editor, "approveArticle(id: $id, note: $note)", "Good to go", "APPROVED", "", nil, "article.approve", "ed@news.example"},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				if st.name == "resubmit" {
					edit(t, contrib, "For review, with a second source")
				}
				p := review(t, s.Server, st.token, st.call, id, st.note)
				if st.wantCode != "" {
					if len(p.UserErrors) != 1 || p.UserErrors[0].Code != st.wantCode || !slices.Equal(p.UserErrors[0].Field, st.wantField) {
						t.Fatalf("userErrors %+v, want one %s on %v", p.UserErrors, st.wantCode, st.wantField)
					}
					return
				}
				if len(p.UserErrors) > 0 || p.Article == nil || p.Article.ReviewState != st.wantState {
					t.Fatalf("%+v, want %s", p, st.wantState)
				}
				expectChange(t, st.action, st.wantState, st.note, st.by)
			})
		}

		t.Run("an edit after approval", func(t *testing.T) {
			edit(t, contrib, "For review, approved then edited")
			expectChange(t, "article.back_in_review", "IN_REVIEW", "edited after approval: title", "ana@news.example")
		})

		t.Run("notes kept and named", func(t *testing.T) {
			var got struct{ Node reviewResult }
			s.MustData(t, testserver.Request{Token: contrib, Query: `query($id: ID!) { node(id: $id) { ... on Article { reviewState reviewNotes { state note actor account { email } } } } }`, Variables: map[string]any{"id": id}}, &got)
			var states, notes, by []string
			for _, n := range got.Node.ReviewNotes {
				states, notes = append(states, n.State), append(notes, n.Note)
				if n.Account != nil {
					by = append(by, n.Account.Email)
				}
			}
			wantStates := []string{"IN_REVIEW", "CHANGES_REQUESTED", "IN_REVIEW", "APPROVED", "IN_REVIEW"}
			wantBy := []string{"ana@news.example", "ed@news.example", "ana@news.example", "ed@news.example", "ana@news.example"}
			if got.Node.ReviewState != "IN_REVIEW" || !slices.Equal(states, wantStates) || !slices.Equal(by, wantBy) || notes[1] != "Second source, please" {
				t.Errorf("review %s, states %v by %v, notes %q; want IN_REVIEW, %v by %v", got.Node.ReviewState, states, by, notes, wantStates, wantBy)
			}
		})

		t.Run("the review queue", func(t *testing.T) {
			other := create(t, s.Server, contrib, map[string]any{"title": "Not submitted"}).Article.ID
			var got struct {
				Articles struct {
					Nodes []struct{ ID, ReviewState string }
				}
			}
			s.MustData(t, testserver.Request{Token: editor, Query: `{ articles(first: 100, filter: {reviewState: IN_REVIEW}) { nodes { id reviewState } } }`}, &got)
			if len(got.Articles.Nodes) != 1 || got.Articles.Nodes[0].ID != id || got.Articles.Nodes[0].ReviewState != "IN_REVIEW" {
				t.Errorf("IN_REVIEW queue %+v, want only %s (not %s)", got.Articles.Nodes, id, other)
			}
			r := s.Do(t, testserver.Request{Query: `{ articles(first: 5, filter: {reviewState: IN_REVIEW}) { totalCount } }`})
			if codes := r.Codes(); !slices.Equal(codes, []string{"UNAUTHENTICATED"}) {
				t.Errorf("a reader's review filter: codes %v, want [UNAUTHENTICATED]", codes)
			}
		})
	})
}
