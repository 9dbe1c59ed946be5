package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/dbconn"
	"github.com/broadsheet/broadsheet/internal/dbtest"
	"github.com/broadsheet/broadsheet/internal/demo"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/testserver"
	"github.com/broadsheet/broadsheet/models"
)

type userError struct {
	Field   []string
	Message string
	Code    string
}

type articleResult struct {
	ID, Slug, Title, Status, BodyHTML string
	Version                           int
	PublishedAt                       *time.Time
	Tags                              []struct{ Name string }
	Authors                           []struct{ Name string }
	Category                          *struct{ Slug string }
}

type articlePayload struct {
	Article    *articleResult
	UserErrors []userError
}

const articleFields = `article { id slug title status bodyHtml version publishedAt tags { name } authors { name } category { slug } } userErrors { field message code }`

func mutate(t *testing.T, s *testserver.Server, token, name, args string, vars map[string]any) articlePayload {
	t.Helper()
	var got map[string]articlePayload
	s.MustData(t, testserver.Request{Query: fmt.Sprintf("mutation(%s) { p: %s { %s } }", varDecls(vars), name, articleFields), Variables: vars, Token: token}, &got)
	_ = args
	return got["p"]
}

// varDecls declares the variables a test mutation uses.
func varDecls(vars map[string]any) string {
	types := map[string]string{"id": "ID!", "input": "CreateArticleInput!", "update": "UpdateArticleInput!", "v": "Int", "at": "Time", "rev": "ID!", "ids": "[ID!]!"}
	var out []string
	for k := range vars {
		out = append(out, "$"+k+": "+types[k])
	}
	slices.Sort(out)
	if len(out) == 0 {
		return "$unused: Int"
	}
	return strings.Join(out, ", ")
}

func create(t *testing.T, s *testserver.Server, token string, input map[string]any) articlePayload {
	t.Helper()
	return mutate(t, s, token, "createArticle(input: $input)", "", map[string]any{"input": input})
}

func TestRolesAndOperations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		editor := s.Token(t, "desk-editor", auth.Editor)
		admin := s.Token(t, "chief", auth.Admin)
		revoked := s.Token(t, "old-script", auth.Editor)
		if err := auth.NewTokens(store.New(db)).Revoke(context.Background(), "old-script"); err != nil {
			t.Fatal(err)
		}
		ops := []struct {
			name, query string
			need        auth.Role
		}{
			{"createArticle", `mutation { createArticle(input: {title: "Roles"}) { userErrors { code } } }`, auth.Editor},
			{"article.revisions", `{ article(slug: "` + demo.SeedSlug + `") { revisions { id } } }`, auth.Editor},
			{"drafts filter", `{ articles(filter: {status: [DRAFT]}) { totalCount } }`, auth.Editor},
			{"createAuthor", `mutation { createAuthor(input: {name: "Roles Person"}) { userErrors { code } } }`, auth.Admin},
			{"createCategory", `mutation { createCategory(input: {name: "Roles Section"}) { userErrors { code } } }`, auth.Admin},
			{"auditLog", `{ auditLog(first: 5) { totalCount } }`, auth.Admin},
		}
		viewers := []struct {
			name, token string
			role        auth.Role
			status      int    // HTTP status when the token itself is refused
			refused     string // code for a refused token
		}{
			{"reader", "", auth.Reader, 0, ""},
			{"editor", editor, auth.Editor, 0, ""},
			{"admin", admin, auth.Admin, 0, ""},
			{"malformed token", "not-a-token", auth.Reader, 401, "UNAUTHENTICATED"},
			{"unknown token", "bst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", auth.Reader, 401, "UNAUTHENTICATED"},
			{"revoked token", revoked, auth.Reader, 401, "UNAUTHENTICATED"},
		}
		for _, v := range viewers {
			for _, op := range ops {
				t.Run(v.name+"/"+op.name, func(t *testing.T) {
					r := s.Do(t, testserver.Request{Query: op.query, Token: v.token})
					var want string
					switch {
					case v.refused != "":
						want = v.refused
						if r.Status != v.status {
							t.Errorf("HTTP %d, want %d", r.Status, v.status)
						}
					case v.role == auth.Reader:
						want = "UNAUTHENTICATED"
					case v.role < op.need:
						want = "FORBIDDEN"
					}
					codes := r.Codes()
					if want == "" && len(codes) > 0 {
						t.Fatalf("allowed operation failed: %s", r.Body)
					}
					if want != "" && !slices.Equal(codes, []string{want}) {
						t.Fatalf("codes %v, want [%s]: %s", codes, want, r.Body)
					}
				})
			}
		}
	})
}

func TestCreateArticle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		editor := s.Token(t, "desk", auth.Editor)
		var a struct{ Author struct{ ID string } }
		s.MustData(t, testserver.Request{Query: `{ author(slug: "giulia-marino") { id } }`}, &a)

		p := create(t, s, editor, map[string]any{
			"title": "Élection présidentielle à Zürich: ce qu'il faut savoir", "subtitle": "A guide.",
			"body":     "## Hello\n\nText with <script>alert(1)</script> and [a link](javascript:alert(2)) and <img src=x onerror=alert(3)>.",
			"category": "world", "tags": []string{"Elections", "Switzerland", "elections"}, "authors": []string{a.Author.ID},
			"coverImage": map[string]any{"url": "https://img.example/cover.jpg", "alt": "Ballot box"},
		})
		if len(p.UserErrors) > 0 || p.Article == nil {
			t.Fatalf("createArticle: %+v", p)
		}
		got := p.Article
		if got.Slug != "election-presidentielle-a-zurich-ce-quil-faut-savoir" {
			t.Errorf("generated slug %q", got.Slug)
		}
		if got.Status != "DRAFT" || got.Version != 1 || got.PublishedAt != nil {
			t.Errorf("new article: status %s version %d publishedAt %v", got.Status, got.Version, got.PublishedAt)
		}
		if len(got.Tags) != 2 || len(got.Authors) != 1 || got.Category == nil || got.Category.Slug != "world" {
			t.Errorf("links: %+v", got)
		}
		for _, bad := range []string{"<script", "javascript:", "onerror"} {
			if strings.Contains(got.BodyHTML, bad) {
				t.Errorf("bodyHtml keeps %q: %s", bad, got.BodyHTML)
			}
		}
		// Drafts stay hidden from readers.
		var reader struct{ Article *struct{ ID string } }
		s.MustData(t, testserver.Request{Query: `{ article(slug: "` + got.Slug + `") { id } }`}, &reader)
		if reader.Article != nil {
			t.Error("a new draft is visible to readers")
		}
		// The same title again gets a free slug.
		again := create(t, s, editor, map[string]any{"title": "Élection présidentielle à Zürich: ce qu'il faut savoir"})
		if again.Article == nil || again.Article.Slug != got.Slug+"-2" {
			t.Errorf("second article with the same title: %+v", again)
		}

		cases := []struct {
			name  string
			input map[string]any
			want  []userError
		}{
			{"taken slug", map[string]any{"title": "X", "slug": demo.SeedSlug}, []userError{{Field: []string{"input", "slug"}, Code: "TAKEN"}}},
			{"invalid slug", map[string]any{"title": "X", "slug": "Not A Slug!"}, []userError{{Field: []string{"input", "slug"}, Code: "INVALID"}}},
			// The slug was not sent: only the title is at fault.
			{"blank title", map[string]any{"title": "   "}, []userError{{Field: []string{"input", "title"}, Code: "INVALID"}}},
			{"title with nothing to make a slug of", map[string]any{"title": "!!!"}, []userError{{Field: []string{"input", "title"}, Code: "INVALID"}}},
			{"blank title and a bad slug", map[string]any{"title": "", "slug": "Not A Slug!"}, []userError{{Field: []string{"input", "title"}, Code: "INVALID"}, {Field: []string{"input", "slug"}, Code: "INVALID"}}},
			// Unknown links come with the format problems, all at once.
			{"unknown section and a bad URL", map[string]any{"title": "Y", "category": "sport", "canonicalUrl": "javascript:alert(1)"}, []userError{{Field: []string{"input", "canonicalUrl"}, Code: "INVALID"}, {Field: []string{"input", "category"}, Code: "NOT_FOUND"}}},
			{"unknown author and section with a blank title", map[string]any{"title": " ", "category": "sport", "authors": []string{globalID("Author", 999999)}}, []userError{{Field: []string{"input", "title"}, Code: "INVALID"}, {Field: []string{"input", "category"}, Code: "NOT_FOUND"}, {Field: []string{"input", "authors"}, Code: "NOT_FOUND"}}},
			{"long title and too many tags", map[string]any{"title": strings.Repeat("t", 301), "tags": manyTags(31)}, []userError{{Field: []string{"input", "title"}, Code: "INVALID"}, {Field: []string{"input", "tags"}, Code: "INVALID"}}},
			{"huge body", map[string]any{"title": "Big", "body": strings.Repeat("x", 600<<10)}, []userError{{Field: []string{"input", "body"}, Code: "INVALID"}}},
			{"unknown section", map[string]any{"title": "Y", "category": "sport"}, []userError{{Field: []string{"input", "category"}, Code: "NOT_FOUND"}}},
			{"unknown author", map[string]any{"title": "Y", "authors": []string{globalID("Author", 999999)}}, []userError{{Field: []string{"input", "authors"}, Code: "NOT_FOUND"}}},
			{"wrong id type", map[string]any{"title": "Y", "authors": []string{globalID("Tag", 1)}}, []userError{{Field: []string{"input", "authors"}, Code: "INVALID"}}},
			{"javascript canonical", map[string]any{"title": "Y", "canonicalUrl": "javascript:alert(1)"}, []userError{{Field: []string{"input", "canonicalUrl"}, Code: "INVALID"}}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p := create(t, s, editor, tc.input)
				if p.Article != nil {
					t.Errorf("article created despite errors: %+v", p.Article)
				}
				if len(p.UserErrors) != len(tc.want) {
					t.Fatalf("userErrors %+v, want %+v", p.UserErrors, tc.want)
				}
				for i, w := range tc.want {
					if g := p.UserErrors[i]; !slices.Equal(g.Field, w.Field) || g.Code != w.Code || g.Message == "" {
						t.Errorf("userErrors[%d] = %+v, want field %v code %s", i, g, w.Field, w.Code)
					}
				}
			})
		}
	})
}

func manyTags(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("tag %d", i)
	}
	return out
}

func TestUpdateConflictsAndRaces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		alice := s.Token(t, "alice", auth.Editor)
		bob := s.Token(t, "bob", auth.Editor)
		p := create(t, s, alice, map[string]any{"title": "Race", "body": "First draft."})
		id := p.Article.ID

		upd := mutate(t, s, alice, "updateArticle(id: $id, input: $update, expectedVersion: $v)", "", map[string]any{"id": id, "update": map[string]any{"title": "Race, edited"}, "v": 1})
		if len(upd.UserErrors) > 0 || upd.Article.Version != 2 || upd.Article.Title != "Race, edited" || upd.Article.Slug != "race" {
			t.Fatalf("update: %+v", upd)
		}
		stale := mutate(t, s, bob, "updateArticle(id: $id, input: $update, expectedVersion: $v)", "", map[string]any{"id": id, "update": map[string]any{"title": "Bob's title"}, "v": 1})
		if len(stale.UserErrors) != 1 || stale.UserErrors[0].Code != "CONFLICT" {
			t.Fatalf("stale update: %+v", stale)
		}
		if stale.Article == nil || stale.Article.Title != "Race, edited" || stale.Article.Version != 2 {
			t.Errorf("conflict payload should carry the current article: %+v", stale.Article)
		}

		// Two editors race from the same version: exactly one wins.
		for round := range 5 {
			var wg sync.WaitGroup
			results := make([]articlePayload, 2)
			version := 2 + round
			for i, tok := range []string{alice, bob} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = mutate(t, s, tok, "updateArticle(id: $id, input: $update, expectedVersion: $v)", "", map[string]any{"id": id, "update": map[string]any{"body": fmt.Sprintf("round %d by %d", round, i)}, "v": version})
				}()
			}
			wg.Wait()
			wins, conflicts := 0, 0
			for _, r := range results {
				switch {
				case len(r.UserErrors) == 0:
					wins++
				case r.UserErrors[0].Code == "CONFLICT":
					conflicts++
				}
			}
			if wins != 1 || conflicts != 1 {
				t.Fatalf("round %d: %d wins, %d conflicts: %+v", round, wins, conflicts, results)
			}
		}
	})
}

func TestPublishScheduleUnpublishDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		start := time.Date(2030, 3, 1, 8, 0, 0, 0, time.UTC)
		clock := testserver.NewClock(start)
		s := testserver.New(t, db, []content.Option{content.WithClock(clock.Now)})
		editor := s.Token(t, "desk", auth.Editor)
		id := create(t, s, editor, map[string]any{"title": "Embargoed report", "body": "Numbers."}).Article.ID
		visible := func() bool {
			var got struct{ Article *struct{ ID string } }
			s.MustData(t, testserver.Request{Query: `{ article(slug: "embargoed-report") { id } }`}, &got)
			return got.Article != nil
		}

		at := start.Add(2 * time.Hour)
		p := mutate(t, s, editor, "publishArticle(id: $id, at: $at)", "", map[string]any{"id": id, "at": at.Format(time.RFC3339)})
		if p.Article.Status != "SCHEDULED" || !p.Article.PublishedAt.Equal(at) {
			t.Fatalf("schedule: %+v", p)
		}
		if visible() {
			t.Fatal("scheduled article visible before its time")
		}
		if n, err := s.Content.PublishDue(context.Background()); err != nil || n != 0 {
			t.Fatalf("PublishDue before time: %d, %v", n, err)
		}
		clock.Advance(2*time.Hour + time.Second)
		// Two replicas (and a restarted one) race to publish: exactly one does.
		replicas := []*content.Service{s.Content, content.New(store.New(db), content.WithClock(clock.Now)), content.New(store.New(db), content.WithClock(clock.Now))}
		var wg sync.WaitGroup
		counts := make([]int, len(replicas))
		for i, r := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := r.PublishDue(context.Background())
				if err != nil {
					t.Errorf("replica %d: %v", i, err)
				}
				counts[i] = n
			}()
		}
		wg.Wait()
		if total := counts[0] + counts[1] + counts[2]; total != 1 {
			t.Fatalf("scheduled article published %d times across replicas (%v)", total, counts)
		}
		// …and the audit log says so once: the replicas that lost the race
		// did nothing, and record nothing.
		var audited int64
		if err := db.SQL().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = ?", content.ActionScheduledPub).Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited != 1 {
			t.Errorf("%d audit entries for one scheduled publication across replicas, want 1", audited)
		}
		if !visible() {
			t.Fatal("due article not visible after the scheduler ran")
		}

		un := mutate(t, s, editor, "unpublishArticle(id: $id)", "", map[string]any{"id": id})
		if un.Article.Status != "DRAFT" || visible() {
			t.Fatalf("unpublish: %+v", un)
		}
		now := mutate(t, s, editor, "publishArticle(id: $id)", "", map[string]any{"id": id})
		if now.Article.Status != "PUBLISHED" || !visible() {
			t.Fatalf("publish now: %+v", now)
		}
		del := mutate(t, s, editor, "deleteArticle(id: $id)", "", map[string]any{"id": id})
		if len(del.UserErrors) > 0 || visible() {
			t.Fatalf("delete: %+v", del)
		}
		var ed struct{ Article *struct{ ID string } }
		s.MustData(t, testserver.Request{Query: `{ article(slug: "embargoed-report") { id } }`, Token: editor}, &ed)
		if ed.Article != nil {
			t.Error("deleted article still visible to editors")
		}
		again := mutate(t, s, editor, "deleteArticle(id: $id)", "", map[string]any{"id": id})
		if len(again.UserErrors) != 1 || again.UserErrors[0].Code != "NOT_FOUND" {
			t.Errorf("deleting twice: %+v", again)
		}
		res := mutate(t, s, editor, "restoreArticle(id: $id)", "", map[string]any{"id": id})
		if len(res.UserErrors) > 0 || !visible() {
			t.Fatalf("restore: %+v", res)
		}

		// Every change left a revision, newest first.
		var revs struct {
			Article struct {
				Revisions []struct {
					ID, Actor, Action, Status string
					Version                   int
					ChangedFields             []string
				}
			}
		}
		s.MustData(t, testserver.Request{Query: `{ article(slug: "embargoed-report") { revisions { id actor action status version changedFields } } }`, Token: editor}, &revs)
		var actions []string
		for _, r := range revs.Article.Revisions {
			actions = append(actions, r.Action)
		}
		want := []string{"article.restore", "article.delete", "article.publish", "article.unpublish", "article.publish_scheduled", "article.schedule", "article.create"}
		if !slices.Equal(actions, want) {
			t.Errorf("revision actions %v, want %v", actions, want)
		}
		if revs.Article.Revisions[4].Actor != "scheduler" || revs.Article.Revisions[0].Actor != "desk" {
			t.Errorf("revision actors: %+v", revs.Article.Revisions)
		}
	})
}

func TestRevisionsRestoreAndAudit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		editor := s.Token(t, "desk", auth.Editor)
		admin := s.Token(t, "chief", auth.Admin)
		id := create(t, s, editor, map[string]any{"title": "Original headline", "body": "Original body.", "tags": []string{"One"}}).Article.ID
		mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": id, "update": map[string]any{"title": "Changed headline", "body": "Changed body.", "tags": []string{"Two"}}})
		var revs struct {
			Node struct {
				Revisions []struct {
					ID, Title     string
					ChangedFields []string
				}
			}
		}
		q := `query($id: ID!) { node(id: $id) { ... on Article { revisions { id title changedFields } } } }`
		s.MustData(t, testserver.Request{Query: q, Variables: map[string]any{"id": id}, Token: editor}, &revs)
		if len(revs.Node.Revisions) != 2 || !slices.Equal(revs.Node.Revisions[0].ChangedFields, []string{"title", "body", "tags"}) {
			t.Fatalf("revisions: %+v", revs)
		}
		first := revs.Node.Revisions[1].ID
		r := mutate(t, s, editor, "restoreRevision(articleId: $id, revisionId: $rev)", "", map[string]any{"id": id, "rev": first})
		if len(r.UserErrors) > 0 || r.Article.Title != "Original headline" || r.Article.Version != 3 || r.Article.Tags[0].Name != "One" {
			t.Fatalf("restoreRevision: %+v", r)
		}
		missing := mutate(t, s, editor, "restoreRevision(articleId: $id, revisionId: $rev)", "", map[string]any{"id": id, "rev": "999999"})
		if len(missing.UserErrors) != 1 || missing.UserErrors[0].Code != "NOT_FOUND" {
			t.Errorf("restoring a missing revision: %+v", missing)
		}
		create(t, s, editor, map[string]any{"title": ""}) // a failed attempt is audited too

		var audit struct {
			AuditLog struct {
				TotalCount int
				Nodes      []struct {
					Actor, Action, Outcome, ObjectType string
					ObjectID                           *string
				}
			}
		}
		s.MustData(t, testserver.Request{Query: `{ auditLog(first: 10, filter: {actor: "desk"}) { totalCount nodes { actor action outcome objectType objectId } } }`, Token: admin}, &audit)
		var got []string
		for _, e := range audit.AuditLog.Nodes {
			got = append(got, e.Action+":"+e.Outcome)
		}
		want := []string{"article.create:invalid", "article.restore_revision:not_found", "article.restore_revision:ok", "article.update:ok", "article.create:ok"}
		if !slices.Equal(got, want) || audit.AuditLog.TotalCount != 5 {
			t.Errorf("audit log %v (total %d), want %v", got, audit.AuditLog.TotalCount, want)
		}
		if n := audit.AuditLog.Nodes[2]; n.ObjectID == nil || *n.ObjectID != id {
			t.Errorf("audit entry object id %v, want %s", n.ObjectID, id)
		}

		// Refused before the service saw them: a role the token lacks. An
		// anonymous caller's refusals are not recorded (anyone could fill
		// the log with them).
		s.Do(t, testserver.Request{Token: editor, Query: `mutation { createCategory(input: {name: "Not yours"}) { userErrors { code } } }`})
		s.Do(t, testserver.Request{Query: `mutation { createCategory(input: {name: "Anonymous"}) { userErrors { code } } }`})
		s.MustData(t, testserver.Request{Query: `{ auditLog(first: 10, filter: {actor: "desk"}) { totalCount nodes { actor action outcome objectType objectId } } }`, Token: admin}, &audit)
		if first := audit.AuditLog.Nodes[0]; first.Action+":"+first.Outcome != "createCategory:denied" || audit.AuditLog.TotalCount != 6 {
			t.Errorf("the editor's refused createCategory: newest entry %+v (total %d), want createCategory:denied and 6 in all", first, audit.AuditLog.TotalCount)
		}
		s.MustData(t, testserver.Request{Query: `{ auditLog(first: 1, filter: {outcome: "denied"}) { totalCount } }`, Token: admin}, &audit)
		if audit.AuditLog.TotalCount != 1 {
			t.Errorf("%d denied entries, want 1 (the editor's; not the anonymous caller's)", audit.AuditLog.TotalCount)
		}
	})
}

func TestFailedWriteLeavesNothingBehind(t *testing.T) {
	for _, step := range []string{"links", "revision", "audit"} {
		t.Run(step, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
				boom := errors.New("injected failure at " + step)
				s := testserver.New(t, db, []content.Option{content.WithFailpoint(func(at string) error {
					if at == step {
						return boom
					}
					return nil
				})})
				ctx := context.Background()
				before := tableCounts(t, db)
				editor := s.Token(t, "desk", auth.Editor)
				r := s.Do(t, testserver.Request{Query: `mutation { createArticle(input: {title: "Doomed", body: "x", tags: ["Brand new tag"]}) { article { id } userErrors { code } } }`, Token: editor})
				if codes := r.Codes(); !slices.Equal(codes, []string{"INTERNAL"}) {
					t.Fatalf("codes %v: %s", codes, r.Body)
				}
				after := tableCounts(t, db)
				for _, table := range []string{"articles", "article_tags", "article_authors", "tags", "article_revisions"} {
					if after[table] != before[table] {
						t.Errorf("%s: %d rows before, %d after a failed write", table, before[table], after[table])
					}
				}
				var entries []models.AuditEntry
				db.WithContext(ctx).Find(&entries)
				if len(entries) != 1 || entries[0].Outcome != "error" {
					t.Errorf("audit log after a failed write: %+v", entries)
				}
			})
		})
	}
}

func tableCounts(t *testing.T, db *dbconn.DB) map[string]int64 {
	out := map[string]int64{}
	for _, table := range []string{"articles", "article_tags", "article_authors", "tags", "article_revisions"} {
		var n int64
		if err := db.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func TestAuthorsAndSections(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		admin := s.Token(t, "chief", auth.Admin)
		type authorPayload struct {
			Author     *struct{ ID, Slug, Name string }
			UserErrors []userError
		}
		var created struct{ CreateAuthor authorPayload }
		s.MustData(t, testserver.Request{Token: admin, Query: `mutation { createAuthor(input: {name: "Zoë Ångström", jobTitle: "Intern"}) { author { id slug name } userErrors { field code message } } }`}, &created)
		if created.CreateAuthor.Author == nil || created.CreateAuthor.Author.Slug != "zoe-angstrom" {
			t.Fatalf("createAuthor: %+v", created)
		}
		var dup struct{ CreateAuthor authorPayload }
		s.MustData(t, testserver.Request{Token: admin, Query: `mutation { createAuthor(input: {name: "Other", slug: "zoe-angstrom"}) { author { id } userErrors { field code message } } }`}, &dup)
		if len(dup.CreateAuthor.UserErrors) != 1 || dup.CreateAuthor.UserErrors[0].Code != "TAKEN" {
			t.Errorf("duplicate author slug: %+v", dup)
		}
		var upd struct{ UpdateAuthor authorPayload }
		s.MustData(t, testserver.Request{Token: admin, Query: `mutation($id: ID!) { updateAuthor(id: $id, input: {name: "Zoë Å."}) { author { id slug name } userErrors { code } } }`, Variables: map[string]any{"id": created.CreateAuthor.Author.ID}}, &upd)
		if upd.UpdateAuthor.Author == nil || upd.UpdateAuthor.Author.Name != "Zoë Å." {
			t.Errorf("updateAuthor: %+v", upd)
		}
		var giulia struct{ Author struct{ ID string } }
		s.MustData(t, testserver.Request{Query: `{ author(slug: "giulia-marino") { id } }`}, &giulia)
		var refused struct{ DeleteAuthor authorPayload }
		s.MustData(t, testserver.Request{Token: admin, Query: `mutation($id: ID!) { deleteAuthor(id: $id) { author { id } userErrors { field code message } } }`, Variables: map[string]any{"id": giulia.Author.ID}}, &refused)
		if len(refused.DeleteAuthor.UserErrors) != 1 || refused.DeleteAuthor.UserErrors[0].Code != "IN_USE" || !strings.Contains(refused.DeleteAuthor.UserErrors[0].Message, "published") {
			t.Errorf("deleting a credited author: %+v", refused)
		}
		var deleted struct{ DeleteAuthor authorPayload }
		s.MustData(t, testserver.Request{Token: admin, Query: `mutation($id: ID!) { deleteAuthor(id: $id) { author { id } userErrors { code } } }`, Variables: map[string]any{"id": created.CreateAuthor.Author.ID}}, &deleted)
		if len(deleted.DeleteAuthor.UserErrors) != 0 {
			t.Errorf("deleting an uncredited author: %+v", deleted)
		}
		var gone struct{ Author *struct{ ID string } }
		s.MustData(t, testserver.Request{Query: `{ author(slug: "zoe-angstrom") { id } }`}, &gone)
		if gone.Author != nil {
			t.Error("deleted author still visible")
		}

		var cat struct {
			CreateCategory struct {
				Category   *struct{ ID, Slug string }
				UserErrors []userError
			}
		}
		s.MustData(t, testserver.Request{Token: admin, Query: `mutation { createCategory(input: {name: "Sport", position: 8}) { category { id slug } userErrors { code } } }`}, &cat)
		if cat.CreateCategory.Category == nil || cat.CreateCategory.Category.Slug != "sport" {
			t.Fatalf("createCategory: %+v", cat)
		}
		var ucat struct {
			UpdateCategory struct {
				Category   *struct{ Name string }
				UserErrors []userError
			}
		}
		s.MustData(t, testserver.Request{Token: admin, Query: `mutation($id: ID!) { updateCategory(id: $id, input: {name: "Sports", slug: "world"}) { category { name } userErrors { field code } } }`, Variables: map[string]any{"id": cat.CreateCategory.Category.ID}}, &ucat)
		if len(ucat.UpdateCategory.UserErrors) != 1 || ucat.UpdateCategory.UserErrors[0].Code != "TAKEN" {
			t.Errorf("renaming a section onto a taken slug: %+v", ucat)
		}
	})
}

var _ = http.StatusOK

func TestSetRelatedArticles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		editor := s.Token(t, "desk", auth.Editor)
		ids := map[string]string{}
		for _, slug := range []string{demo.SeedSlug, "the-10-best-films-about-us-presidential-elections", "how-to-win-a-nobel-prize-the-path-to-one-of-the-most-prestigious-awards"} {
			var got struct{ Article struct{ ID string } }
			s.MustData(t, testserver.Request{Query: `query($s: String!) { article(slug: $s) { id } }`, Variables: map[string]any{"s": slug}}, &got)
			ids[slug] = got.Article.ID
		}
		films, nobel := ids["the-10-best-films-about-us-presidential-elections"], ids["how-to-win-a-nobel-prize-the-path-to-one-of-the-most-prestigious-awards"]
		q := `mutation($id: ID!, $r: [ID!]!) { setRelatedArticles(id: $id, relatedIds: $r) { article { id } userErrors { field code } } }`
		if r := s.Do(t, testserver.Request{Query: q, Variables: map[string]any{"id": ids[demo.SeedSlug], "r": []string{nobel}}}); !slices.Equal(r.Codes(), []string{"UNAUTHENTICATED"}) {
			t.Fatalf("a reader setting picks: %s", r.Body)
		}
		var set struct {
			SetRelatedArticles struct {
				Article    *struct{ ID string }
				UserErrors []userError
			}
		}
		s.MustData(t, testserver.Request{Token: editor, Query: q, Variables: map[string]any{"id": ids[demo.SeedSlug], "r": []string{nobel, films}}}, &set)
		if len(set.SetRelatedArticles.UserErrors) > 0 {
			t.Fatalf("setRelatedArticles: %+v", set)
		}
		var rel struct {
			Article struct{ Related []struct{ ID, Slug string } }
		}
		s.MustData(t, testserver.Request{Query: `{ article(slug: "` + demo.SeedSlug + `") { related(first: 4) { id slug } } }`}, &rel)
		got := rel.Article.Related
		if len(got) < 3 || got[0].ID != nobel || got[1].ID != films {
			t.Fatalf("related after picks: %+v", got)
		}
		if got[2].Slug != demo.ReadAlsoSlug {
			t.Errorf("the Read also article should lead the automatic suggestions: %+v", got)
		}
		var bad struct {
			SetRelatedArticles struct{ UserErrors []userError }
		}
		s.MustData(t, testserver.Request{Token: editor, Query: q, Variables: map[string]any{"id": ids[demo.SeedSlug], "r": []string{ids[demo.SeedSlug]}}}, &bad)
		if len(bad.SetRelatedArticles.UserErrors) != 1 || !slices.Equal(bad.SetRelatedArticles.UserErrors[0].Field, []string{"relatedIds"}) {
			t.Errorf("picking the article itself: %+v", bad)
		}
	})
}
