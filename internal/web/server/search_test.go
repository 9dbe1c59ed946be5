package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/store"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/models"
)

const searchQuery = `query Search($q: String!, $first: Int, $after: String, $filter: ArticleFilter) {
  search(query: $q, first: $first, after: $after, filter: $filter) {
    edges { cursor score snippet node { id slug title status } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
    totalCount
  }
}`

type searchResult struct {
	Search struct {
		Edges []struct {
			Cursor  string
			Score   float64
			Snippet string
			Node    struct{ ID, Slug, Title, Status string }
		}
		PageInfo struct {
			HasNextPage, HasPreviousPage bool
			EndCursor                    *string
		}
		TotalCount int
	}
}

func (r searchResult) slugs() []string {
	var out []string
	for _, e := range r.Search.Edges {
		out = append(out, e.Node.Slug)
	}
	return out
}

func search(t *testing.T, s *testserver.Server, token, q string, vars map[string]any) (searchResult, *testserver.Response) {
	t.Helper()
	v := map[string]any{"q": q}
	for k, x := range vars {
		v[k] = x
	}
	var got searchResult
	r := s.MustData(t, testserver.Request{Query: searchQuery, Variables: v, Token: token}, &got)
	return got, r
}

func TestSearchFindsRanksAndHighlights(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		cases := []struct {
			query   string
			top     string   // slug expected first, when set
			all     []string // slugs expected among the results (and first, when top is unset)
			mark    string   // word expected in <mark> in the top snippet
			exactly int      // totalCount, when > 0; -1: no results
		}{
			{query: `"Kim Jong Un" satellites`, top: demo.SeedSlug, mark: "Kim Jong Un", exactly: 1},
			// Both are about North Korea; either may lead.
			{query: "north korea", all: []string{demo.SeedSlug, demo.ReadAlsoSlug}, mark: "North"},
			// The seed article's "Read also" link text holds the word too.
			{query: "authoritarian", top: demo.ReadAlsoSlug, mark: "authoritarian", exactly: 2},
			{query: "photovolt", top: "pc-project-first-in-the-renewable-energy-sector-with-photovoltaics", mark: "photovolt"}, // prefix while typing
			{query: "electoral college", top: "us-election-2024-a-simple-guide-to-the-presidential-vote", mark: "Electoral"},
			{query: `"blue zone" -films`, top: "singapore-the-new-blue-zone-fostering-longevity-and-quality-of-life", mark: "blue zone", exactly: 1},
			{query: "nobel -nobel", exactly: -1},
			{query: "Zaporizhzhia Kharkiv", top: demo.SeedSlug, mark: "Zaporizhzhia", exactly: 1},
		}
		for _, tc := range cases {
			t.Run(tc.query, func(t *testing.T) {
				got, r := search(t, s, "", tc.query, nil)
				if len(got.Search.Edges) > 0 && r.Statements != 1 {
					t.Errorf("search with totalCount took %d SQL statements, want 1", r.Statements)
				}
				if tc.exactly < 0 {
					if len(got.Search.Edges) != 0 || got.Search.TotalCount != 0 {
						t.Fatalf("want no results, got %v", got.slugs())
					}
					return
				}
				if len(got.Search.Edges) == 0 {
					t.Fatalf("no results")
				}
				top := got.Search.Edges[0]
				if tc.top != "" && top.Node.Slug != tc.top {
					t.Errorf("top result %s, want %s (all: %v)", top.Node.Slug, tc.top, got.slugs())
				}
				if tc.top == "" && !slices.Contains(tc.all, top.Node.Slug) {
					t.Errorf("top result %s, want one of %v", top.Node.Slug, tc.all)
				}
				for _, want := range tc.all {
					if !slices.Contains(got.slugs(), want) {
						t.Errorf("results %v lack %s", got.slugs(), want)
					}
				}
				if tc.exactly > 0 && got.Search.TotalCount != tc.exactly {
					t.Errorf("totalCount %d, want %d", got.Search.TotalCount, tc.exactly)
				}
				if got.Search.TotalCount != len(got.Search.Edges) {
					t.Errorf("totalCount %d but %d edges on an unpaged search", got.Search.TotalCount, len(got.Search.Edges))
				}
				lower := strings.ToLower(top.Snippet)
				if !strings.Contains(lower, "<mark>"+strings.ToLower(tc.mark)) {
					t.Errorf("snippet lacks <mark>%s: %s", tc.mark, top.Snippet)
				}
				for i, e := range got.Search.Edges {
					if e.Score <= 0 || (i > 0 && e.Score > got.Search.Edges[i-1].Score) {
						t.Errorf("scores not positive and descending: %v", got.Search.Edges)
					}
				}
			})
		}
	})
}

// TestSearchHostileQueries: whatever a reader types gives results or a
// clear BAD_USER_INPUT, never a database error.
func TestSearchHostileQueries(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		cases := []struct {
			query string
			bad   bool // BAD_USER_INPUT expected; otherwise data without errors
			hits  bool // at least one result expected
		}{
			{query: "", bad: true},
			{query: "   \t\n  ", bad: true},
			{query: `"`, bad: true},
			{query: `""""`, bad: true},
			{query: `"north korea`, hits: true}, // unclosed quote
			{query: `north" korea"`, hits: true},
			{query: "+ - * ~ < > ( ) @", bad: true},
			{query: "+korea -russia* ~missiles <weapons >satellites (pyongyang) @3"},
			{query: "+korea ~missiles <weapons >satellites (pyongyang) @3", hits: true},
			{query: "korea*", hits: true},
			{query: "***korea***", hits: true},
			{query: "-korea", bad: true},
			{query: "--korea", bad: true},
			{query: "korea -", hits: true},
			{query: `'; DROP TABLE articles; --`},
			{query: `1' OR '1'='1`, bad: true},
			{query: `korea') UNION SELECT * FROM articles --`},
			{query: `MATCH (title) AGAINST ('korea' IN BOOLEAN MODE)`},
			{query: `articles_fts MATCH 'korea' OR 1`},
			{query: `title:korea NEAR(korea missiles, 5) AND OR NOT`},
			{query: `{title subtitle}: korea ^missiles`},
			{query: `korea: ^missiles`, hits: true},
			{query: `\"korea\" \\ % _ ? $1 :military`, hits: true},
			{query: "korea\x00missiles", hits: true},
			{query: strings.Repeat("a", 10000), bad: true},
			{query: strings.Repeat("korea ", 2000), bad: true},
			{query: strings.Repeat("korea ", 80), hits: true}, // 480 characters, one word
			{query: strings.Repeat("x", 300), bad: true},      // one word longer than any indexed
			{query: "the of a what", bad: true},
			{query: "UN EU US", bad: true},
			{query: `"UN Security"`},
			{query: "Пхеньян ракеты", bad: false},
			{query: "北朝鮮 ミサイル"},
			{query: "كوريا الشمالية"},
			{query: "🚀", bad: true},
			{query: "🇰🇵 korea 🚀🔥", hits: true},
			{query: "Kim👨‍👩‍👧Jong", bad: false},
			{query: "naïve café Zürich"},
			{query: "ｋｏｒｅａ"}, // full-width letters
			{query: "\u202ekorea\u202c", hits: true},
			{query: "a b c d e f g h i j k l m n o p q r s t u v w x y z", bad: true},
		}
		for _, tc := range cases {
			name := tc.query
			if len(name) > 30 {
				name = name[:30]
			}
			t.Run(name, func(t *testing.T) {
				r := s.Do(t, testserver.Request{Query: searchQuery, Variables: map[string]any{"q": tc.query}})
				codes := r.Codes()
				if tc.bad {
					if !slices.Equal(codes, []string{"BAD_USER_INPUT"}) {
						t.Fatalf("codes %v, want BAD_USER_INPUT: %s", codes, r.Body)
					}
					if strings.Contains(string(r.Body), "SQL") || strings.Contains(string(r.Body), "fts5") {
						t.Errorf("error leaks database details: %s", r.Body)
					}
					return
				}
				if len(codes) != 0 {
					t.Fatalf("codes %v, want results: %s", codes, r.Body)
				}
				var got searchResult
				r.Decode(t, &got)
				if tc.hits && len(got.Search.Edges) == 0 {
					t.Errorf("no results")
				}
				for _, e := range got.Search.Edges {
					if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(e.Snippet, "<mark>", ""), "</mark>", ""), "<") {
						t.Errorf("snippet has unescaped markup: %s", e.Snippet)
					}
				}
			})
		}
	})
}

// TestSearchPagination walks every page of a search with after cursors and
// gets exactly the one-page list, in the same order.
func TestSearchPagination(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		ctx := context.Background()
		if err := demo.Synthetic(ctx, demo.StorageOf(store.New(s.DB)), s.Content, 120, demo.SyntheticOptions{Seed: 3}); err != nil {
			t.Fatal(err)
		}
		// Identical articles tie on relevance and time: the id breaks the tie.
		same := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		for i := range 4 {
			if _, err := s.Content.CreateArticle(ctx, content.ArticleInput{Title: fmt.Sprintf("Housing plan twin %d", i), Body: "The housing plan, again.", Status: models.StatusPublished, PublishedAt: &same}); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []string{"housing plan", "budget", "climate reform"} {
			t.Run(q, func(t *testing.T) {
				full := walkSearch(t, s, q, 100)
				paged := walkSearch(t, s, q, 7)
				if len(full) < 8 {
					t.Fatalf("want at least 8 results, got %d", len(full))
				}
				if !slices.Equal(paged, full) {
					t.Errorf("pages of 7:\n%v\npages of 100:\n%v", paged, full)
				}
				got, _ := search(t, s, "", q, map[string]any{"first": 1})
				if got.Search.TotalCount != len(full) {
					t.Errorf("totalCount %d, %d results", got.Search.TotalCount, len(full))
				}
			})
		}
		t.Run("cursor of another query", func(t *testing.T) {
			got, _ := search(t, s, "", "budget", map[string]any{"first": 2})
			r := s.Do(t, testserver.Request{Query: searchQuery, Variables: map[string]any{"q": "climate", "after": *got.Search.PageInfo.EndCursor}})
			if codes := r.Codes(); !slices.Equal(codes, []string{"BAD_USER_INPUT"}) {
				t.Errorf("codes %v, want BAD_USER_INPUT: %s", codes, r.Body)
			}
		})
		t.Run("cursor of a list", func(t *testing.T) {
			var list struct {
				Articles struct{ PageInfo struct{ EndCursor string } }
			}
			s.MustData(t, testserver.Request{Query: `{ articles(first: 1) { pageInfo { endCursor } } }`}, &list)
			r := s.Do(t, testserver.Request{Query: searchQuery, Variables: map[string]any{"q": "budget", "after": list.Articles.PageInfo.EndCursor}})
			if codes := r.Codes(); !slices.Equal(codes, []string{"BAD_USER_INPUT"}) {
				t.Errorf("codes %v, want BAD_USER_INPUT: %s", codes, r.Body)
			}
		})
		t.Run("first out of range", func(t *testing.T) {
			for _, n := range []int{-1, 101} {
				r := s.Do(t, testserver.Request{Query: searchQuery, Variables: map[string]any{"q": "budget", "first": n}})
				if codes := r.Codes(); !slices.Equal(codes, []string{"BAD_USER_INPUT"}) {
					t.Errorf("first: %d: codes %v, want BAD_USER_INPUT", n, codes)
				}
			}
		})
	})
}

// TestSearchNeverShowsUnpublishedToReaders: articles with the seed article's
// words and tags, in every unpublished state, never reach a reader's search;
// editors find them and may filter by status.
func TestSearchNeverShowsUnpublishedToReaders(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil, func(c *server.Config) { c.Authenticate = editorAuth })
		ctx := context.Background()
		if err := demo.Seed(ctx, s.Content); err != nil {
			t.Fatal(err)
		}
		hidden := hiddenTwins(t, s)
		for _, q := range []string{"Putin Kim weapons", `"spy satellites"`, "secret", "korea"} {
			reader, _ := search(t, s, "", q, map[string]any{"first": 100})
			for _, e := range reader.Search.Edges {
				if e.Node.Status != "PUBLISHED" || hidden[e.Node.Slug] {
					t.Errorf("reader search %q found %s (%s)", q, e.Node.Slug, e.Node.Status)
				}
			}
			if reader.Search.TotalCount != len(reader.Search.Edges) {
				t.Errorf("reader search %q: totalCount %d counts hidden articles (%d shown)", q, reader.Search.TotalCount, len(reader.Search.Edges))
			}
		}
		editor, _ := search(t, s, "test-editor", "Putin Kim weapons", map[string]any{"first": 100})
		found := 0
		for _, sl := range editor.slugs() {
			if hidden[sl] {
				found++
			}
		}
		if found != len(hidden) {
			t.Errorf("editor search found %d of %d unpublished twins: %v", found, len(hidden), editor.slugs())
		}
		drafts, _ := search(t, s, "test-editor", "Putin Kim weapons", map[string]any{"filter": map[string]any{"status": []string{"DRAFT"}}})
		for _, e := range drafts.Search.Edges {
			if e.Node.Status != "DRAFT" {
				t.Errorf("status filter DRAFT returned %s", e.Node.Status)
			}
		}
		if len(drafts.Search.Edges) != 1 {
			t.Errorf("editor search for drafts: %v", drafts.slugs())
		}
		r := s.Do(t, testserver.Request{Query: searchQuery, Variables: map[string]any{"q": "korea", "filter": map[string]any{"status": []string{"DRAFT"}}}})
		if codes := r.Codes(); !slices.Equal(codes, []string{"UNAUTHENTICATED"}) {
			t.Errorf("reader asking for drafts: codes %v", codes)
		}
		filtered, _ := search(t, s, "", "korea", map[string]any{"filter": map[string]any{"category": "world", "tags": []string{"human-rights"}}})
		if !slices.Equal(filtered.slugs(), []string{demo.ReadAlsoSlug}) {
			t.Errorf("filtered search = %v", filtered.slugs())
		}
	})
}

// hiddenTwins creates, in every state a reader may not see, articles with
// the seed article's headline words, body, section, tags and author; it
// returns their slugs.
func hiddenTwins(t *testing.T, s *testserver.Server) map[string]bool {
	t.Helper()
	ctx := context.Background()
	seed, err := s.Content.ArticleBySlug(ctx, demo.SeedSlug)
	if err != nil || seed == nil {
		t.Fatal(seed, err)
	}
	author, _ := s.Content.LookupAuthor(ctx, 0, "giulia-marino")
	future := time.Now().Add(24 * time.Hour)
	states := map[string]content.ArticleInput{
		"draft":     {Status: models.StatusDraft},
		"scheduled": {Status: models.StatusScheduled, PublishedAt: &future},
		"future":    {Status: models.StatusPublished, PublishedAt: &future},
		"archived":  {Status: models.StatusArchived, PublishedAt: ptr(time.Now().Add(-time.Hour))},
	}
	out := map[string]bool{}
	for name, in := range states {
		in.Title = "Secret " + name + ": " + seed.Title
		in.Subtitle = seed.Subtitle
		in.Body = seed.Body
		in.Category = "world"
		in.Tags = demo.Articles[0].Tags
		in.AuthorIDs = []uint64{author.ID}
		a, err := s.Content.CreateArticle(ctx, in)
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		out[a.Slug] = true
	}
	return out
}

// walkSearch pages through a reader's search, size results at a time, and
// returns the slugs in order, checking the page info on the way.
func walkSearch(t *testing.T, s *testserver.Server, q string, size int) []string {
	t.Helper()
	var walked []string
	var after any
	for page := 0; page < 100; page++ {
		got, _ := search(t, s, "", q, map[string]any{"first": size, "after": after})
		walked = append(walked, got.slugs()...)
		if got.Search.PageInfo.HasPreviousPage != (page > 0) {
			t.Errorf("page %d: hasPreviousPage %v", page, got.Search.PageInfo.HasPreviousPage)
		}
		if !got.Search.PageInfo.HasNextPage {
			return walked
		}
		after = *got.Search.PageInfo.EndCursor
	}
	t.Fatal("pagination does not end")
	return nil
}
