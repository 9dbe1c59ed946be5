package feeds

import (
	"bytes"
	"context"
	"encoding/xml"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/permalink"
)

func TestNewsLanguage(t *testing.T) {
	for in, want := range map[string]string{"en": "en", "en-GB": "en", "pt-BR": "pt", "zh-Hans": "zh-cn", "zh-CN": "zh-cn",
		"zh-Hant": "zh-tw", "zh-TW": "zh-tw", "zh-HK": "zh-tw", "DE": "de"} {
		if got := NewsLanguage(in); got != want {
			t.Errorf("NewsLanguage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPartNames(t *testing.T) {
	for _, tc := range []struct {
		base string
		n    int
		want string
	}{{"articles-2024-11", 1, "articles-2024-11.xml"}, {"articles-2024-11", 2, "articles-2024-11-2.xml"}, {"tags", 12, "tags-12.xml"}} {
		got := partName(tc.base, tc.n)
		if got != tc.want {
			t.Errorf("partName(%q, %d) = %q, want %q", tc.base, tc.n, got, tc.want)
		}
		// The names the index writes are the names the handler reads.
		if strings.HasPrefix(got, "articles-") != (articlesName.MatchString(got)) || (strings.HasPrefix(got, "tags") && !listingName.MatchString(got)) {
			t.Errorf("%q is not read back", got)
		}
	}
	for _, bad := range []string{"articles-2024-11-1.xml", "articles-2024-11-0.xml", "articles-24-11.xml", "tags-1.xml", "tags-01.xml", "pages.xml"} {
		if articlesName.MatchString(bad) || listingName.MatchString(bad) {
			t.Errorf("%q is accepted", bad)
		}
	}
}

// TestPerPartKeepsBytes: the split leaves room for the longest entries.
func TestPerPartKeepsBytes(t *testing.T) {
	h := testHandler(50000, 50<<20)
	var st content.ArticleStats
	st.MaxLen.Slug, st.MaxLen.Section = 60, 12
	if got := h.perPart(h.articleEntryBound(st)); got != 50000 {
		t.Errorf("ordinary addresses: %d per part, want the URL limit 50000", got)
	}
	st.MaxLen.Cover = 2048 // a cover URL as long as allowed, all of it & to escape
	per := h.perPart(h.articleEntryBound(st))
	if per >= 50000 || per*h.articleEntryBound(st) > 50<<20 {
		t.Errorf("long covers: %d per part would not keep under 50 MB", per)
	}
}

// TestStreamStopsAtByteLimit: an entry that would cross the byte limit
// ends the document, which stays well-formed and within the limit.
func TestStreamStopsAtByteLimit(t *testing.T) {
	h := testHandler(50000, 1500)
	var b bytes.Buffer
	h.streamArticles(context.Background(), &b, false, func(fn func(*content.SitemapArticle) error) error {
		for i := range 100 {
			a := content.SitemapArticle{ID: uint64(i + 1), Slug: "story", SectionSlug: "world", PublishedAt: time.Now(), UpdatedAt: time.Now(),
				CoverURL: "https://img.example/" + strings.Repeat("&", 40)}
			if err := fn(&a); err != nil {
				return err
			}
		}
		return nil
	})
	var set struct {
		URLs []struct{ Loc string } `xml:"url"`
	}
	if err := xml.Unmarshal(b.Bytes(), &set); err != nil || b.Len() > 1500 || len(set.URLs) == 0 || len(set.URLs) == 100 {
		t.Errorf("%d bytes, %d URLs, %v:\n%s", b.Len(), len(set.URLs), err, b.String())
	}
}

func testHandler(maxURLs, maxBytes int) *Handler {
	return &Handler{opts: Options{MaxURLs: maxURLs, MaxBytes: maxBytes, Logger: slog.New(slog.DiscardHandler)},
		links: links{permalink.MustNew("https://news.example.com", "")}, name: "The Daily", language: "en"}
}

func TestImageType(t *testing.T) {
	for in, want := range map[string]string{"https://x/a.PNG?w=1": "image/png", "/media/b.webp": "image/webp", "https://x/c": "image/jpeg", "https://x/d.gif#f": "image/gif"} {
		if got := imageType(in); got != want {
			t.Errorf("imageType(%q) = %q, want %q", in, got, want)
		}
	}
}
