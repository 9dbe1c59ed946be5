package server_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/store"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/models"
)

const articlePage = `query Page($slug: String!) {
  article(slug: $slug) {
    id slug title subtitle bodyHtml body excerpt status publishedAt readingTimeMinutes wordCount
    authors { name slug jobTitle }
    category { name slug }
    tags { name slug }
  }
}`

func TestArticlePageBySlug(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		var got struct {
			Article struct {
				ID, Slug, Title, Subtitle, BodyHTML, Body, Excerpt, Status string
				PublishedAt                                                time.Time
				ReadingTimeMinutes, WordCount                              int
				Authors                                                    []struct{ Name, Slug, JobTitle string }
				Category                                                   struct{ Name, Slug string }
				Tags                                                       []struct{ Name, Slug string }
			}
		}
		r := s.MustData(t, testserver.Request{Query: articlePage, Variables: map[string]any{"slug": demo.SeedSlug}}, &got)
		a := got.Article
		if a.Title != "The exchange of weapons between Putin and Kim Jong Un alarms the West" {
			t.Errorf("title = %q", a.Title)
		}
		if !strings.HasPrefix(a.Subtitle, "North Korea is reportedly exploiting") {
			t.Errorf("subtitle = %q", a.Subtitle)
		}
		for _, h := range []string{"Exchange of arms between Moscow and Pyongyang", "More intense relations between Putin and Kim Jong Un", "Spy satellites and ballistic missiles"} {
			if !strings.Contains(a.BodyHTML, ">"+h+"</h2>") {
				t.Errorf("bodyHtml lacks subhead %q", h)
			}
		}
		if !strings.Contains(a.BodyHTML, `href="/articles/`+demo.ReadAlsoSlug+`"`) {
			t.Errorf("bodyHtml lacks the Read also link")
		}
		if a.Status != "PUBLISHED" || a.PublishedAt.IsZero() {
			t.Errorf("status %s publishedAt %v", a.Status, a.PublishedAt)
		}
		if a.WordCount < 500 || a.ReadingTimeMinutes < 2 {
			t.Errorf("wordCount %d readingTime %d", a.WordCount, a.ReadingTimeMinutes)
		}
		if len(a.Authors) != 1 || a.Authors[0].Slug != "giulia-marino" {
			t.Errorf("authors = %+v", a.Authors)
		}
		if a.Category.Slug != "world" {
			t.Errorf("category = %+v", a.Category)
		}
		if len(a.Tags) != 8 {
			t.Errorf("tags = %+v", a.Tags)
		}
		// One statement for the article, one per relation, one for the
		// target of the body's "Read also" link (shown only if the reader
		// may see it).
		if r.Statements > 5 {
			t.Errorf("article page took %d SQL statements, want at most 5", r.Statements)
		}
	})
}

const homepage = `query Home($n: Int!) {
  articles(first: $n) {
    nodes { title authors { name } category { name } tags { name } }
    totalCount
  }
}`

func TestHomepageStatementsDoNotGrowWithPageSize(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		if err := demo.Synthetic(context.Background(), demo.StorageOf(store.New(s.DB)), s.Content, 80, demo.SyntheticOptions{Seed: 7}); err != nil {
			t.Fatal(err)
		}
		counts := map[int]int64{}
		for _, n := range []int{5, 50} {
			var got struct {
				Articles struct {
					Nodes []struct {
						Title    string
						Authors  []struct{ Name string }
						Category *struct{ Name string }
						Tags     []struct{ Name string }
					}
					TotalCount int
				}
			}
			r := s.MustData(t, testserver.Request{Query: homepage, Variables: map[string]any{"n": n}}, &got)
			if len(got.Articles.Nodes) != n {
				t.Fatalf("first: %d returned %d articles", n, len(got.Articles.Nodes))
			}
			for _, a := range got.Articles.Nodes {
				if len(a.Authors) == 0 || a.Category == nil || len(a.Tags) == 0 {
					t.Fatalf("article %q lacks relations: %+v", a.Title, a)
				}
			}
			counts[n] = r.Statements
		}
		if counts[5] != counts[50] {
			t.Errorf("statements grow with page size: %d for 5 articles, %d for 50", counts[5], counts[50])
		}
		// list + count + authors + tags + categories
		if counts[50] > 5 {
			t.Errorf("homepage took %d statements, want at most 5", counts[50])
		}
		t.Logf("homepage query: %d SQL statements for 5 and for 50 articles", counts[50])
	})
}

// editorAuth lets tests act as an editor before API tokens exist in the
// test: "Bearer test-editor" is an editor, anything else a reader.
func editorAuth(r *http.Request) (auth.Viewer, error) {
	switch r.Header.Get("Authorization") {
	case "":
		return auth.Viewer{Role: auth.Reader}, nil
	case "Bearer test-editor":
		return auth.Viewer{Role: auth.Editor, TokenName: "test-editor"}, nil
	}
	return auth.Viewer{}, apperr.New(apperr.Unauthenticated, "unknown token")
}

func TestUnpublishedArticlesNeverReachReaders(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil, func(c *server.Config) { c.Authenticate = editorAuth })
		ctx := context.Background()
		if err := demo.Seed(ctx, s.Content); err != nil {
			t.Fatal(err)
		}
		// Hidden articles share the seed article's section, tag and author.
		future := time.Now().Add(24 * time.Hour)
		hidden := map[string]content.ArticleInput{
			"draft":     {Status: models.StatusDraft},
			"scheduled": {Status: models.StatusScheduled, PublishedAt: &future},
			"future":    {Status: models.StatusPublished, PublishedAt: &future},
			"archived":  {Status: models.StatusArchived, PublishedAt: ptr(time.Now().Add(-time.Hour))},
		}
		author, _ := s.Content.LookupAuthor(ctx, 0, "giulia-marino")
		var hiddenIDs []string
		for name, in := range hidden {
			in.Title = "Secret " + name + " about North Korea"
			in.Body = "Not for readers yet."
			in.Category = "world"
			in.Tags = []string{"North Korea"}
			in.AuthorIDs = []uint64{author.ID}
			a, err := s.Content.CreateArticle(ctx, in)
			if err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			hiddenIDs = append(hiddenIDs, globalID("Article", a.ID))
		}
		draftSlug := "secret-draft-about-north-korea"

		type listing struct {
			TotalCount int
			Nodes      []struct{ ID, Title string }
		}
		lists := `{
		  articles(first: 100) { totalCount nodes { id title } }
		  filtered: articles(first: 100, filter: {category: "world", tags: ["north-korea"], author: "giulia-marino"}) { totalCount nodes { id title } }
		  category(slug: "world") { articles(first: 100) { totalCount nodes { id title } } }
		  tag(slug: "north-korea") { articles(first: 100) { totalCount nodes { id title } } }
		  author(slug: "giulia-marino") { articles(first: 100) { totalCount nodes { id title } } }
		}`
		var got struct {
			Articles, Filtered    listing
			Category, Tag, Author struct{ Articles listing }
		}
		for _, viewer := range []struct {
			name    string
			token   string
			visible bool
		}{{"reader", "", false}, {"editor", "test-editor", true}} {
			t.Run(viewer.name, func(t *testing.T) {
				s.MustData(t, testserver.Request{Query: lists, Token: viewer.token}, &got)
				for name, l := range map[string]listing{"articles": got.Articles, "filtered": got.Filtered, "category": got.Category.Articles, "tag": got.Tag.Articles, "author": got.Author.Articles} {
					ids := make([]string, len(l.Nodes))
					for i, n := range l.Nodes {
						ids[i] = n.ID
					}
					for _, h := range hiddenIDs {
						if slices.Contains(ids, h) != viewer.visible {
							t.Errorf("%s list: hidden article %s visible=%v, want %v", name, h, !viewer.visible, viewer.visible)
						}
					}
					if l.TotalCount != len(l.Nodes) {
						t.Errorf("%s list: totalCount %d but %d nodes", name, l.TotalCount, len(l.Nodes))
					}
				}
				for _, id := range hiddenIDs {
					var one struct {
						Article *struct{ ID string }
						Node    *struct{ ID string }
					}
					s.MustData(t, testserver.Request{Query: `query($id: ID!) { article(id: $id) { id } node(id: $id) { id } }`, Variables: map[string]any{"id": id}, Token: viewer.token}, &one)
					if (one.Article != nil) != viewer.visible || (one.Node != nil) != viewer.visible {
						t.Errorf("lookup of %s: article=%v node=%v, want visible=%v", id, one.Article, one.Node, viewer.visible)
					}
				}
				var bySlug struct{ Article *struct{ Slug string } }
				s.MustData(t, testserver.Request{Query: `{ article(slug: "` + draftSlug + `") { slug } }`, Token: viewer.token}, &bySlug)
				if (bySlug.Article != nil) != viewer.visible {
					t.Errorf("article(slug: draft) = %v, want visible=%v", bySlug.Article, viewer.visible)
				}
			})
		}

		t.Run("reader asking for drafts", func(t *testing.T) {
			r := s.Do(t, testserver.Request{Query: `{ articles(filter: {status: [DRAFT]}) { totalCount } }`})
			if codes := r.Codes(); !slices.Equal(codes, []string{"UNAUTHENTICATED"}) {
				t.Errorf("codes = %v, want UNAUTHENTICATED: %s", codes, r.Body)
			}
		})
	})
}

func ptr[T any](v T) *T { return &v }

func TestPaginationWalksEveryArticleOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil, func(c *server.Config) { c.Authenticate = editorAuth })
		ctx := context.Background()
		if err := demo.Seed(ctx, s.Content); err != nil {
			t.Fatal(err)
		}
		// Ties on publishedAt must still page deterministically.
		same := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		for i := range 5 {
			if _, err := s.Content.CreateArticle(ctx, content.ArticleInput{Title: fmt.Sprintf("Tie %d", i), Status: models.StatusPublished, PublishedAt: &same}); err != nil {
				t.Fatal(err)
			}
		}
		orders := []string{"{field: PUBLISHED_AT, direction: DESC}", "{field: PUBLISHED_AT, direction: ASC}", "{field: TITLE, direction: ASC}", "{field: TITLE, direction: DESC}", "{field: UPDATED_AT, direction: DESC}"}
		for _, order := range orders {
			for _, token := range []string{"", "test-editor"} { // editors' lists include a draft with a NULL publishedAt
				t.Run(order+token, func(t *testing.T) {
					all := walk(t, s, order, token, "first", "after", "endCursor", "hasNextPage")
					var full struct {
						Articles struct {
							TotalCount int
							Nodes      []struct{ ID string }
						}
					}
					s.MustData(t, testserver.Request{Query: `{ articles(first: 100, orderBy: ` + order + `) { totalCount nodes { id } } }`, Token: token}, &full)
					want := make([]string, len(full.Articles.Nodes))
					for i, n := range full.Articles.Nodes {
						want[i] = n.ID
					}
					if !slices.Equal(all, want) {
						t.Fatalf("paging forward by 2:\n got %v\nwant %v", all, want)
					}
					back := walk(t, s, order, token, "last", "before", "startCursor", "hasPreviousPage")
					slices.Reverse(back)
					if !slices.Equal(back, want) {
						t.Fatalf("paging backward by 2:\n got %v\nwant %v", back, want)
					}
					if full.Articles.TotalCount != len(want) {
						t.Errorf("totalCount %d, %d nodes", full.Articles.TotalCount, len(want))
					}
				})
			}
		}

		t.Run("cursor survives new articles", func(t *testing.T) {
			var p1 struct {
				Articles struct {
					PageInfo struct{ EndCursor string }
					Nodes    []struct{ ID string }
				}
			}
			s.MustData(t, testserver.Request{Query: `{ articles(first: 3) { pageInfo { endCursor } nodes { id } } }`}, &p1)
			var before struct {
				Articles struct{ Nodes []struct{ ID string } }
			}
			q := `query($c: String) { articles(first: 3, after: $c) { nodes { id } } }`
			s.MustData(t, testserver.Request{Query: q, Variables: map[string]any{"c": p1.Articles.PageInfo.EndCursor}}, &before)
			if _, err := s.Content.CreateArticle(ctx, content.ArticleInput{Title: "Breaking news", Status: models.StatusPublished}); err != nil {
				t.Fatal(err)
			}
			var after struct {
				Articles struct{ Nodes []struct{ ID string } }
			}
			s.MustData(t, testserver.Request{Query: q, Variables: map[string]any{"c": p1.Articles.PageInfo.EndCursor}}, &after)
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Errorf("page after cursor changed when a new article was published: %v → %v", before, after)
			}
		})
	})
}

// walk pages through articles two at a time and returns the ids in the order seen.
func walk(t *testing.T, s *testserver.Server, order, token, sizeArg, cursorArg, cursorField, moreField string) []string {
	t.Helper()
	q := fmt.Sprintf(`query($c: String) { articles(%s: 2, %s: $c, orderBy: %s) { nodes { id } pageInfo { %s %s } } }`, sizeArg, cursorArg, order, cursorField, moreField)
	var ids []string
	var cursor any
	for range 100 {
		var got struct {
			Articles struct {
				Nodes    []struct{ ID string }
				PageInfo map[string]any
			}
		}
		s.MustData(t, testserver.Request{Query: q, Variables: map[string]any{"c": cursor}, Token: token}, &got)
		page := got.Articles.Nodes
		if sizeArg == "last" {
			slices.Reverse(page)
		}
		for _, n := range page {
			ids = append(ids, n.ID)
		}
		if more, _ := got.Articles.PageInfo[moreField].(bool); !more {
			return ids
		}
		cursor = got.Articles.PageInfo[cursorField]
	}
	t.Fatal("pagination did not end after 100 pages")
	return nil
}

func TestNodeResolvesEveryType(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		var got struct {
			Article  struct{ ID string }
			Author   struct{ ID string }
			Category struct{ ID string }
			Tag      struct{ ID string }
		}
		s.MustData(t, testserver.Request{Query: `{ article(slug: "` + demo.SeedSlug + `") { id } author(slug: "giulia-marino") { id } category(slug: "world") { id } tag(slug: "north-korea") { id } }`}, &got)
		for typ, id := range map[string]string{"Article": got.Article.ID, "Author": got.Author.ID, "Category": got.Category.ID, "Tag": got.Tag.ID} {
			var n struct {
				Node struct {
					Typename string `json:"__typename"`
					ID       string
				}
			}
			s.MustData(t, testserver.Request{Query: `query($id: ID!) { node(id: $id) { __typename id } }`, Variables: map[string]any{"id": id}}, &n)
			if n.Node.Typename != typ || n.Node.ID != id {
				t.Errorf("node(%s) = %+v, want a %s", id, n.Node, typ)
			}
		}
	})
}

func TestSectionFrontAndLists(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		var got struct {
			Categories []struct{ Slug string }
			Category   struct {
				Name     string
				Articles struct {
					TotalCount int
					Nodes      []struct{ Slug string }
				}
			}
			Tags struct {
				TotalCount int
				Nodes      []struct{ Slug string }
			}
			Authors struct {
				TotalCount int
				Edges      []struct {
					Cursor string
					Node   struct{ Name string }
				}
			}
		}
		s.MustData(t, testserver.Request{GET: true, Query: `{ categories { slug } category(slug: "world") { name articles(first: 10) { totalCount nodes { slug } } } tags(first: 5) { totalCount nodes { slug } } authors(first: 10) { totalCount edges { cursor node { name } } } }`}, &got)
		if len(got.Categories) != len(demo.Categories) || got.Categories[0].Slug != "world" {
			t.Errorf("categories = %+v", got.Categories)
		}
		if got.Category.Articles.TotalCount != 2 || got.Category.Articles.Nodes[0].Slug != demo.SeedSlug {
			t.Errorf("world section = %+v", got.Category.Articles)
		}
		if len(got.Tags.Nodes) != 5 || got.Tags.TotalCount < 20 {
			t.Errorf("tags = %+v", got.Tags)
		}
		names := []string{}
		for _, e := range got.Authors.Edges {
			names = append(names, e.Node.Name)
		}
		if !slices.IsSorted(names) || got.Authors.TotalCount != len(demo.Authors) {
			t.Errorf("authors = %v (total %d)", names, got.Authors.TotalCount)
		}
	})
}

func globalID(typ string, id uint64) string {
	return strings.TrimRight(encodeB64(typ+":"+fmt.Sprint(id)), "=")
}
