package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/permalink"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/models"
)

// distNow is the fixture's clock: the news sitemap's 48 hours end here.
var distNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// distFixture is a publication with what feeds and sitemaps must show
// (published articles over three months, several authors, covers, a
// hostile title) and what they must never show (a draft, a scheduled and
// a deleted article, and tags only they carry).
type distFixture struct {
	s   *testserver.Server
	svc *content.Service
	// hidden are the titles and slugs readers must never meet.
	hidden []string
	ids    map[string]uint64 // article ids by slug
	clock  *testserver.Clock
}

const distPublicURL = "https://news.example"

func newDistFixture(t *testing.T, db *dbconn.DB, opts ...testserver.Option) *distFixture {
	t.Helper()
	clock := testserver.NewClock(distNow)
	pub := content.Publication{Name: "The Test Gazette", Language: "en-GB", Links: permalink.MustNew(distPublicURL, "")}
	s := testserver.New(t, db, []content.Option{content.WithClock(clock.Now), content.WithPublication(pub)}, opts...)
	f := &distFixture{s: s, svc: s.Content, ids: map[string]uint64{}, clock: clock}
	ctx := content.AsSystem(context.Background(), "test")
	for _, c := range []content.CategoryInput{{Name: "World", Slug: "world", Description: "News from everywhere"}, {Name: "Business", Slug: "business"}} {
		if _, err := f.svc.CreateCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	authors := map[string]uint64{}
	for _, a := range []content.AuthorInput{{Name: "Ana Lima", Slug: "ana-lima"}, {Name: "Ben Okafor", Slug: "ben-okafor"}} {
		created, err := f.svc.CreateAuthor(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		authors[a.Slug] = created.ID
	}
	at := func(s string) *time.Time { v, _ := time.Parse(time.RFC3339, s); return &v }
	for _, a := range []struct {
		slug, title, section string
		tags, authors        []string
		cover                string
		status               models.ArticleStatus
		published            *time.Time
		deleted              bool
		noindex              bool
	}{
		{"sanctions-widen", "Sanctions widen", "world", []string{"Russia", "Sanctions"}, []string{"ana-lima", "ben-okafor"},
			"https://img.example/a1.jpg?w=1200&h=630", models.StatusPublished, at("2026-01-15T08:00:00Z"), false, false},
		{"markets-rally", `Markets & <b>bonds</b> rally "again"`, "business", []string{"Energy"}, []string{"ben-okafor"},
			"", models.StatusPublished, at("2026-02-20T09:30:00Z"), false, false},
		{"new-year-eve", "A new year begins", "world", []string{"Russia"}, []string{"ana-lima"},
			"", models.StatusPublished, at("2025-12-31T23:30:00Z"), false, false},
		{"talks-resume", "Talks resume", "world", []string{"Russia"}, []string{"ana-lima"},
			"/media/talks.png", models.StatusPublished, at(distNow.Add(-2 * time.Hour).Format(time.RFC3339)), false, false},
		{"overnight-vote", "Overnight vote", "business", nil, []string{"ben-okafor"},
			"", models.StatusPublished, at("2026-03-09T20:00:00Z"), false, false},
		{"no-search-please", "Not for search engines", "business", []string{"Energy"}, []string{"ben-okafor"},
			"", models.StatusPublished, at("2026-02-10T10:00:00Z"), false, true},
		// Never for readers:
		{"embargoed-draft", "Embargoed draft", "world", []string{"Embargo"}, []string{"ana-lima"},
			"", models.StatusDraft, nil, false, false},
		{"scheduled-scoop", "Scheduled scoop", "world", []string{"Russia", "Tomorrow"}, []string{"ana-lima"},
			"", models.StatusScheduled, at("2026-03-11T06:00:00Z"), false, false},
		{"deleted-story", "Deleted story", "business", []string{"Energy", "Retracted"}, []string{"ben-okafor"},
			"", models.StatusPublished, at("2026-02-01T10:00:00Z"), true, false},
	} {
		in := content.ArticleInput{Title: a.title, Slug: a.slug, Subtitle: "Standfirst of " + a.slug + ".",
			Body: "First paragraph of " + a.slug + ".\n\nSecond *paragraph*.", Category: a.section, Tags: a.tags,
			Status: a.status, PublishedAt: a.published, SEO: models.ArticleSEO{Noindex: a.noindex}}
		if a.cover != "" {
			in.Cover = models.CoverImage{URL: a.cover, Alt: "Cover of " + a.slug}
		}
		for _, s := range a.authors {
			in.AuthorIDs = append(in.AuthorIDs, authors[s])
		}
		created, err := f.svc.CreateArticle(ctx, in)
		if err != nil {
			t.Fatalf("create %s: %v", a.slug, err)
		}
		f.ids[a.slug] = created.ID
		if a.deleted {
			if _, err := f.svc.DeleteArticle(ctx, created.ID); err != nil {
				t.Fatal(err)
			}
		}
		if a.status != models.StatusPublished || a.deleted {
			f.hidden = append(f.hidden, a.slug, a.title)
		}
	}
	f.hidden = append(f.hidden, "embargo", "Embargo", "tomorrow", "Tomorrow", "retracted", "Retracted")
	return f
}

// expected is one article as readers see it, read through the service's
// ordinary article list (the path GraphQL takes), not the feed's query.
type expected struct {
	a       *models.Article
	url     string
	authors []*models.Author
	section *models.Category
	tags    []*models.Tag
}

// visible lists readers' articles of q, newest first.
func (f *distFixture) visible(t *testing.T, q content.ArticleQuery) []expected {
	t.Helper()
	ctx := context.Background()
	n := 100
	l, err := f.svc.ListArticles(ctx, q, page.Args{First: &n})
	if err != nil {
		t.Fatal(err)
	}
	var ids, catIDs []uint64
	for _, a := range l.Items {
		ids = append(ids, a.ID)
		if a.CategoryID != nil {
			catIDs = append(catIDs, *a.CategoryID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	authors, err := f.svc.AuthorsOfArticles(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := f.svc.TagsOfArticles(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	cats, err := f.svc.CategoriesByIDs(ctx, catIDs)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[uint64]*models.Category{}
	for _, c := range cats {
		if c != nil {
			byID[c.ID] = c
		}
	}
	var out []expected
	for i, a := range l.Items {
		e := expected{a: a, authors: authors[i], tags: tags[i]}
		sec := ""
		if a.CategoryID != nil {
			e.section = byID[*a.CategoryID]
			sec = e.section.Slug
		}
		e.url, _ = f.svc.ArticleURL(a, sec)
		out = append(out, e)
	}
	return out
}

// get fetches path with headers (name, value pairs) and reads the body.
func (f *distFixture) get(t *testing.T, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

// noHidden fails when body names anything readers must not see.
func (f *distFixture) noHidden(t *testing.T, path string, body []byte) {
	t.Helper()
	for _, h := range f.hidden {
		if strings.Contains(string(body), h) {
			t.Errorf("%s shows %q, which readers must not see", path, h)
		}
	}
}
