package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

var feedFormats = []struct{ ext, feedType, contentType string }{
	{"xml", "rss", "application/rss+xml"},
	{"atom", "atom", "application/atom+xml"},
	{"json", "json", "application/feed+json"},
}

// TestFeeds parses every feed of every scope with a real feed parser and
// checks its items against the articles readers see.
func TestFeeds(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		f := newDistFixture(t, db)
		scopes := []struct {
			prefix string
			q      content.ArticleQuery
		}{
			{"", content.ArticleQuery{}},
			{"/sections/world", content.ArticleQuery{Category: "world"}},
			{"/tags/russia", content.ArticleQuery{Tags: []string{"russia"}}},
			{"/authors/ben-okafor", content.ArticleQuery{Author: "ben-okafor"}},
		}
		for _, sc := range scopes {
			want := f.visible(t, sc.q)
			if len(want) == 0 {
				t.Fatalf("%s: the fixture has no articles", sc.prefix)
			}
			for _, ft := range feedFormats {
				for _, full := range []bool{false, true} {
					path := sc.prefix + "/feed." + ft.ext
					if full {
						path += "?full=1"
					}
					t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
						res, body := f.get(t, path)
						if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), ft.contentType) {
							t.Fatalf("status %d, type %q: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
						}
						f.noHidden(t, path, body)
						feed, err := gofeed.NewParser().ParseString(string(body))
						if err != nil {
							t.Fatalf("parse: %v\n%s", err, body)
						}
						if feed.FeedType != ft.feedType || feed.Language != "en-GB" || !strings.HasPrefix(feed.Title, "The Test Gazette") {
							t.Errorf("feed type %q, language %q, title %q", feed.FeedType, feed.Language, feed.Title)
						}
						if feed.FeedLink != distPublicURL+sc.prefix+"/feed."+ft.ext {
							t.Errorf("self link %q", feed.FeedLink)
						}
						if len(feed.Items) != len(want) {
							t.Fatalf("%d items, want %d", len(feed.Items), len(want))
						}
						for i, it := range feed.Items {
							checkItem(t, ft.feedType, it, want[i], full)
						}
						if ft.ext == "json" {
							checkJSONSections(t, body, want)
						}
					})
				}
			}
		}
	})
}

// checkItem compares one parsed item with the article it stands for.
func checkItem(t *testing.T, feedType string, it *gofeed.Item, e expected, full bool) {
	t.Helper()
	a := e.a
	if it.Title != a.Title || it.Link != e.url || it.GUID != "urn:broadsheet:"+globalid.ID(globalid.TypeArticle, a.ID) {
		t.Errorf("item %q: title %q, link %q, guid %q; want %q, %q", a.Slug, it.Title, it.Link, it.GUID, a.Title, e.url)
	}
	if it.Description != a.Excerpt {
		t.Errorf("item %q: summary %q, want %q", a.Slug, it.Description, a.Excerpt)
	}
	if it.PublishedParsed == nil || !it.PublishedParsed.Equal(a.PublishedAt.Truncate(time.Second)) || it.UpdatedParsed == nil {
		t.Errorf("item %q: published %v (want %v), updated %v", a.Slug, it.PublishedParsed, a.PublishedAt, it.UpdatedParsed)
	}
	var authors, wantAuthors []string
	if feedType == "rss" {
		if it.DublinCoreExt != nil {
			authors = it.DublinCoreExt.Creator
		}
	} else {
		for _, p := range it.Authors {
			authors = append(authors, p.Name)
		}
	}
	for _, au := range e.authors {
		wantAuthors = append(wantAuthors, au.Name)
	}
	if !slices.Equal(authors, wantAuthors) {
		t.Errorf("item %q: authors %q, want %q", a.Slug, authors, wantAuthors)
	}
	var wantCats []string
	switch feedType {
	case "rss":
		wantCats = append(wantCats, e.section.Name)
		for _, tg := range e.tags {
			wantCats = append(wantCats, tg.Name)
		}
	case "atom": // gofeed reads the labels
		wantCats = append(wantCats, e.section.Name)
		for _, tg := range e.tags {
			wantCats = append(wantCats, tg.Name)
		}
	case "json": // the section is in _broadsheet (checkJSONSections)
		for _, tg := range e.tags {
			wantCats = append(wantCats, tg.Name)
		}
	}
	if !slices.Equal(it.Categories, wantCats) {
		t.Errorf("item %q: categories %q, want %q", a.Slug, it.Categories, wantCats)
	}
	if a.Cover.URL == "" {
		if it.Image != nil || len(it.Enclosures) > 0 {
			t.Errorf("item %q has an image but no cover", a.Slug)
		}
	} else {
		abs := a.Cover.URL
		if strings.HasPrefix(abs, "/") {
			abs = distPublicURL + abs
		}
		if (feedType != "atom" && (it.Image == nil || it.Image.URL != abs)) || len(it.Enclosures) != 1 || it.Enclosures[0].URL != abs || !strings.HasPrefix(it.Enclosures[0].Type, "image/") {
			t.Errorf("item %q: image %+v, enclosures %+v; want %q", a.Slug, it.Image, it.Enclosures, abs)
		}
		if feedType != "json" {
			media := it.Extensions["media"]["content"]
			if len(media) != 1 || media[0].Attrs["url"] != abs || media[0].Attrs["medium"] != "image" {
				t.Errorf("item %q: media:content %+v", a.Slug, media)
			}
		}
	}
	body := strings.TrimSpace(it.Content)
	if full && body != strings.TrimSpace(a.BodyHTML) {
		t.Errorf("item %q: full content %q, want the body %q", a.Slug, body, a.BodyHTML)
	}
	if !full && strings.Contains(body, "Second <em>paragraph</em>") {
		t.Errorf("item %q: the body is in a feed without ?full=1", a.Slug)
	}
}

// checkJSONSections reads JSON Feed's _broadsheet extension.
func checkJSONSections(t *testing.T, body []byte, want []expected) {
	t.Helper()
	var doc struct {
		Items []struct {
			Ext struct {
				Section struct{ Slug, Name, URL string } `json:"section"`
			} `json:"_broadsheet"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	for i, it := range doc.Items {
		if s := it.Ext.Section; s.Slug != want[i].section.Slug || s.URL != distPublicURL+"/"+s.Slug {
			t.Errorf("item %d: section %+v, want %q", i, s, want[i].section.Slug)
		}
	}
}

// TestFeedBadInput: unknown slugs are 404s with a short body (a tag only
// a draft carries too: it names an embargoed story), ?limit= is clamped,
// nonsense is a 400.
func TestFeedBadInput(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		f := newDistFixture(t, db)
		for _, path := range []string{"/sections/nowhere/feed.xml", "/tags/nothing/feed.atom", "/authors/nobody/feed.json",
			"/tags/embargo/feed.xml", "/tags/tomorrow/feed.json", "/sitemaps/articles-2026-13.xml", "/sitemaps/whatever.xml",
			"/tags/%3Cscript%3Ealert(1)%3C%2Fscript%3E/feed.xml"} {
			res, body := f.get(t, path)
			// The body quotes the slug asked for: never to be sniffed as HTML.
			if res.StatusCode != http.StatusNotFound || len(body) > 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") ||
				res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: status %d, %d bytes: %s", path, res.StatusCode, len(body), body)
			}
			if strings.Contains(path, "/tags/") && !strings.HasPrefix(string(body), "no tag ") {
				t.Errorf("%s: %q: a tag only drafts carry must look like one that does not exist", path, body)
			}
		}
		all := len(f.visible(t, content.ArticleQuery{}))
		for path, want := range map[string]int{"/feed.xml?limit=2": 2, "/feed.xml?limit=100000": all,
			"/feed.xml?limit=99999999999999999999999": all, "/feed.xml?limit=0": all, "/feed.xml?limit=-3": all} {
			res, body := f.get(t, path)
			feed, err := gofeed.NewParser().ParseString(string(body))
			if res.StatusCode != http.StatusOK || err != nil || len(feed.Items) != want {
				t.Errorf("%s: status %d, err %v, %d items, want %d: %.200s", path, res.StatusCode, err, len(feed.Items), want, body)
			}
		}
		for _, path := range []string{"/feed.xml?limit=ten", "/feed.json?full=maybe"} {
			if res, body := f.get(t, path); res.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: status %d: %s", path, res.StatusCode, body)
			}
		}
	})
}

// TestFeedLimitClamped fills the archive past the largest feed: a limit
// above it gives MaxFeedItems items.
func TestFeedLimitClamped(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		f := newDistFixture(t, db)
		var rows []*models.Article
		for i := range content.MaxFeedItems + 5 {
			p := distNow.Add(-time.Duration(i+3) * time.Hour)
			rows = append(rows, &models.Article{Slug: "filler-" + strconv.Itoa(i), Title: "Filler " + strconv.Itoa(i),
				Status: models.StatusPublished, PublishedAt: &p, CreatedAt: p, UpdatedAt: p, Version: 1})
		}
		if err := store.New(db).InsertArticles(context.Background(), rows); err != nil {
			t.Fatal(err)
		}
		for path, want := range map[string]int{"/feed.json?limit=100000": content.MaxFeedItems, "/feed.json": content.DefaultFeedItems} {
			_, body := f.get(t, path)
			feed, err := gofeed.NewParser().ParseString(string(body))
			if err != nil || len(feed.Items) != want {
				t.Fatalf("%s: %v, %d items, want %d", path, err, len(feed.Items), want)
			}
		}
	})
}
