package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
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

func mutate(t testing.TB, s *testserver.Server, token, name, args string, vars map[string]any) articlePayload {
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
		replicas := []*content.Service{s.Content, content.New(content.StorageOf(store.New(db)), content.WithClock(clock.Now)), content.New(content.StorageOf(store.New(db)), content.WithClock(clock.Now))}
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
