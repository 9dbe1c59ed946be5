package server_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/models"
)

func TestRevisionsRestoreAndAudit(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
				for _, table := range []string{"articles", "article_tags", "article_authors", "author_articles", "author_article_counts", "tag_articles", "tag_article_counts", "category_articles", "category_article_counts", "tags", "article_revisions"} {
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
	for _, table := range []string{"articles", "article_tags", "article_authors", "author_articles", "author_article_counts", "tag_articles", "tag_article_counts", "category_articles", "category_article_counts", "tags", "article_revisions"} {
		var n int64
		if err := db.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func TestAuthorsAndSections(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
