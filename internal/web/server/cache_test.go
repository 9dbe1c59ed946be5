package server_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/models"
)

const cachedHome = `query Home { articles(first: 5) { nodes { id title authors { name } category { name } tags { name } } } }`

func surrogateKeys(r *testserver.Response) []string {
	return strings.Fields(r.Header.Get("Surrogate-Key"))
}

func TestHTTPCaching(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil, func(c *server.Config) { c.Authenticate = editorAuth })
		ctx := context.Background()
		if err := demo.Seed(ctx, s.Content); err != nil {
			t.Fatal(err)
		}
		home := testserver.Request{GET: true, Query: cachedHome}

		first := s.Do(t, home)
		if first.Status != 200 || len(first.Errors) > 0 {
			t.Fatalf("homepage: %s", first)
		}
		t.Run("cache headers of a reader's GET", func(t *testing.T) {
			h := first.Header
			if got := h.Get("Cache-Control"); got != "public, max-age=60, stale-while-revalidate=300" {
				t.Errorf("Cache-Control %q", got)
			}
			if vary := strings.Join(h.Values("Vary"), ", "); !strings.Contains(vary, "Authorization") {
				t.Errorf("Vary %q lacks Authorization", vary)
			}
			keys := surrogateKeys(first)
			for _, prefix := range []string{"articles", "article:", "author:", "category:", "tag:"} {
				if !slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, prefix) }) {
					t.Errorf("Surrogate-Key lacks %s…: %v", prefix, keys)
				}
			}
			if tags := strings.Split(h.Get("Cache-Tag"), ","); !slices.Equal(tags, keys) {
				t.Errorf("Cache-Tag %v differs from Surrogate-Key %v", tags, keys)
			}
			if first.Statements == 0 {
				t.Error("the first request cannot have come from the cache")
			}
		})

		t.Run("ETag round trip", func(t *testing.T) {
			etag := first.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			hr, _ := s.NewHTTPRequest(testserver.Request{GET: true, Query: cachedHome, Header: http.Header{"If-None-Match": {etag}}})
			res, body := s.Raw(t, hr)
			if res.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Errorf("If-None-Match with the ETag: %d %q, want 304 and no body", res.StatusCode, body)
			}
			if res.Header.Get("ETag") != etag || res.Header.Get("Cache-Control") == "" {
				t.Errorf("304 must repeat ETag and Cache-Control: %v", res.Header)
			}
			hr, _ = s.NewHTTPRequest(testserver.Request{GET: true, Query: cachedHome, Header: http.Header{"If-None-Match": {`"something-else"`}}})
			if res, _ := s.Raw(t, hr); res.StatusCode != http.StatusOK {
				t.Errorf("a stale ETag got %d, want 200", res.StatusCode)
			}
		})

		t.Run("response cache", func(t *testing.T) {
			again := s.Do(t, home)
			if again.Statements != 0 || string(again.Body) != string(first.Body) {
				t.Errorf("second identical GET ran %d statements (want a cache hit): %s", again.Statements, again)
			}
			post := s.Do(t, testserver.Request{Query: cachedHome})
			if post.Statements != 0 || string(post.Data) != string(first.Data) {
				t.Errorf("a reader's POST of the same query ran %d statements", post.Statements)
			}
			if got := post.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("POST Cache-Control %q, want no-store (CDNs do not cache POST)", got)
			}
			other := s.Do(t, testserver.Request{GET: true, Query: cachedHome, Header: http.Header{"Accept": {"application/graphql-response+json"}}})
			if other.Statements != 0 || !strings.HasPrefix(other.Header.Get("Content-Type"), "application/graphql-response+json") {
				t.Errorf("the cached answer must be served in the negotiated media type: %v, %d statements", other.Header, other.Statements)
			}
		})

		t.Run("editors get private answers of their own", func(t *testing.T) {
			future := time.Now().Add(time.Hour)
			if _, err := s.Content.CreateArticle(ctx, content.ArticleInput{Title: "Embargoed scoop", Status: models.StatusScheduled, PublishedAt: &future}); err != nil {
				t.Fatal(err)
			}
			list := `{ articles(first: 50, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { title } } }`
			ed := s.Do(t, testserver.Request{GET: true, Query: list, Token: "test-editor"})
			if !strings.Contains(string(ed.Body), "Embargoed scoop") {
				t.Fatalf("editor does not see the scheduled article: %s", ed)
			}
			if got := ed.Header.Get("Cache-Control"); got != "private, no-store" || ed.Header.Get("Surrogate-Key") != "" {
				t.Errorf("editor's answer: Cache-Control %q, Surrogate-Key %q", got, ed.Header.Get("Surrogate-Key"))
			}
			for range 2 {
				rd := s.Do(t, testserver.Request{GET: true, Query: list})
				if strings.Contains(string(rd.Body), "Embargoed scoop") {
					t.Fatalf("a reader got the editor's answer: %s", rd)
				}
			}
			if again := s.Do(t, testserver.Request{GET: true, Query: list, Token: "test-editor"}); again.Statements == 0 {
				t.Error("an editor's answer came from the shared cache")
			}
		})

		t.Run("errors are not cached", func(t *testing.T) {
			bad := s.Do(t, testserver.Request{GET: true, Query: `{ article { id } }`})
			if got := bad.Header.Get("Cache-Control"); got != "no-store" || bad.Header.Get("ETag") != "" {
				t.Errorf("an answer with errors: Cache-Control %q ETag %q", got, bad.Header.Get("ETag"))
			}
		})
	})
}

// Content changes purge exactly the answers that show what changed.
func TestResponseCachePurge(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		ctx := context.Background()
		page := testserver.Request{GET: true, Query: `query Page($slug: String!) { article(slug: $slug) { title authors { name } category { name } tags { name } } }`,
			Variables: map[string]any{"slug": demo.SeedSlug}}
		home := testserver.Request{GET: true, Query: cachedHome}
		missing := testserver.Request{GET: true, Query: `{ article(slug: "breaking-late-news") { title } }`}
		cached := func(req testserver.Request) bool {
			t.Helper()
			r := s.Do(t, req)
			if len(r.Errors) > 0 {
				t.Fatalf("unexpected errors: %s", r)
			}
			return r.Statements == 0
		}
		for _, req := range []testserver.Request{page, home, missing} {
			s.Do(t, req)
			if !cached(req) {
				t.Fatalf("second request was not a cache hit: %s", req.Query)
			}
		}

		// A new article in another section, by another author, with a tag of its own.
		author, err := s.Content.CreateAuthor(ctx, content.AuthorInput{Name: "Night Desk"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Content.CreateArticle(ctx, content.ArticleInput{Title: "Breaking late news", Status: models.StatusPublished,
			Category: "technology", Tags: []string{"late-news-only"}, AuthorIDs: []uint64{author.ID}}); err != nil {
			t.Fatal(err)
		}
		if cached(home) {
			t.Error("the homepage was not purged when an article was published")
		}
		if cached(missing) {
			t.Error("a lookup that found nothing was not purged when its article appeared")
		}
		if r := s.Do(t, missing); !strings.Contains(string(r.Body), "Breaking late news") {
			t.Errorf("the new article is not served: %s", r)
		}
		if !cached(page) {
			t.Error("an unrelated article page was purged: purging is not precise")
		}

		// The purge entry point, by key.
		s.Handler.Purge("category:999999")
		if !cached(page) {
			t.Error("purging an unrelated key dropped the article page")
		}
		r := s.Do(t, page)
		var catKey string
		for _, k := range surrogateKeys(r) {
			if strings.HasPrefix(k, "category:") {
				catKey = k
			}
		}
		s.Handler.Purge(catKey)
		if cached(page) {
			t.Errorf("Purge(%q) did not drop the article page", catKey)
		}
	})
}

// TestResponseCacheFollowsSearchAndRelated: cached search results and
// related lists are purged by the writes that change them — a newly
// published article that matches, an editor's new picks — not served
// stale until they expire.
func TestResponseCacheFollowsSearchAndRelated(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil, func(c *server.Config) { c.Authenticate = editorAuth })
		if err := demo.Seed(context.Background(), s.Content); err != nil {
			t.Fatal(err)
		}
		const editor = "test-editor"
		type searchResult struct {
			Search struct {
				TotalCount int
				Nodes      []struct{ Slug string }
			}
		}
		search := testserver.Request{GET: true, Query: `{ search(query: "zanzibar") { totalCount nodes { slug } } }`}
		var before searchResult
		s.MustData(t, search, &before)
		if before.Search.TotalCount != 0 {
			t.Fatalf("the demo content already mentions Zanzibar: %+v", before)
		}
		if again := s.Do(t, search); again.Statements != 0 {
			t.Fatalf("the second search ran %d statements: it should come from the cache", again.Statements)
		}

		a := create(t, s, editor, map[string]any{"title": "Zanzibar's spice farms face a hard season"}).Article
		mutate(t, s, editor, "publishArticle(id: $id)", "", map[string]any{"id": a.ID})
		var after searchResult
		s.MustData(t, search, &after)
		if after.Search.TotalCount != 1 || len(after.Search.Nodes) != 1 || after.Search.Nodes[0].Slug != a.Slug {
			t.Errorf("search after publishing a match: %+v, want the new article (a stale cached answer?)", after)
		}

		type relatedResult struct {
			Article struct {
				ID      string
				Related []struct{ Slug string }
			}
		}
		related := testserver.Request{GET: true, Query: `{ article(slug: "` + demo.SeedSlug + `") { id related(first: 3) { slug } } }`}
		var rel relatedResult
		s.MustData(t, related, &rel)
		if len(rel.Article.Related) == 0 || rel.Article.Related[0].Slug == a.Slug {
			t.Fatalf("seed article's related list before the pick: %+v", rel)
		}
		if again := s.Do(t, related); again.Statements != 0 {
			t.Fatalf("the second related list ran %d statements: it should come from the cache", again.Statements)
		}
		p := mutate(t, s, editor, "setRelatedArticles(id: $id, relatedIds: $ids)", "", map[string]any{"id": rel.Article.ID, "ids": []string{a.ID}})
		if len(p.UserErrors) > 0 {
			t.Fatalf("setRelatedArticles: %+v", p.UserErrors)
		}
		s.MustData(t, related, &rel)
		if len(rel.Article.Related) == 0 || rel.Article.Related[0].Slug != a.Slug {
			t.Errorf("related list after the editor's pick: %+v, want %s first (a stale cached answer?)", rel.Article.Related, a.Slug)
		}

		// A pick that is a draft is not shown; once published it is, in the
		// picker's cached answer too.
		// (It shares nothing with what the list shows, so no other key of the
		// cached answer is purged by its publication.)
		draft := create(t, s, editor, map[string]any{"title": "Quokka census completed"}).Article
		p = mutate(t, s, editor, "setRelatedArticles(id: $id, relatedIds: $ids)", "", map[string]any{"id": rel.Article.ID, "ids": []string{draft.ID}})
		if len(p.UserErrors) > 0 {
			t.Fatalf("setRelatedArticles: %+v", p.UserErrors)
		}
		s.MustData(t, related, &rel)
		if len(rel.Article.Related) == 0 || rel.Article.Related[0].Slug == draft.Slug {
			t.Fatalf("a reader sees a draft pick: %+v", rel.Article.Related)
		}
		mutate(t, s, editor, "publishArticle(id: $id)", "", map[string]any{"id": draft.ID})
		published := time.Now()
		s.MustData(t, related, &rel)
		if len(rel.Article.Related) == 0 || rel.Article.Related[0].Slug != draft.Slug {
			t.Errorf("related list after the picked draft was published: %+v, want %s first (a stale cached answer?)", rel.Article.Related, draft.Slug)
		}

		// Saving an article purges what shows it, not every cached answer.
		// The publication above names its section, so it purges the
		// sections list, and again 2 s later (for lagging read replicas):
		// let that second purge pass before caching the list.
		time.Sleep(time.Until(published.Add(2*time.Second + 300*time.Millisecond)))
		sections := testserver.Request{GET: true, Query: `{ categories { slug } }`}
		s.Do(t, sections)
		if again := s.Do(t, sections); again.Statements != 0 {
			t.Fatalf("the second sections list ran %d statements: it should come from the cache", again.Statements)
		}
		mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": a.ID, "update": map[string]any{"subtitle": "A new standfirst"}})
		if after := s.Do(t, sections); after.Statements != 0 {
			t.Errorf("an article's save purged the cached sections list (%d statements): the whole cache was dropped", after.Statements)
		}
	})
}
