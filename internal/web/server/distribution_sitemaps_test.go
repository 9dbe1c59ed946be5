package server_test

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// The sitemap protocol's structure (sitemaps.org 0.9, Google's image and
// news extensions), read with encoding/xml by namespace.
const (
	xsSitemap = "http://www.sitemaps.org/schemas/sitemap/0.9"
	xsImage   = "http://www.google.com/schemas/sitemap-image/1.1"
	xsNews    = "http://www.google.com/schemas/sitemap-news/0.9"
)

type xmlSitemapIndex struct {
	XMLName  xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []struct {
		Loc     string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 loc"`
		LastMod string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 lastmod"`
	} `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemap"`
}

type xmlURLSet struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []struct {
		Loc     string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 loc"`
		LastMod string `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 lastmod"`
		Images  []struct {
			Loc string `xml:"http://www.google.com/schemas/sitemap-image/1.1 loc"`
		} `xml:"http://www.google.com/schemas/sitemap-image/1.1 image"`
		News *struct {
			Name            string `xml:"http://www.google.com/schemas/sitemap-news/0.9 publication>name"`
			Language        string `xml:"http://www.google.com/schemas/sitemap-news/0.9 publication>language"`
			PublicationDate string `xml:"http://www.google.com/schemas/sitemap-news/0.9 publication_date"`
			Title           string `xml:"http://www.google.com/schemas/sitemap-news/0.9 title"`
		} `xml:"http://www.google.com/schemas/sitemap-news/0.9 news"`
	} `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 url"`
}

// TestSitemaps reads the index and every sitemap it lists, under the
// protocol's limits and under tiny test limits that force splits (the
// news sitemap, never split, then keeps its newest articles): every
// document is well-formed and within its limits, and together they list
// exactly readers' articles (each in the sitemap of its month, with its
// cover image), sections, tags and authors.
func TestSitemaps(t *testing.T) {
	t.Parallel()
	for _, lim := range []struct {
		name               string
		maxURLs, maxBytes  int
		wantArticleParts   []string
		wantListingSplitIn int
	}{
		{"protocol limits", 0, 0, []string{"articles-2025-12.xml", "articles-2026-01.xml", "articles-2026-02.xml", "articles-2026-03.xml"}, 1},
		{"one URL each", 1, 0, []string{"articles-2025-12.xml", "articles-2026-01.xml", "articles-2026-02.xml", "articles-2026-03.xml", "articles-2026-03-2.xml"}, 3},
		{"900 bytes each", 0, 900, []string{"articles-2025-12.xml", "articles-2026-01.xml", "articles-2026-02.xml", "articles-2026-03.xml", "articles-2026-03-2.xml"}, 2},
	} {
		t.Run(lim.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
				f := newDistFixture(t, db, func(c *server.Config) { c.SitemapMaxURLs, c.SitemapMaxBytes = lim.maxURLs, lim.maxBytes })
				maxURLs, maxBytes := cmpOr(lim.maxURLs, 50000), cmpOr(lim.maxBytes, 50<<20)
				res, body := f.get(t, "/sitemap.xml")
				var idx xmlSitemapIndex
				if err := xml.Unmarshal(body, &idx); err != nil || res.StatusCode != http.StatusOK {
					t.Fatalf("index: status %d, %v: %s", res.StatusCode, err, body)
				}
				files := map[string][]string{} // name → locs
				var articleParts []string
				tagParts := 0
				for _, sm := range idx.Sitemaps {
					path, ok := strings.CutPrefix(sm.Loc, distPublicURL+"/")
					if !ok {
						t.Fatalf("index lists %q, not on the public URL", sm.Loc)
					}
					if strings.HasPrefix(path, "sitemaps/articles-") {
						articleParts = append(articleParts, strings.TrimPrefix(path, "sitemaps/"))
					}
					if strings.HasPrefix(path, "sitemaps/tags") {
						tagParts++
					}
					res, body := f.get(t, "/"+path)
					if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/xml") {
						t.Fatalf("%s: status %d: %s", path, res.StatusCode, body)
					}
					f.noHidden(t, path, body)
					var set xmlURLSet
					if err := xml.Unmarshal(body, &set); err != nil {
						t.Fatalf("%s: %v: %s", path, err, body)
					}
					if len(set.URLs) > maxURLs || len(body) > maxBytes {
						t.Errorf("%s: %d URLs, %d bytes; limits %d, %d", path, len(set.URLs), len(body), maxURLs, maxBytes)
					}
					for _, u := range set.URLs {
						if !strings.HasPrefix(u.Loc, distPublicURL+"/") || len(u.Loc) > 2048 {
							t.Errorf("%s: loc %q", path, u.Loc)
						}
						if _, err := time.Parse(time.RFC3339, u.LastMod); err != nil && !strings.HasPrefix(path, "sitemap-news") {
							t.Errorf("%s: lastmod %q: %v", path, u.LastMod, err)
						}
						files[path] = append(files[path], u.Loc)
						if len(u.Images) > 0 && strings.HasPrefix(path, "sitemaps/articles-") {
							files[path+"#images"] = append(files[path+"#images"], u.Images[0].Loc)
						}
					}
				}
				if lim.wantArticleParts != nil && !slices.Equal(articleParts, lim.wantArticleParts) {
					t.Errorf("article sitemaps %q, want %q", articleParts, lim.wantArticleParts)
				}
				if lim.wantListingSplitIn != 0 && tagParts != lim.wantListingSplitIn {
					t.Errorf("%d tag sitemaps, want %d", tagParts, lim.wantListingSplitIn)
				}
				checkSitemapContents(t, f, files, lim.maxURLs == 0 && lim.maxBytes == 0)
			})
		})
	}
}

// checkSitemapContents compares what the sitemaps list with readers'
// articles and listings.
func checkSitemapContents(t *testing.T, f *distFixture, files map[string][]string, wholeNews bool) {
	t.Helper()
	var gotArticles, wantArticles, gotImages, wantImages []string
	for _, e := range f.visible(t, content.ArticleQuery{}) {
		if e.a.SEOFields.Noindex {
			for _, locs := range files {
				if slices.Contains(locs, e.url) {
					t.Errorf("%s is noindex but in a sitemap", e.url)
				}
			}
			continue
		}
		wantArticles = append(wantArticles, e.url)
		inMonth := false
		for name, locs := range files {
			if strings.HasPrefix(name, "sitemaps/articles-"+e.a.PublishedAt.Format("2006-01")) && slices.Contains(locs, e.url) {
				inMonth = true
			}
		}
		if !inMonth {
			t.Errorf("%s is not in the sitemap of %s", e.url, e.a.PublishedAt.Format("2006-01"))
		}
		if c := e.a.Cover.URL; c != "" {
			if strings.HasPrefix(c, "/") {
				c = distPublicURL + c
			}
			wantImages = append(wantImages, c)
		}
	}
	listings := map[string][]string{}
	for name, locs := range files {
		switch {
		case strings.HasSuffix(name, "#images"):
			gotImages = append(gotImages, locs...)
		case strings.HasPrefix(name, "sitemaps/articles-"):
			gotArticles = append(gotArticles, locs...)
		case strings.HasPrefix(name, "sitemaps/"):
			kind := strings.TrimSuffix(strings.Split(strings.TrimPrefix(name, "sitemaps/"), "-")[0], ".xml")
			listings[kind] = append(listings[kind], locs...)
		}
	}
	for _, l := range [][]string{gotArticles, wantArticles, gotImages, wantImages} {
		slices.Sort(l)
	}
	if !slices.Equal(gotArticles, wantArticles) {
		t.Errorf("article sitemaps list\n%q\nwant\n%q", gotArticles, wantArticles)
	}
	if !slices.Equal(gotImages, wantImages) {
		t.Errorf("image entries %q, want %q", gotImages, wantImages)
	}
	for kind, want := range map[string][]string{
		"sections": {"/business", "/world"},
		"tags":     {"/tags/energy", "/tags/russia", "/tags/sanctions"},
		"authors":  {"/authors/ana-lima", "/authors/ben-okafor"},
	} {
		got := listings[kind]
		slices.Sort(got)
		for i := range want {
			want[i] = distPublicURL + want[i]
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s sitemaps list %q, want %q", kind, got, want)
		}
	}
	news := files["sitemap-news.xml"]
	slices.Sort(news)
	wantNews := []string{distPublicURL + "/business/overnight-vote", distPublicURL + "/world/talks-resume"}
	if wholeNews && !slices.Equal(news, wantNews) || len(news) == 0 || !slices.Contains(wantNews, news[len(news)-1]) {
		t.Errorf("news sitemap lists %q, want %q", news, wantNews)
	}
}

// TestNewsSitemap: the articles of the last 48 hours with Google News's
// publication, date and title.
func TestNewsSitemap(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		f := newDistFixture(t, db)
		_, body := f.get(t, "/sitemap-news.xml")
		var set xmlURLSet
		if err := xml.Unmarshal(body, &set); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{distPublicURL + "/world/talks-resume": "Talks resume", distPublicURL + "/business/overnight-vote": "Overnight vote"}
		if len(set.URLs) != len(want) {
			t.Fatalf("%d URLs: %s", len(set.URLs), body)
		}
		for _, u := range set.URLs {
			n := u.News
			if n == nil || n.Title != want[u.Loc] || n.Name != "The Test Gazette" || n.Language != "en" {
				t.Errorf("%s: news %+v", u.Loc, n)
				continue
			}
			p, err := time.Parse(time.RFC3339, n.PublicationDate)
			if err != nil || p.Before(distNow.Add(-content.NewsWindow)) || p.After(distNow) {
				t.Errorf("%s: publication date %q", u.Loc, n.PublicationDate)
			}
		}
	})
}

func cmpOr(v, def int) int {
	if v != 0 {
		return v
	}
	return def
}
