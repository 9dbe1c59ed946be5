package server_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/models"
)

const (
	// An author's and a tag's page (read from their archive index) and
	// the same lists through the articles filter read the old way (a
	// reader's condition no index answers), through the links.
	authorPageAll    = `query($slug: String!) { owner: author(slug: $slug) { articles(first: 100) { nodes { slug publishedAt } totalCount } } }`
	authorFilterAll  = `query($slug: String!) { articles(first: 100, filter: {author: $slug, publishedBefore: "9000-01-01T00:00:00Z"}) { nodes { slug publishedAt } totalCount } }`
	tagPageAll       = `query($slug: String!) { owner: tag(slug: $slug) { articles(first: 100) { nodes { slug publishedAt } totalCount } } }`
	tagFilterAll     = `query($slug: String!) { articles(first: 100, filter: {tags: [$slug], publishedBefore: "9000-01-01T00:00:00Z"}) { nodes { slug publishedAt } totalCount } }`
	sectionPageAll   = `query($slug: String!) { owner: category(slug: $slug) { articles(first: 100) { nodes { slug publishedAt } totalCount } } }`
	sectionFilterAll = `query($slug: String!) { articles(first: 100, filter: {category: $slug, publishedBefore: "9000-01-01T00:00:00Z"}) { nodes { slug publishedAt } totalCount } }`
	createAuthorMut  = `mutation($name: String!) { p: createAuthor(input: {name: $name}) { author { id slug } } }`
)

// TestArchivePagesAcrossWrites: through every kind of write — demo and
// synthetic seeding, create, update, publish, unpublish, scheduling a
// publication and a take-down, delete, restore, a new byline, new tags, a
// new section, a translation, an import, staged changes — and time
// passing before and after the scheduler runs, a reader's author and tag
// pages and section fronts give what the old rule gives (the articles
// filter), the archive indexes stay in step
// with the articles, a page costs one SQL statement (the owner, the page
// and the total together; two where it has no rows), and the cached page
// (GET) follows every write.
func TestArchivePagesAcrossWrites(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		start := time.Now().UTC().Truncate(time.Second)
		clock := testserver.NewClock(start)
		s := testserver.New(t, db, []content.Option{content.WithClock(clock.Now), trLocales(t)}, func(c *server.Config) {
			c.ResponseCache = httpcache.StoreOptions{TTL: 24 * time.Hour, Now: clock.Now}
		})
		// The same database through a server without the response cache:
		// the answers compared, and their SQL statements.
		fresh := testserver.New(t, db, []content.Option{content.WithClock(clock.Now), trLocales(t)}, func(c *server.Config) { c.DisableResponseCache = true })
		if err := demo.Seed(ctx, s.Content); err != nil {
			t.Fatal(err)
		}
		if err := demo.Synthetic(ctx, demo.StorageOf(store.New(db)), s.Content, 60, demo.SyntheticOptions{Seed: 7}); err != nil {
			t.Fatal(err)
		}
		editor, admin := s.Token(t, "desk", auth.Editor), s.Token(t, "chief", auth.Admin)
		var slugs []string
		var ids []string
		for _, name := range []string{"Ada Column", "Bo Byline"} {
			var got struct {
				P struct{ Author struct{ ID, Slug string } }
			}
			s.MustData(t, testserver.Request{Token: admin, Query: createAuthorMut, Variables: map[string]any{"name": name}}, &got)
			slugs, ids = append(slugs, got.P.Author.Slug), append(ids, got.P.Author.ID)
		}
		// Demo authors too: their archives came from seeding.
		var demoOwners struct {
			Authors, Tags struct{ Nodes []struct{ Slug string } }
			Categories    []struct{ Slug string }
		}
		s.MustData(t, testserver.Request{Query: `{ authors(first: 5) { nodes { slug } } tags(first: 5) { nodes { slug } } categories { slug } }`}, &demoOwners)
		for _, a := range demoOwners.Authors.Nodes {
			if !slices.Contains(slugs, a.Slug) {
				slugs = append(slugs, a.Slug)
			}
		}
		// The demo tags, and one the writes below bring in.
		tagSlugs := []string{"column-notes"}
		for _, tg := range demoOwners.Tags.Nodes {
			tagSlugs = append(tagSlugs, tg.Slug)
		}
		var sectionSlugs []string
		for _, c := range demoOwners.Categories {
			sectionSlugs = append(sectionSlugs, c.Slug)
		}
		owners := []struct {
			kind, page, filter string
			slugs              []string
		}{{"author", authorPageAll, authorFilterAll, slugs}, {"tag", tagPageAll, tagFilterAll, tagSlugs}, {"section", sectionPageAll, sectionFilterAll, sectionSlugs}}
		// The articles filter by one owner, which the index answers too.
		byOwner := func(filter string) string {
			return strings.Replace(filter, `, publishedBefore: "9000-01-01T00:00:00Z"`, "", 1)
		}

		check := func(step string, cached bool) {
			t.Helper()
			st := store.New(db)
			for kind, drift := range map[string]func(context.Context) ([]uint64, []uint64, error){
				"author": st.AuthorArticlesDrift, "tag": st.TagArticlesDrift, "section": st.SectionArticlesDrift,
			} {
				if arts, os, err := drift(ctx); err != nil || len(arts)+len(os) > 0 {
					t.Fatalf("%s: the %s index drifted: articles %v, %ss %v (%v)", step, kind, arts, kind, os, err)
				}
			}
			for _, o := range owners {
				for _, slug := range o.slugs {
					vars := map[string]any{"slug": slug}
					var page, old struct {
						Owner    *struct{ Articles json.RawMessage }
						Articles json.RawMessage
					}
					r := fresh.MustData(t, testserver.Request{Query: o.page, Variables: vars}, &page)
					fresh.MustData(t, testserver.Request{Query: o.filter, Variables: vars}, &old)
					// The owner with the page and its total; with no article
					// to show, the owner is read after the empty page (and
					// a tag none of whose articles a reader sees is none).
					want := int64(1)
					if page.Owner == nil || strings.Contains(string(page.Owner.Articles), `"nodes":[]`) {
						want = 2
					}
					if r.Statements != want {
						t.Errorf("%s: the %s page of %s took %d SQL statements, want %d", step, o.kind, slug, r.Statements, want)
					}
					if page.Owner == nil {
						if o.kind != "tag" || !strings.Contains(string(old.Articles), `"nodes":[]`) {
							t.Errorf("%s: no %s %s, but the filter lists %s", step, o.kind, slug, old.Articles)
						}
						continue
					}
					if string(page.Owner.Articles) != string(old.Articles) {
						t.Errorf("%s: %s %s\n page:   %s\n filter: %s", step, o.kind, slug, page.Owner.Articles, old.Articles)
						continue
					}
					var filtered struct{ Articles json.RawMessage }
					fresh.MustData(t, testserver.Request{Query: byOwner(o.filter), Variables: vars}, &filtered)
					if string(filtered.Articles) != string(old.Articles) {
						t.Errorf("%s: %s %s\n filter by it alone: %s\n old rule: %s", step, o.kind, slug, filtered.Articles, old.Articles)
					}
					if cached {
						var got struct {
							Owner *struct{ Articles json.RawMessage }
						}
						s.MustData(t, testserver.Request{GET: true, Query: o.page, Variables: vars}, &got)
						if got.Owner == nil || string(got.Owner.Articles) != string(page.Owner.Articles) {
							t.Errorf("%s: cached %s page of %s is stale:\n %+v\n want %s", step, o.kind, slug, got.Owner, page.Owner.Articles)
						}
					}
				}
			}
		}
		check("seeded", true)
		for _, o := range owners {
			seeded := 0
			for _, slug := range o.slugs {
				var seen struct {
					Owner *struct{ Articles struct{ TotalCount int } }
				}
				fresh.MustData(t, testserver.Request{Query: o.page, Variables: map[string]any{"slug": slug}}, &seen)
				if seen.Owner != nil {
					seeded += seen.Owner.Articles.TotalCount
				}
			}
			if seeded == 0 {
				t.Fatalf("the demo %ss %v have no articles: the comparison shows nothing", o.kind, o.slugs)
			}
		}

		in := func(title, status string, authors ...string) map[string]any {
			return map[string]any{"title": title, "body": "Words.", "status": status, "authors": authors, "tags": []string{"Column notes"},
				"category": sectionSlugs[0]}
		}
		a := create(t, s, editor, in("First column", "PUBLISHED", ids[0])).Article
		check("created published", true)
		b := create(t, s, editor, in("Second column", "DRAFT", ids[0], ids[1])).Article
		check("created draft", true)
		mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": b.ID, "update": map[string]any{"title": "Second column, edited"}})
		check("updated", true)
		payload(t, s, editor, publishAt, map[string]any{"id": b.ID})
		check("published", true)
		payload(t, s, editor, unpublishAt, map[string]any{"id": a.ID})
		check("unpublished", true)
		payload(t, s, editor, publishAt, map[string]any{"id": a.ID, "at": start.Add(time.Hour).Format(time.RFC3339)})
		check("scheduled", true)
		payload(t, s, editor, unpublishAt, map[string]any{"id": b.ID, "at": start.Add(2 * time.Hour).Format(time.RFC3339)})
		check("take-down scheduled", true)
		mutate(t, s, editor, "deleteArticle(id: $id)", "", map[string]any{"id": b.ID})
		check("deleted", true)
		mutate(t, s, editor, "restoreArticle(id: $id)", "", map[string]any{"id": b.ID})
		check("restored", true)
		mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": a.ID, "update": map[string]any{"authors": []string{ids[1]}}})
		check("byline changed", true)
		mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": a.ID, "update": map[string]any{"tags": []string{"Column notes", tagSlugs[1]}}})
		check("tags changed", true)
		mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": b.ID, "update": map[string]any{"tags": []string{}}})
		check("tags removed", true)
		mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": a.ID, "update": map[string]any{"category": sectionSlugs[1]}})
		check("section changed", true)
		tr := create(t, s, editor, map[string]any{"title": "Deuxième chronique", "body": "Mots.", "status": "PUBLISHED", "authors": []string{ids[0]}, "locale": "fr", "translationOf": b.ID})
		if tr.Article == nil {
			t.Fatalf("translation: %+v", tr.UserErrors)
		}
		check("translated", true)
		past := start.Add(-48 * time.Hour)
		outs, err := s.Content.ImportBatch(ctx, []content.ImportItem{
			{Source: "test", ExternalID: "1", Title: "Imported column", Body: "Old words.", Status: models.StatusPublished, PublishedAt: &past,
				Authors: []content.ImportAuthor{{Name: "Ada Column", Slug: slugs[0]}}},
			{Source: "test", ExternalID: "2", Title: "Imported draft", Body: "Old words.", Status: models.StatusDraft,
				Authors: []content.ImportAuthor{{Name: "Ada Column", Slug: slugs[0]}}},
		}, false)
		if err != nil || outs[0].Result != content.ImportCreated {
			t.Fatalf("import: %+v %v", outs, err)
		}
		check("imported", true)
		payload(t, s, editor, stageMutation, map[string]any{"id": b.ID, "in": map[string]any{"title": "Second column, staged"}})
		payload(t, s, editor, publishChanges, map[string]any{"id": b.ID})
		check("staged changes published", true)

		// Time passes: the scheduled article is due but not yet flipped,
		// then flipped; the take-down time passes before the scheduler
		// runs (readers stop seeing it at once), then the scheduler takes
		// it down.
		clock.Advance(90 * time.Minute)
		check("scheduled article due", false)
		if n, err := s.Content.PublishDue(ctx); err != nil || n != 1 {
			t.Fatalf("publish due: %d %v", n, err)
		}
		check("scheduled article published", true)
		clock.Advance(time.Hour)
		check("take-down time passed", false)
		if n, err := s.Content.ExpireDue(ctx); err != nil || n != 1 {
			t.Fatalf("expire due: %d %v", n, err)
		}
		check("taken down", true)
	})
}
