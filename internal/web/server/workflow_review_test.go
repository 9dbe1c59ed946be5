package server_test

import (
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestWorkflowKeepsWhatReadersRelyOn: publishing what is published does
// not move it up the front page; restoring a revision does not change a
// published article's URL; an author on a scheduled byline cannot be
// deleted from under it.
func TestWorkflowKeepsWhatReadersRelyOn(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		editor := s.Token(t, "desk", auth.Editor)
		admin := s.Token(t, "chief", auth.Admin)

		t.Run("publishing twice", func(t *testing.T) {
			id := create(t, s, editor, map[string]any{"title": "Published once"}).Article.ID
			first := mutate(t, s, editor, "publishArticle(id: $id)", "", map[string]any{"id": id}).Article
			again := mutate(t, s, editor, "publishArticle(id: $id)", "", map[string]any{"id": id})
			if len(again.UserErrors) > 0 || again.Article.Status != "PUBLISHED" || !again.Article.PublishedAt.Equal(*first.PublishedAt) || again.Article.Version != first.Version {
				t.Errorf("publishing a published article: %+v, want publishedAt %v and version %d kept", again.Article, first.PublishedAt, first.Version)
			}
		})

		t.Run("restoring a revision", func(t *testing.T) {
			id := create(t, s, editor, map[string]any{"title": "Bei Jing"}).Article.ID // slug bei-jing
			upd := mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": id, "update": map[string]any{"slug": "beijing-story", "title": "Beijing story"}})
			if upd.Article == nil || upd.Article.Slug != "beijing-story" {
				t.Fatalf("set the slug: %+v", upd)
			}
			mutate(t, s, editor, "publishArticle(id: $id)", "", map[string]any{"id": id})
			var revs struct {
				Node struct{ Revisions []struct{ ID string } }
			}
			s.MustData(t, testserver.Request{Token: editor, Query: `query($id: ID!) { node(id: $id) { ... on Article { revisions { id } } } }`, Variables: map[string]any{"id": id}}, &revs)
			oldest := revs.Node.Revisions[len(revs.Node.Revisions)-1].ID
			r := mutate(t, s, editor, "restoreRevision(articleId: $id, revisionId: $rev)", "", map[string]any{"id": id, "rev": oldest})
			if len(r.UserErrors) > 0 || r.Article.Title != "Bei Jing" || r.Article.Slug != "beijing-story" || r.Article.Status != "PUBLISHED" {
				t.Errorf("restoring the first revision: %+v, want its title under the current slug, still published", r)
			}
			var reader struct{ Article *struct{ Title string } }
			s.MustData(t, testserver.Request{Query: `{ article(slug: "beijing-story") { title } }`}, &reader)
			if reader.Article == nil {
				t.Errorf("the article's URL stopped working after a restore")
			}
		})

		t.Run("a tag first used on a draft", func(t *testing.T) {
			id := create(t, s, editor, map[string]any{"title": "Embargoed: the succession", "tags": []string{"Royal Succession Plan"}}).Article.ID
			lookup := testserver.Request{GET: true, Query: `{ tag(slug: "royal-succession-plan") { name } tags(first: 100) { nodes { slug } } }`}
			type tags struct {
				Tag  *struct{ Name string }
				Tags struct{ Nodes []struct{ Slug string } }
			}
			listed := func(got tags) bool {
				for _, n := range got.Tags.Nodes {
					if n.Slug == "royal-succession-plan" {
						return true
					}
				}
				return false
			}
			var reader, ed tags
			s.MustData(t, lookup, &reader)
			if reader.Tag != nil || listed(reader) {
				t.Errorf("a reader sees the tag of an embargoed draft: %+v", reader)
			}
			s.MustData(t, testserver.Request{Query: lookup.Query, Token: editor}, &ed)
			if ed.Tag == nil || !listed(ed) {
				t.Errorf("an editor does not see the draft's tag: %+v", ed)
			}
			mutate(t, s, editor, "publishArticle(id: $id)", "", map[string]any{"id": id})
			s.MustData(t, lookup, &reader) // after the cached answer above: it must have been purged
			if reader.Tag == nil || !listed(reader) {
				t.Errorf("the tag stays hidden after its article was published: %+v", reader)
			}
		})

		t.Run("deleting the author of a scheduled article", func(t *testing.T) {
			var author struct {
				CreateAuthor struct{ Author struct{ ID string } }
			}
			s.MustData(t, testserver.Request{Token: admin, Query: `mutation { createAuthor(input: {name: "On The Schedule"}) { author { id } } }`}, &author)
			aid := author.CreateAuthor.Author.ID
			id := create(t, s, editor, map[string]any{"title": "Embargoed", "authors": []string{aid}}).Article.ID
			mutate(t, s, editor, "publishArticle(id: $id, at: $at)", "", map[string]any{"id": id, "at": "2099-01-01T09:00:00Z"})
			var del struct {
				DeleteAuthor struct{ UserErrors []userError }
			}
			s.MustData(t, testserver.Request{Token: admin, Query: `mutation($id: ID!) { deleteAuthor(id: $id) { author { id } userErrors { field code message } } }`, Variables: map[string]any{"id": aid}}, &del)
			if len(del.DeleteAuthor.UserErrors) != 1 || del.DeleteAuthor.UserErrors[0].Code != "IN_USE" {
				t.Errorf("deleting the author of a scheduled article: %+v, want IN_USE", del)
			}
		})
	})
}
