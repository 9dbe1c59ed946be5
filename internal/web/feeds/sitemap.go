package feeds

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/cachekey"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/locale"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/internal/web/reqinfo"
)

// Sitemap namespaces.
const (
	nsSitemap = "http://www.sitemaps.org/schemas/sitemap/0.9"
	nsImage   = "http://www.google.com/schemas/sitemap-image/1.1"
	nsNews    = "http://www.google.com/schemas/sitemap-news/0.9"
	nsXHTML   = "http://www.w3.org/1999/xhtml"
)

// smURL is one <url> of a urlset. A single value is reused for every row.
type smURL struct {
	XMLName xml.Name  `xml:"url"`
	Loc     string    `xml:"loc"`
	LastMod string    `xml:"lastmod,omitempty"`
	Images  []smImage `xml:"image:image"`
	News    *smNews   `xml:"news:news"`
	// Alternates name every translation of the article, itself included
	// (Google's hreflang in sitemaps).
	Alternates []smLink `xml:"xhtml:link"`
}

type smLink struct {
	Rel      string `xml:"rel,attr"`
	Hreflang string `xml:"hreflang,attr"`
	Href     string `xml:"href,attr"`
}

type smImage struct {
	Loc string `xml:"image:loc"`
}

type smNews struct {
	Publication     smPublication `xml:"news:publication"`
	PublicationDate string        `xml:"news:publication_date"`
	Title           string        `xml:"news:title"`
}

type smPublication struct {
	Name     string `xml:"news:name"`
	Language string `xml:"news:language"`
}

type smSitemap struct {
	XMLName xml.Name `xml:"sitemap"`
	Loc     string   `xml:"loc"`
	LastMod string   `xml:"lastmod,omitempty"`
}

// w3c formats a sitemap date (W3C Datetime, UTC).
func w3c(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Bounds of the size of entries, to keep each sitemap under MaxBytes: the
// markup around the values, and how much XML escaping can grow a URL that
// is not ours to control (a cover image's, & → &amp;).
const (
	entryMarkup = 160
	// alternateMarkup is the markup of one hreflang link around its values.
	alternateMarkup = 64
	escapeGrowth    = 5
	closingTag      = len("</urlset>\n")
)

// perPart is how many entries of at most entryBound bytes one sitemap
// holds.
func (h *Handler) perPart(entryBound int) int {
	header := len(xml.Header) + 256
	return max(1, min(h.opts.MaxURLs, (h.opts.MaxBytes-header-closingTag)/max(entryBound, 1)))
}

// articleEntryBound bounds the size of an article's entry in a set
// whose longest values st gives.
func (h *Handler) articleEntryBound(st content.ArticleStats) int {
	ref := ArticleRef{ID: ^uint64(0), Slug: strings.Repeat("x", st.MaxLen.Slug), SectionSlug: strings.Repeat("x", st.MaxLen.Section),
		PublishedAt: time.Date(2000, 12, 31, 0, 0, 0, 0, time.UTC), Locale: strings.Repeat("x", locale.MaxTagLen)}
	cover := st.MaxLen.Cover
	if h.opts.Media != nil {
		cover = max(cover, len(h.links.Image(strings.Repeat("x", h.opts.Media.MaxURLLen()))))
	}
	bound := entryMarkup + 2*len(h.links.Article(ref)) + escapeGrowth*cover
	if n := h.locales(); n > 1 {
		// An hreflang link per locale, at most, when the article has translations.
		bound += n * (alternateMarkup + locale.MaxTagLen + escapeGrowth*len(h.links.Article(ref)))
	}
	return bound
}

// listingEntryBound bounds the size of a listing's entry.
func (h *Handler) listingEntryBound(kind string, st content.ArticleStats) int {
	return entryMarkup + 2*len(h.listingURL(kind, strings.Repeat("x", st.MaxLen.Slug)))
}

func (h *Handler) listingURL(kind, slug string) string {
	switch kind {
	case content.ListingSections:
		return h.links.Section(slug)
	case content.ListingTags:
		return h.links.Tag(slug)
	default:
		return h.links.Author(slug)
	}
}

func parts(count int64, per int) int {
	return int((count + int64(per) - 1) / int64(per))
}

// partName is the file name of part n (from 1) of a sitemap: base.xml,
// base-2.xml, …
func partName(base string, n int) string {
	if n <= 1 {
		return base + ".xml"
	}
	return base + "-" + strconv.Itoa(n) + ".xml"
}

// sitemapIndex serves /sitemap.xml: every article month (split in parts
// when needed), the listings and the news sitemap.
func (h *Handler) sitemapIndex(w http.ResponseWriter, r *http.Request) {
	info := describe(r, "sitemap", "sitemap.index")
	ctx := r.Context()
	months, err := h.opts.Content.ArticleMonths(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var entries []smSitemap
	var last, until time.Time
	var sum strings.Builder
	base := h.links.Home() + "/sitemaps/"
	for _, m := range months {
		per := h.perPart(h.articleEntryBound(m.ArticleStats))
		for n := 1; n <= parts(m.Count, per); n++ {
			entries = append(entries, smSitemap{Loc: base + partName("articles-"+m.Month.Format("2006-01"), n), LastMod: w3c(m.LastModified)})
		}
		last, until = later(last, m.LastModified), earlier(until, m.Expires)
		fmt.Fprintf(&sum, "%s:%d:%d:%d:%d;", m.Month.Format("2006-01"), m.Count, m.LastModified.Unix(), m.Sum, per)
	}
	for _, kind := range []string{content.ListingSections, content.ListingTags, content.ListingAuthors} {
		st, err := h.opts.Content.CountListings(ctx, kind)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		per := h.perPart(h.listingEntryBound(kind, st))
		for n := 1; n <= parts(st.Count, per); n++ {
			entries = append(entries, smSitemap{Loc: base + partName(kind, n), LastMod: w3c(st.LastModified)})
		}
		last, until = later(last, st.LastModified), earlier(until, st.Expires)
		fmt.Fprintf(&sum, "%s:%d:%d:%d;", kind, st.Count, st.LastModified.Unix(), per)
	}
	entries = append(entries, smSitemap{Loc: h.links.Home() + "/sitemap-news.xml"})
	etag := weakETag("index", sum.String())
	if last, err = h.lastModified(ctx, last); err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.startStream(w, r, info, etag, last, until, cachekey.Articles, cachekey.Categories, cachekey.Tags, cachekey.Authors) {
		return
	}
	cw := &countingWriter{w: w}
	enc := xml.NewEncoder(cw)
	io.WriteString(cw, xml.Header+`<sitemapindex xmlns="`+nsSitemap+`">`+"\n")
	for i := range entries {
		if err := enc.Encode(&entries[i]); err != nil {
			return // the client went away
		}
		io.WriteString(cw, "\n")
	}
	io.WriteString(cw, "</sitemapindex>\n")
}

// startStream writes the headers of a streamed document, or a 304; it reports
// whether to write the body. until is the first take-down time of an
// article the document lists (zero for none): shared caches may not keep
// it past that second, as they may not keep a feed or a GraphQL answer.
func (h *Handler) startStream(w http.ResponseWriter, r *http.Request, info *reqinfo.Info, etag string, lastModified, until time.Time, keys ...string) bool {
	hd := w.Header()
	hd.Set("Content-Type", "application/xml; charset=utf-8")
	hd.Set("ETag", etag)
	lastModified = lastModified.UTC().Truncate(time.Second)
	if !lastModified.IsZero() {
		hd.Set("Last-Modified", lastModified.Format(http.TimeFormat))
	}
	sk, ct := httpcache.Header(keys)
	h.cacheHeaders(hd, sk, ct)
	if !until.IsZero() {
		hd.Set("Cache-Control", h.opts.Policy.Until(until))
	}
	info.Outcome = reqinfo.OutcomeOK
	if notModified(r, etag, lastModified) {
		w.WriteHeader(http.StatusNotModified)
		return false
	}
	w.WriteHeader(http.StatusOK)
	return r.Method != http.MethodHead
}

// lastModified is the Last-Modified of a document listing readers'
// articles whose own newest change is at: never before the latest time an
// article may have left them, so a client asking If-Modified-Since gets
// the document an unpublished or deleted article left, not a 304.
func (h *Handler) lastModified(ctx context.Context, at time.Time) (time.Time, error) {
	left, err := h.opts.Content.LastDeparture(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return later(at, left), nil
}

// weakETag is an entity tag for a streamed document, from the summary it
// was listed by (equal summaries list the same entries).
func weakETag(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		io.WriteString(h, p)
		h.Write([]byte{0})
	}
	return `W/"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
}

var (
	articlesName = regexp.MustCompile(`^articles-(\d{4})-(\d{2})(?:-([2-9]|[1-9]\d+))?\.xml$`)
	listingName  = regexp.MustCompile(`^(sections|tags|authors)(?:-([2-9]|[1-9]\d+))?\.xml$`)
)

// sitemap serves /sitemaps/NAME: a part of an article month or of a
// listing.
func (h *Handler) sitemap(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if m := articlesName.FindStringSubmatch(name); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo >= 1 && mo <= 12 {
			h.articleSitemap(w, r, time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC), partNumber(m[3]))
			return
		}
	}
	if m := listingName.FindStringSubmatch(name); m != nil {
		h.listingSitemap(w, r, m[1], partNumber(m[2]))
		return
	}
	describe(r, "sitemap", "sitemap.unknown")
	h.fail(w, r, apperr.New(apperr.NotFound, "no sitemap %q; /sitemap.xml lists them", apperr.Clip(name, 64)))
}

func partNumber(s string) int {
	if s == "" {
		return 1
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 1 << 30
	}
	return n
}

// articleSitemap streams part n of the articles published in the month
// that starts at from.
func (h *Handler) articleSitemap(w http.ResponseWriter, r *http.Request, from time.Time, n int) {
	info := describe(r, "sitemap", "sitemap.articles")
	ctx := r.Context()
	p := content.Period{From: from, To: from.AddDate(0, 1, 0)}
	st, err := h.opts.Content.ArticleStats(ctx, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	per := h.perPart(h.articleEntryBound(st))
	if n > parts(st.Count, per) {
		h.fail(w, r, apperr.New(apperr.NotFound, "no sitemap %q; /sitemap.xml lists them", r.PathValue("name")), cachekey.Articles)
		return
	}
	etag := weakETag("articles", from.Format("2006-01"), strconv.Itoa(n), strconv.FormatInt(st.Count, 10), strconv.FormatInt(st.LastModified.Unix(), 10), strconv.FormatInt(st.Sum, 10), strconv.Itoa(per))
	last, err := h.lastModified(ctx, st.LastModified)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.startStream(w, r, info, etag, last, st.Expires, cachekey.Articles, cachekey.Categories) {
		return
	}
	h.streamArticles(ctx, w, false, func(fn func(*content.SitemapArticle) error) error {
		return h.opts.Content.EachSitemapArticle(ctx, p, (n-1)*per, per, fn)
	})
}

// newsSitemap streams the Google News sitemap.
func (h *Handler) newsSitemap(w http.ResponseWriter, r *http.Request) {
	info := describe(r, "sitemap", "sitemap.news")
	ctx := r.Context()
	st, err := h.opts.Content.ArticleStats(ctx, h.opts.Content.NewsPeriod())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	etag := weakETag("news", strconv.FormatInt(st.Count, 10), strconv.FormatInt(st.LastModified.Unix(), 10), strconv.FormatInt(st.Sum, 10), h.name, h.language)
	last, err := h.lastModified(ctx, st.LastModified)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.startStream(w, r, info, etag, last, st.Expires, cachekey.Articles, cachekey.Categories) {
		return
	}
	h.streamArticles(ctx, w, true, func(fn func(*content.SitemapArticle) error) error {
		return h.opts.Content.EachNewsArticle(ctx, h.opts.MaxURLs, fn)
	})
}

// streamArticles writes a urlset of the articles each hands over, one
// entry at a time: memory does not grow with their number.
func (h *Handler) streamArticles(ctx context.Context, w io.Writer, news bool, each func(func(*content.SitemapArticle) error) error) {
	cw := &countingWriter{w: w}
	enc := xml.NewEncoder(cw)
	ns := ` xmlns:image="` + nsImage + `"`
	var alternates map[uint64][]content.SitemapAlternate
	if h.locales() > 1 {
		var err error
		if alternates, err = h.opts.Content.SitemapAlternates(ctx); err != nil {
			h.opts.Logger.Warn("sitemap without hreflang alternates", "err", err)
		}
	}
	if len(alternates) > 0 {
		ns += ` xmlns:xhtml="` + nsXHTML + `"`
	}
	if news {
		ns += ` xmlns:news="` + nsNews + `"`
	}
	io.WriteString(cw, xml.Header+`<urlset xmlns="`+nsSitemap+`"`+ns+">\n")
	var u smURL
	var img [1]smImage
	var nw smNews
	nw.Publication = smPublication{Name: h.name, Language: NewsLanguage(h.language)}
	err := each(func(a *content.SitemapArticle) error {
		u.Loc = h.links.Article(ArticleRef{ID: a.ID, Slug: a.Slug, SectionSlug: a.SectionSlug, PublishedAt: a.PublishedAt, Locale: a.Locale})
		u.Alternates = u.Alternates[:0]
		alternatesLen := 0
		if group := alternates[a.Group]; a.Group != 0 && len(group) > 1 {
			for _, t := range group {
				href := h.links.Article(ArticleRef{ID: t.ID, Slug: t.Slug, SectionSlug: t.SectionSlug, PublishedAt: t.PublishedAt, Locale: t.Locale})
				u.Alternates = append(u.Alternates, smLink{Rel: "alternate", Hreflang: t.Locale, Href: href})
				alternatesLen += alternateMarkup + len(t.Locale) + escapeGrowth*len(href)
			}
		}
		u.LastMod = w3c(later(a.UpdatedAt, a.PublishedAt))
		u.Images = nil
		cover := a.CoverURL
		if cover == "" && a.CoverImage.ID != 0 && h.opts.Media != nil {
			cover = h.opts.Media.CoverURL(&a.CoverImage)
		}
		if cover != "" {
			img[0].Loc = h.links.Image(cover)
			u.Images = img[:]
		}
		u.News = nil
		if news {
			nw.PublicationDate, nw.Title = w3c(a.PublishedAt), a.Title
			nw.Publication.Language = NewsLanguage(h.language)
			if a.Locale != "" {
				nw.Publication.Language = NewsLanguage(a.Locale)
			}
			u.News = &nw
		}
		bound := entryMarkup + 2*len(u.Loc) + escapeGrowth*len(cover) + alternatesLen
		if news {
			bound += 256 + len(nw.Publication.Name)*escapeGrowth + len(a.Title)*escapeGrowth
		}
		if cw.n+bound+closingTag > h.opts.MaxBytes {
			return errTooBig
		}
		if err := enc.Encode(&u); err != nil {
			return err
		}
		_, err := io.WriteString(cw, "\n")
		return err
	})
	if errors.Is(err, errTooBig) {
		h.opts.Logger.Error("sitemap cut short at its size limit", "bytes", cw.n)
	} else if err != nil {
		// Headers are gone: the client sees a truncated document (no
		// closing tag), which a crawler discards and fetches again.
		h.opts.Logger.Warn("sitemap stream ended early", "err", err)
		return
	}
	io.WriteString(cw, "</urlset>\n")
}

// NewsLanguage is a BCP 47 language as Google News wants it: the ISO 639
// code alone ("en-GB" → "en"), except Chinese, which keeps its script as
// zh-cn or zh-tw.
func NewsLanguage(lang string) string {
	l := strings.ToLower(lang)
	primary, rest, _ := strings.Cut(l, "-")
	if primary == "zh" {
		switch {
		case strings.Contains(rest, "hant"), strings.Contains(rest, "tw"), strings.Contains(rest, "hk"):
			return "zh-tw"
		}
		return "zh-cn"
	}
	return primary
}

var errTooBig = fmt.Errorf("sitemap size limit reached")

// listingSitemap streams part n of a listing sitemap.
func (h *Handler) listingSitemap(w http.ResponseWriter, r *http.Request, kind string, n int) {
	info := describe(r, "sitemap", "sitemap."+kind)
	ctx := r.Context()
	st, err := h.opts.Content.CountListings(ctx, kind)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	per := h.perPart(h.listingEntryBound(kind, st))
	if n > parts(st.Count, per) {
		h.fail(w, r, apperr.New(apperr.NotFound, "no sitemap %q; /sitemap.xml lists them", r.PathValue("name")), cachekey.Articles)
		return
	}
	listKey := map[string]string{content.ListingSections: cachekey.Categories, content.ListingTags: cachekey.Tags, content.ListingAuthors: cachekey.Authors}[kind]
	etag := weakETag(kind, strconv.Itoa(n), strconv.FormatInt(st.Count, 10), strconv.FormatInt(st.LastModified.Unix(), 10), strconv.Itoa(per))
	if !h.startStream(w, r, info, etag, st.LastModified, st.Expires, listKey, cachekey.Articles) {
		return
	}
	cw := &countingWriter{w: w}
	enc := xml.NewEncoder(cw)
	io.WriteString(cw, xml.Header+`<urlset xmlns="`+nsSitemap+`">`+"\n")
	var u smURL
	err = h.opts.Content.EachListing(ctx, kind, (n-1)*per, per, func(l *content.Listing) error {
		u.Loc, u.LastMod = h.listingURL(kind, l.Slug), w3c(l.LastModified)
		if err := enc.Encode(&u); err != nil {
			return err
		}
		_, err := io.WriteString(cw, "\n")
		return err
	})
	if err != nil {
		h.opts.Logger.Warn("sitemap stream ended early", "err", err)
		return
	}
	io.WriteString(cw, "</urlset>\n")
}

// countingWriter counts the bytes of a streamed document.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// locales is how many locales the publication has (an article has at most
// one translation in each).
func (h *Handler) locales() int {
	if h.opts.Content == nil {
		return 1
	}
	return len(h.opts.Content.Locales().All())
}

// earlier is the earlier of two instants, a zero one meaning none.
func earlier(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
