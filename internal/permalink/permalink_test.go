package permalink

import (
	"strings"
	"testing"
	"time"
)

var published = time.Date(2024, 3, 7, 23, 30, 0, 0, time.UTC)

func TestParsePatternRefusesBadPatterns(t *testing.T) {
	for _, tc := range []struct{ pattern, want string }{
		{"{publicUrl}/{section}", "needs {slug} or {id}"},
		{"{publicUrl}/{yyyy}/{mm}", "needs {slug} or {id}"},
		{"/{slug}", "must start with"},
		{"{publicUrl}", "want a path"},
		{"{publicUrl}/{slug}/{slug}", "appears twice"},
		{"{publicUrl}/{title}", "unknown placeholder {title}"},
		{"{publicUrl}/{locale}/{locale}/{slug}", "appears twice"},
		{"{publicUrl}/{section}{slug}", "separated"},
		{"{publicUrl}/{slug", "without its }"},
		{"{publicUrl}/a?b={slug}", "unexpected characters"},
		{"{publicUrl}//{slug}", "unexpected characters"},
		{"{publicUrl}/x/{publicUrl}/{slug}", "may only start"},
		{"ftp://x/{slug}", "must start with"},
		{"https://example.com", "no path"},
	} {
		_, err := ParsePattern(tc.pattern, "https://news.example.com")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParsePattern(%q) = %v, want an error with %q", tc.pattern, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("ParsePattern(%q): error is not one line: %q", tc.pattern, err)
		}
	}
	if _, err := ParsePattern(DefaultArticlePattern, "news.example.com"); err == nil {
		t.Error("a public URL without a scheme was accepted")
	}
}

func TestBuildAndMatchRoundTrip(t *testing.T) {
	f := Fields{Section: "world", Slug: "peace-talks", ID: 42, Published: published}
	for _, tc := range []struct{ pattern, public, url, path string }{
		{DefaultArticlePattern, "https://news.example.com/", "https://news.example.com/world/peace-talks", "/world/peace-talks"},
		{"{publicUrl}/{yyyy}/{mm}/{dd}/{slug}", "https://news.example.com", "https://news.example.com/2024/03/07/peace-talks", "/2024/03/07/peace-talks"},
		{"{publicUrl}/{section}/{id}-{slug}.html", "https://news.example.com", "https://news.example.com/world/42-peace-talks.html", "/world/42-peace-talks.html"},
		{"{publicUrl}/a/{id}", "https://example.com/paper", "https://example.com/paper/a/42", "/paper/a/42"},
		{"https://www.example.com/{section}/{slug}", "https://api.example.com", "https://www.example.com/world/peace-talks", "/world/peace-talks"},
	} {
		p, err := ParsePattern(tc.pattern, tc.public)
		if err != nil {
			t.Fatalf("ParsePattern(%q): %v", tc.pattern, err)
		}
		u, path := p.Build(f)
		if u != tc.url || path != tc.path {
			t.Errorf("%q: Build = %q, %q; want %q, %q", tc.pattern, u, path, tc.url, tc.path)
		}
		l := MustNew(tc.public, tc.pattern)
		_, targets := l.Resolve(path)
		if len(targets) == 0 || targets[0].Kind != KindArticle {
			t.Fatalf("%q: Resolve(%q) = %+v, want an article first", tc.pattern, path, targets)
		}
		if got, _ := p.Match("/nothing/like/it.txt"); got != (Fields{}) {
			t.Errorf("%q matched a foreign path", tc.pattern)
		}
		got := targets[0].Fields
		if (p.Uses(Slug) && got.Slug != f.Slug) || (p.Uses(ID) && got.ID != f.ID) || (p.Uses(Section) && got.Section != f.Section) {
			t.Errorf("%q: Match(%q) = %+v", tc.pattern, path, got)
		}
	}
}

func TestNoSection(t *testing.T) {
	_, path := MustNew("https://x.example", "").Article(Fields{Slug: "a"})
	if path != "/"+NoSection+"/a" {
		t.Errorf("path without section = %q", path)
	}
}

func TestResolve(t *testing.T) {
	l := MustNew("https://news.example.com", "")
	for _, tc := range []struct {
		raw, clean string
		kinds      []Kind
	}{
		{"/world/peace-talks", "/world/peace-talks", []Kind{KindArticle}},
		{"/world/peace-talks/?utm_source=x#top", "/world/peace-talks", []Kind{KindArticle}},
		{"https://news.example.com/world/peace-talks", "/world/peace-talks", []Kind{KindArticle}},
		{"/tags/climate", "/tags/climate", []Kind{KindTag, KindArticle}},
		{"/authors/jane-doe", "/authors/jane-doe", []Kind{KindAuthor, KindArticle}},
		{"/world", "/world", []Kind{KindSection}},
		{"/world/", "/world", []Kind{KindSection}},
		{"/", "/", nil},
		{"/World/Peace", "/World/Peace", nil},
		{"/a/b/c", "/a/b/c", nil},
		{"/old-archive/2001/story.php", "/old-archive/2001/story.php", nil},
	} {
		clean, targets := l.Resolve(tc.raw)
		if clean != tc.clean || len(targets) != len(tc.kinds) {
			t.Errorf("Resolve(%q) = %q %+v, want %q %v", tc.raw, clean, targets, tc.clean, tc.kinds)
			continue
		}
		for i, k := range tc.kinds {
			if targets[i].Kind != k {
				t.Errorf("Resolve(%q)[%d] = %v, want %v", tc.raw, i, targets[i].Kind, k)
			}
		}
	}
	for _, bad := range []string{"", "world", "//evil.example/x", "/a/../b", "/a/%zz", "/a\x00b", "/a\\b",
		"https://evil.example/world/x", "/" + strings.Repeat("a", MaxPathLen), "javascript:alert(1)"} {
		if clean, targets := l.Resolve(bad); clean != "" || targets != nil {
			t.Errorf("Resolve(%q) = %q %+v, want nothing", bad, clean, targets)
		}
	}
}

func TestTaxonomyURLs(t *testing.T) {
	l := MustNew("https://example.com/paper", "")
	for _, tc := range []struct{ gotURL, gotPath, url, path string }{
		func() (r struct{ gotURL, gotPath, url, path string }) {
			r.gotURL, r.gotPath = l.Section("world")
			r.url, r.path = "https://example.com/paper/world", "/paper/world"
			return
		}(),
		func() (r struct{ gotURL, gotPath, url, path string }) {
			r.gotURL, r.gotPath = l.Tag("climate")
			r.url, r.path = "https://example.com/paper/tags/climate", "/paper/tags/climate"
			return
		}(),
		func() (r struct{ gotURL, gotPath, url, path string }) {
			r.gotURL, r.gotPath = l.Author("jane")
			r.url, r.path = "https://example.com/paper/authors/jane", "/paper/authors/jane"
			return
		}(),
	} {
		if tc.gotURL != tc.url || tc.gotPath != tc.path {
			t.Errorf("got %q %q, want %q %q", tc.gotURL, tc.gotPath, tc.url, tc.path)
		}
	}
	if _, targets := l.Resolve("/world"); targets != nil {
		t.Errorf("a path outside the base path resolved: %+v", targets)
	}
	if got := l.Absolute("/img/a.jpg"); got != "https://example.com/img/a.jpg" {
		t.Errorf("Absolute = %q", got)
	}
	if got := l.Absolute("https://cdn.example/a.jpg"); got != "https://cdn.example/a.jpg" {
		t.Errorf("Absolute kept = %q", got)
	}
}

func TestCleanQuery(t *testing.T) {
	l := MustNew("https://news.example.com", "")
	for _, tc := range []struct{ in, want string }{
		{"/?p=123", "/?p=123"},
		{"/?p=123&utm_source=x#top", "/?p=123"},
		{"https://news.example.com/?page_id=9&p=2", "/?p=2&page_id=9"},
		{"/world/story/?utm_medium=social", "/world/story"},
		{"/world/story", "/world/story"},
		{"/?p=%zz", "/"},
	} {
		got, ok := l.CleanQuery(tc.in)
		if !ok || got != tc.want {
			t.Errorf("CleanQuery(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	if _, ok := l.CleanQuery("https://elsewhere.example/?p=1"); ok {
		t.Error("CleanQuery accepted another host")
	}
}

// TestLocalePlaceholder builds and reads back addresses with {locale}.
func TestLocalePlaceholder(t *testing.T) {
	p, err := ParsePattern("{publicUrl}/{locale}/{section}/{slug}", "https://news.example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"fr", "de-CH", "zh-Hant-TW"} {
		abs, path := p.Build(Fields{Locale: loc, Section: "world", Slug: "budget"})
		if want := "/" + loc + "/world/budget"; path != want || abs != "https://news.example.com"+want {
			t.Errorf("Build(%s) = %s %s", loc, abs, path)
		}
		f, ok := p.Match(path)
		if !ok || f.Locale != loc || f.Slug != "budget" || f.Section != "world" {
			t.Errorf("Match(%s) = %+v %v", path, f, ok)
		}
	}
	if _, ok := p.Match("/../world/budget"); ok {
		t.Error("a path with no locale matched")
	}
}
