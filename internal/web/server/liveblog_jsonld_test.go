package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/testkit/wait"
)

// liveLD is a live blog's JSON-LD as the test reads it.
type liveLD struct {
	Context          string `json:"@context"`
	Type             string `json:"@type"`
	Headline         string
	DatePublished    string
	DateModified     string
	URL              string
	Author           []struct{ Name string }
	Publisher        struct{ Name string }
	MainEntityOfPage struct {
		ID string `json:"@id"`
	}
	CoverageStartTime *string
	CoverageEndTime   *string
	LiveBlogUpdate    []struct {
		Type          string `json:"@type"`
		Headline      string
		URL           string
		DatePublished string
		DateModified  string
		ArticleBody   string
		Author        []struct{ Name string }
		Correction    []struct{ Text string }
	}
}

// TestLiveBlogJSONLD: a live blog's jsonLd is a schema.org LiveBlogPosting
// (Google's live-blog rich result) that keeps the article's properties and
// adds its coverage times and its 20 newest entries as BlogPostings; an
// answer that selects it carries the blog's surrogate key and a few
// seconds' Cache-Control, so a post or the blog's end shows at once.
func TestLiveBlogJSONLD(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{})
		editor := s.Token(t, "ld-desk", auth.Editor)
		var author struct {
			CreateAuthor struct{ Author struct{ ID string } }
		}
		gqlData(t, s.Server, s.Token(t, "ld-admin", auth.Admin), `mutation { createAuthor(input: {name: "Rosa Field"}) { author { id } } }`, nil, &author)
		blog := newLiveBlog(t, s.Server, editor, "Storm live")
		plain := create(t, s.Server, editor, map[string]any{"title": "Storm explainer", "body": "Why storms form.", "status": "PUBLISHED"}).Article.ID

		var ids []string
		for i := range 21 {
			ids = append(ids, postEntry(t, s.Server, editor, blog, fmt.Sprintf("Update number %d: the wind is **rising** along the coast tonight.", i)).Entry.ID)
		}
		titled := liveMutation(t, s.Server, editor, "$a: ID!, $in: LiveEntryInput!", "postLiveEntry(articleId: $a, input: $in)",
			map[string]any{"a": blog, "in": map[string]any{"title": "Landfall", "body": "The storm made landfall at 09:10.", "authors": []string{author.CreateAuthor.Author.ID}}})
		corrected := liveMutation(t, s.Server, editor, "$id: ID!, $in: UpdateLiveEntryInput!", "updateLiveEntry(id: $id, input: $in)",
			map[string]any{"id": titled.Entry.ID, "in": map[string]any{"body": "The storm made landfall at 09:40.", "correction": "An earlier version gave the wrong time."}})
		if titled.Entry == nil || corrected.Entry == nil {
			t.Fatalf("post %+v, correct %+v", titled, corrected)
		}
		s.Settle(t) // the events' purges arrive before anything is cached

		query := `query($a: ID!) { node(id: $a) { ... on Article { jsonLd } } }`
		read := func(t *testing.T, id string) (liveLD, *testserver.Response) {
			t.Helper()
			r := s.Do(t, testserver.Request{GET: true, Query: query, Variables: map[string]any{"a": id}})
			var got struct{ Node struct{ JSONLd string } }
			r.Decode(t, &got)
			var ld liveLD
			if err := json.Unmarshal([]byte(got.Node.JSONLd), &ld); err != nil {
				t.Fatalf("jsonLd is not JSON: %v\n%s", err, got.Node.JSONLd)
			}
			return ld, r
		}

		ld, r := read(t, blog)
		t.Run("LiveBlogPosting", func(t *testing.T) {
			if ld.Context != "https://schema.org" || ld.Type != "LiveBlogPosting" || ld.Headline != "Storm live" || ld.DatePublished == "" ||
				ld.Publisher.Name == "" || ld.URL == "" || ld.MainEntityOfPage.ID != ld.URL || len(ld.Author) == 0 {
				t.Errorf("the article's properties: %+v", ld)
			}
			if ld.CoverageStartTime == nil || ld.CoverageEndTime != nil {
				t.Errorf("coverage %v – %v, want a start and no end while live", ld.CoverageStartTime, ld.CoverageEndTime)
			}
			if len(ld.LiveBlogUpdate) != 20 {
				t.Fatalf("%d liveBlogUpdate entries, want the 20 newest of 22", len(ld.LiveBlogUpdate))
			}
			newest := ld.LiveBlogUpdate[0]
			if newest.Type != "BlogPosting" || newest.Headline != "Landfall" || newest.ArticleBody != "The storm made landfall at 09:40." ||
				len(newest.Author) != 1 || newest.Author[0].Name != "Rosa Field" || len(newest.Correction) != 1 ||
				newest.URL != ld.URL+"#"+titled.Entry.ID || newest.DatePublished == "" || newest.DateModified < newest.DatePublished {
				t.Errorf("newest update %+v", newest)
			}
			if ld.DateModified != newest.DateModified {
				t.Errorf("dateModified %s, want the latest entry's %s", ld.DateModified, newest.DateModified)
			}
			untitled := ld.LiveBlogUpdate[1]
			if untitled.Headline != "Update number 20: the wind is rising along the coast tonight." || untitled.ArticleBody != untitled.Headline ||
				untitled.URL != ld.URL+"#"+ids[20] || len(untitled.Author) != 0 {
				t.Errorf("an untitled entry: %+v", untitled)
			}
			if last := ld.LiveBlogUpdate[19]; !strings.HasPrefix(last.Headline, "Update number 2:") {
				t.Errorf("the oldest listed update is %q, want number 2", last.Headline)
			}
			for i, u := range ld.LiveBlogUpdate {
				for _, f := range []string{u.DatePublished, u.DateModified} {
					if _, err := time.Parse(time.RFC3339, f); err != nil {
						t.Errorf("update %d: date %q: %v", i, f, err)
					}
				}
			}
		})
		t.Run("cached a few seconds and purged by the blog's key", func(t *testing.T) {
			if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=5, stale-while-revalidate=5" {
				t.Errorf("Cache-Control %q", cc)
			}
			if sk := r.Header.Get("Surrogate-Key"); !strings.Contains(" "+sk+" ", " liveblog:"+entryRow(t, blog)+" ") {
				t.Errorf("Surrogate-Key %q has no liveblog:%s", sk, entryRow(t, blog))
			}
			// Writes purge again 2 s after they commit (for lagging
			// replicas), so the entries posted above may empty the cache
			// once more: the answer must be cached once that has passed.
			wait.Until(t, "a second read served from the cache", func() bool {
				read(t, blog)
				_, again := read(t, blog)
				return again.Statements == 0
			})
			posted := postEntry(t, s.Server, editor, blog, "The eye is passing over the city.").Entry.ID
			after, r := read(t, blog)
			if r.Statements == 0 || len(after.LiveBlogUpdate) != 20 || after.LiveBlogUpdate[0].URL != ld.URL+"#"+posted {
				t.Errorf("after a post: %d statements, newest %+v", r.Statements, after.LiveBlogUpdate[0])
			}
			gqlData(t, s.Server, editor, `mutation($a: ID!) { endLiveBlog(articleId: $a) { userErrors { code } } }`, map[string]any{"a": blog}, &map[string]any{})
			ended, _ := read(t, blog)
			if ended.CoverageEndTime == nil || ended.Type != "LiveBlogPosting" || *ended.CoverageEndTime < *ended.CoverageStartTime || ended.DateModified != *ended.CoverageEndTime {
				t.Errorf("after the end: coverage %v – %v, modified %s", ended.CoverageStartTime, ended.CoverageEndTime, ended.DateModified)
			}
		})
		// A page of articles with jsonLd finds their live blogs in one
		// statement, whatever their number; each live blog adds its entries
		// and their bylines. (Plain articles and the storm blog's
		// neighbours: newest first, the list starts with the explainer.)
		t.Run("statements per page", func(t *testing.T) {
			for i := range 3 {
				create(t, s.Server, editor, map[string]any{"title": fmt.Sprintf("Storm background %d", i), "body": "Context.", "status": "PUBLISHED"})
			}
			list := func(first int) (int64, int) {
				var got struct {
					Articles struct{ Nodes []struct{ JSONLd string } }
				}
				r := s.MustData(t, testserver.Request{Query: `query($n: Int) { articles(first: $n) { nodes { jsonLd } } }`, Variables: map[string]any{"n": first}}, &got)
				live := 0
				for _, n := range got.Articles.Nodes {
					if strings.Contains(n.JSONLd, `"LiveBlogPosting"`) {
						live++
					}
				}
				return r.Statements, live
			}
			one, l1 := list(1)
			three, l3 := list(3)
			if l1 != 0 || l3 != 0 || one == 0 || three > one+1 {
				t.Errorf("jsonLd of plain articles: %d statements for 1, %d for 3 (live blogs %d, %d)", one, three, l1, l3)
			}
			five, l5 := list(5)
			t.Logf("statements: %d for 1 plain article, %d for 3, %d for 5 with a live blog", one, three, five)
			if l5 != 1 || five > three+1+2 {
				t.Errorf("jsonLd with a live blog among 5: %d statements (3 plain: %d; live blogs %d)", five, three, l5)
			}
		})
		t.Run("an article that is not a live blog", func(t *testing.T) {
			other, r := read(t, plain)
			if other.Type != "NewsArticle" || other.CoverageStartTime != nil || other.LiveBlogUpdate != nil {
				t.Errorf("a plain article's JSON-LD: %+v", other)
			}
			if strings.Contains(r.Header.Get("Surrogate-Key"), "liveblog:") || strings.Contains(r.Header.Get("Cache-Control"), "max-age=5,") {
				t.Errorf("a plain article's answer: Surrogate-Key %q, Cache-Control %q", r.Header.Get("Surrogate-Key"), r.Header.Get("Cache-Control"))
			}
			// Started as a live blog, its cached NewsArticle is purged.
			gqlData(t, s.Server, editor, `mutation($a: ID!) { startLiveBlog(articleId: $a) { userErrors { code } } }`, map[string]any{"a": plain}, &map[string]any{})
			if now, _ := read(t, plain); now.Type != "LiveBlogPosting" || now.LiveBlogUpdate != nil {
				t.Errorf("after startLiveBlog: %+v", now)
			}
		})
	})
}
