package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// auditNode is one audit entry as the tests read it.
type auditNode struct {
	Actor, Action, Outcome, Detail string
	Account                        *struct{ Email string }
}

// deniedFor returns the denied audit entries of actor, newest first.
func deniedFor(t *testing.T, s *testserver.Server, admin, actor string) []auditNode {
	t.Helper()
	var got struct {
		AuditLog struct{ Nodes []auditNode }
	}
	s.MustData(t, testserver.Request{Token: admin, Query: `query($a: String) { auditLog(first: 100, filter: {actor: $a, outcome: "denied"}) { nodes { actor action outcome detail account { email } } } }`,
		Variables: map[string]any{"a": actor}}, &got)
	return got.AuditLog.Nodes
}

// TestContributorForbidden: a contributor trying each thing only editors
// and admins may do gets FORBIDDEN, and the audit log keeps the denial with
// the contributor's account.
func TestContributorForbidden(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		editor := s.Token(t, "desk", auth.Editor)
		admin := s.Token(t, "chief", auth.Admin)
		_, contrib := s.Account(t, "ana@news.example", "Ana Freelance", auth.Contributor, 0)

		own := create(t, s, contrib, map[string]any{"title": "Ana's draft"}).Article
		if own == nil {
			t.Fatal("a contributor could not create a draft")
		}
		others := create(t, s, editor, map[string]any{"title": "The desk's draft"}).Article.ID
		published := create(t, s, contrib, map[string]any{"title": "Ana's story, published"}).Article.ID
		mutate(t, s, editor, "publishArticle(id: $id)", "", map[string]any{"id": published})
		scheduled := create(t, s, contrib, map[string]any{"title": "Ana's story, scheduled"}).Article.ID
		mutate(t, s, editor, `publishArticle(id: $id, at: "2100-01-01T00:00:00Z")`, "", map[string]any{"id": scheduled})
		rev := "1"

		cases := []struct {
			name, query, action string
			vars                map[string]any
		}{
			{"publish own", `mutation($id: ID!) { p: publishArticle(id: $id) { article { id } } }`, "publishArticle", map[string]any{"id": own.ID}},
			{"schedule own", `mutation($id: ID!) { p: publishArticle(id: $id, at: "2100-01-01T00:00:00Z") { article { id } } }`, "publishArticle", map[string]any{"id": own.ID}},
			{"unpublish", `mutation($id: ID!) { p: unpublishArticle(id: $id) { article { id } } }`, "unpublishArticle", map[string]any{"id": published}},
			{"delete own", `mutation($id: ID!) { p: deleteArticle(id: $id) { article { id } } }`, "deleteArticle", map[string]any{"id": own.ID}},
			{"restore", `mutation($id: ID!) { p: restoreArticle(id: $id) { article { id } } }`, "restoreArticle", map[string]any{"id": own.ID}},
			{"restore revision", `mutation($id: ID!, $rev: ID!) { p: restoreRevision(articleId: $id, revisionId: $rev) { article { id } } }`, "restoreRevision", map[string]any{"id": own.ID, "rev": rev}},
			{"set related", `mutation($id: ID!) { p: setRelatedArticles(id: $id, relatedIds: []) { article { id } } }`, "setRelatedArticles", map[string]any{"id": own.ID}},
			{"approve own", `mutation($id: ID!) { p: approveArticle(id: $id) { article { id } } }`, "approveArticle", map[string]any{"id": own.ID}},
			{"request changes", `mutation($id: ID!) { p: requestChanges(id: $id, note: "no") { article { id } } }`, "requestChanges", map[string]any{"id": own.ID}},
			{"create published", `mutation { p: createArticle(input: {title: "Straight to the site", status: PUBLISHED}) { article { id } } }`, "createArticle", nil},
			{"edit another's draft", `mutation($id: ID!) { p: updateArticle(id: $id, input: {title: "Mine now"}) { article { id } } }`, content.ActionUpdate, map[string]any{"id": others}},
			{"edit own published", `mutation($id: ID!) { p: updateArticle(id: $id, input: {title: "Live edit"}) { article { id } } }`, content.ActionUpdate, map[string]any{"id": published}},
			{"submit another's", `mutation($id: ID!) { p: submitForReview(id: $id) { article { id } } }`, content.ActionSubmitForReview, map[string]any{"id": others}},
			{"create author", `mutation { p: createAuthor(input: {name: "Self Promoted"}) { author { id } } }`, "createAuthor", nil},
			{"create account", `mutation { p: createAccount(input: {email: "x@news.example", name: "X", role: ADMIN}) { account { id } } }`, "createAccount", nil},
			{"stage another's", `mutation($id: ID!) { p: updateArticle(id: $id, input: {title: "Mine now"}, stage: true) { article { id } } }`, content.ActionUpdate, map[string]any{"id": others}},
			{"preview another's", `mutation($id: ID!) { p: createPreviewLink(id: $id) { token } }`, content.ActionPreviewLink, map[string]any{"id": others}},
			{"stage own scheduled", `mutation($id: ID!) { p: updateArticle(id: $id, input: {title: "Typo fixed"}, stage: true) { article { id } } }`, content.ActionUpdate, map[string]any{"id": scheduled}},
			{"discard another's", `mutation($id: ID!) { p: discardChanges(id: $id) { article { id } } }`, content.ActionDiscardChanges, map[string]any{"id": others}},
			{"revoke previews", `mutation($id: ID!) { p: revokePreviewLinks(id: $id) { article { id } } }`, "revokePreviewLinks", map[string]any{"id": own.ID}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := s.Do(t, testserver.Request{Token: contrib, Query: c.query, Variables: c.vars})
				if codes := r.Codes(); !slices.Equal(codes, []string{"FORBIDDEN"}) {
					t.Fatalf("codes %v, want [FORBIDDEN]: %s", codes, r.Body)
				}
				denied := deniedFor(t, s, admin, "ana")
				if len(denied) == 0 || denied[0].Action != c.action || denied[0].Account == nil || denied[0].Account.Email != "ana@news.example" {
					t.Fatalf("newest denied audit entry %+v, want action %s by ana@news.example", denied, c.action)
				}
			})
		}

		t.Run("no advice to stage what cannot be staged", func(t *testing.T) {
			r := s.Do(t, testserver.Request{Token: contrib, Query: `mutation($id: ID!) { p: updateArticle(id: $id, input: {title: "Typo fixed"}, stage: true) { article { id } } }`, Variables: map[string]any{"id": scheduled}})
			if strings.Contains(string(r.Body), "stage: true") {
				t.Errorf("staging on a scheduled article is refused with advice to stage: %s", r.Body)
			}
		})

		t.Run("the audit log by account", func(t *testing.T) {
			var got struct {
				AuditLog struct {
					TotalCount int
					Nodes      []auditNode
				}
			}
			s.MustData(t, testserver.Request{Token: admin, Query: `{ auditLog(first: 100, filter: {account: "ANA@news.example"}) { totalCount nodes { actor action outcome account { email } } } }`}, &got)
			// Her three creations, the refusals above and the one refusal
			// of the advice check.
			if want := 3 + len(cases) + 1; got.AuditLog.TotalCount != want {
				t.Errorf("%d entries for ana's account, want %d: %+v", got.AuditLog.TotalCount, want, got.AuditLog.Nodes)
			}
			for _, n := range got.AuditLog.Nodes {
				if n.Actor != "ana" || n.Account == nil || n.Account.Email != "ana@news.example" {
					t.Errorf("entry %+v in ana's audit log", n)
				}
			}
			s.MustData(t, testserver.Request{Token: admin, Query: `{ auditLog(first: 1, filter: {account: "nobody@news.example"}) { totalCount nodes { actor } } }`}, &got)
			if got.AuditLog.TotalCount != 0 {
				t.Errorf("%d entries for an unknown account", got.AuditLog.TotalCount)
			}
		})

		t.Run("reads the editors' lists only", func(t *testing.T) {
			for _, q := range []string{`{ auditLog(first: 1) { totalCount } }`, `{ accounts { email } }`} {
				if codes := s.Do(t, testserver.Request{Token: contrib, Query: q}).Codes(); !slices.Equal(codes, []string{"FORBIDDEN"}) {
					t.Errorf("%s: codes %v, want [FORBIDDEN]", q, codes)
				}
			}
		})

		t.Run("nothing changed", func(t *testing.T) {
			var got struct {
				Node struct {
					Title, Status string
				}
			}
			s.MustData(t, testserver.Request{Token: editor, Query: `query($id: ID!) { node(id: $id) { ... on Article { title status } } }`, Variables: map[string]any{"id": others}}, &got)
			if got.Node.Title != "The desk's draft" || got.Node.Status != "DRAFT" {
				t.Errorf("the desk's draft became %+v", got.Node)
			}
			s.MustData(t, testserver.Request{Token: editor, Query: `query($id: ID!) { node(id: $id) { ... on Article { title status } } }`, Variables: map[string]any{"id": own.ID}}, &got)
			if got.Node.Status != "DRAFT" {
				t.Errorf("the contributor's draft is %s, want DRAFT", got.Node.Status)
			}
		})
	})
}

// TestContributorOwnWork: a contributor edits the drafts it created and
// those it is credited on (its account's author), not others'; its edits
// name its account on revisions, and tokens without an account keep
// working, attributed to the token's name.
func TestContributorOwnWork(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		editor := s.Token(t, "desk", auth.Editor)
		au, err := s.Content.CreateAuthor(context.Background(), content.AuthorInput{Name: "Bo Byline"})
		if err != nil {
			t.Fatal(err)
		}
		_, bo := s.Account(t, "bo@news.example", "Bo Byline", auth.Contributor, au.ID)
		_, ana := s.Account(t, "ana@news.example", "Ana", auth.Contributor, 0)

		anas := create(t, s, ana, map[string]any{"title": "Ana's"}).Article.ID
		credited := create(t, s, editor, map[string]any{"title": "Credited to Bo", "authors": []string{globalid.ID(globalid.TypeAuthor, au.ID)}}).Article.ID
		uncredited := create(t, s, editor, map[string]any{"title": "Not Bo's"}).Article.ID

		cases := []struct {
			name, token, id string
			ok              bool
		}{
			{"creator edits own draft", ana, anas, true},
			{"another contributor", bo, anas, false},
			{"credited contributor", bo, credited, true},
			{"uncredited contributor", bo, uncredited, false},
			{"editor edits a contributor's draft", editor, anas, true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := s.Do(t, testserver.Request{Token: c.token, Query: `mutation($id: ID!, $sub: String) { p: updateArticle(id: $id, input: {subtitle: $sub}) { article { subtitle } userErrors { code } } }`, Variables: map[string]any{"id": c.id, "sub": "edited: " + c.name}})
				codes := r.Codes()
				if c.ok && len(codes) > 0 || !c.ok && !slices.Equal(codes, []string{"FORBIDDEN"}) {
					t.Fatalf("ok=%v, got %s", c.ok, r.Body)
				}
			})
		}

		t.Run("drafts a contributor reads stay private", func(t *testing.T) {
			list := `{ articles(first: 100, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { title } } }`
			r := s.Do(t, testserver.Request{GET: true, Query: list, Token: ana})
			if !strings.Contains(string(r.Body), "Not Bo's") || r.Header.Get("Cache-Control") != "private, no-store" || r.Header.Get("Surrogate-Key") != "" {
				t.Fatalf("a contributor's list: Cache-Control %q, Surrogate-Key %q, %s", r.Header.Get("Cache-Control"), r.Header.Get("Surrogate-Key"), r.Body)
			}
			for range 2 {
				if rd := s.Do(t, testserver.Request{GET: true, Query: list}); strings.Contains(string(rd.Body), "Not Bo's") {
					t.Fatalf("a reader got a contributor's answer: %s", rd.Body)
				}
			}
		})

		var got struct {
			Node struct {
				CreatedBy *struct{ Email string }
				Revisions []struct {
					Actor   string
					Account *struct{ Email, Role string }
				}
			}
		}
		s.MustData(t, testserver.Request{Token: editor, Query: `query($id: ID!) { node(id: $id) { ... on Article { createdBy { email } revisions { actor account { email role } } } } }`, Variables: map[string]any{"id": anas}}, &got)
		revs := got.Node.Revisions
		if got.Node.CreatedBy == nil || got.Node.CreatedBy.Email != "ana@news.example" {
			t.Errorf("createdBy %+v, want ana@news.example", got.Node.CreatedBy)
		}
		// Newest first: the editor's edit (a token without an account),
		// then Ana's edit and creation.
		if len(revs) != 3 || revs[0].Actor != "desk" || revs[0].Account != nil ||
			revs[1].Actor != "ana" || revs[1].Account == nil || revs[1].Account.Email != "ana@news.example" || revs[1].Account.Role != "CONTRIBUTOR" {
			t.Errorf("revisions %+v, want the desk's (no account) then ana's (her account)", revs)
		}

		// Once published, Ana's article changes only through staged changes an
		// editor publishes; she may preview them, Bo may not.
		t.Run("stages and previews own published work", func(t *testing.T) {
			mutate(t, s, editor, "publishArticle(id: $id)", "", map[string]any{"id": anas})
			r := s.Do(t, testserver.Request{Token: ana, Query: `mutation($id: ID!) { p: updateArticle(id: $id, input: {title: "Ana's, revised"}, stage: true) { article { title } userErrors { code } } }`, Variables: map[string]any{"id": anas}})
			if codes := r.Codes(); len(codes) > 0 || !strings.Contains(string(r.Body), `"title":"Ana's"`) {
				t.Fatalf("staging her published article: %s", r.Body)
			}
			var link struct{ P struct{ Token string } }
			s.MustData(t, testserver.Request{Token: ana, Query: `mutation($id: ID!) { p: createPreviewLink(id: $id) { token } }`, Variables: map[string]any{"id": anas}}, &link)
			var preview struct{ ArticlePreview struct{ Title string } }
			s.MustData(t, testserver.Request{Query: `query($t: String!) { articlePreview(token: $t) { title } }`, Variables: map[string]any{"t": link.P.Token}}, &preview)
			if preview.ArticlePreview.Title != "Ana's, revised" {
				t.Errorf("the preview shows %q, want the staged title", preview.ArticlePreview.Title)
			}
			var reader struct{ Node struct{ Title string } }
			s.MustData(t, testserver.Request{Query: `query($id: ID!) { node(id: $id) { ... on Article { title } } }`, Variables: map[string]any{"id": anas}}, &reader)
			if reader.Node.Title != "Ana's" {
				t.Errorf("readers see %q before an editor publishes the changes", reader.Node.Title)
			}
			if codes := s.Do(t, testserver.Request{Token: bo, Query: `mutation($id: ID!) { p: createPreviewLink(id: $id) { token } }`, Variables: map[string]any{"id": anas}}).Codes(); !slices.Equal(codes, []string{"FORBIDDEN"}) {
				t.Errorf("another contributor's preview link: codes %v, want [FORBIDDEN]", codes)
			}
			if codes := s.Do(t, testserver.Request{Token: ana, Query: `mutation($id: ID!) { p: publishChanges(id: $id) { article { id } } }`, Variables: map[string]any{"id": anas}}).Codes(); !slices.Equal(codes, []string{"FORBIDDEN"}) {
				t.Errorf("a contributor publishing changes: codes %v, want [FORBIDDEN]", codes)
			}
			// She may withdraw what she staged (README, "Roles"), Bo may not.
			const discard = `mutation($id: ID!) { p: discardChanges(id: $id) { article { title } userErrors { code } } }`
			if codes := s.Do(t, testserver.Request{Token: bo, Query: discard, Variables: map[string]any{"id": anas}}).Codes(); !slices.Equal(codes, []string{"FORBIDDEN"}) {
				t.Errorf("another contributor discarding her changes: codes %v, want [FORBIDDEN]", codes)
			}
			if r := s.Do(t, testserver.Request{Token: ana, Query: discard, Variables: map[string]any{"id": anas}}); len(r.Codes()) > 0 || !strings.Contains(string(r.Body), `"userErrors":[]`) {
				t.Errorf("discarding her own staged changes: %s", r.Body)
			}
			var pending struct {
				Node struct{ HasPendingChanges bool }
			}
			s.MustData(t, testserver.Request{Token: editor, Query: `query($id: ID!) { node(id: $id) { ... on Article { hasPendingChanges } } }`, Variables: map[string]any{"id": anas}}, &pending)
			if pending.Node.HasPendingChanges {
				t.Error("her discarded changes are still pending")
			}
		})
	})
}
