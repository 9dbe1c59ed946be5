package feeds

import (
	"fmt"
	"html"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/cachekey"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/internal/web/reqinfo"
)

// format is one feed format.
type format struct {
	ext, name, contentType string
	render                 func(*doc) ([]byte, error)
}

var formats = []format{
	{"xml", "rss", "application/rss+xml; charset=utf-8", renderRSS},
	{"atom", "atom", "application/atom+xml; charset=utf-8", renderAtom},
	{"json", "json", "application/feed+json; charset=utf-8", renderJSON},
}

// doc is a feed in the terms all formats share.
type doc struct {
	Title, Description string
	Home, Self         string // the page the feed follows, and the feed itself
	Language           string
	Updated            time.Time
	Items              []item
}

type item struct {
	ID, URL, Title    string
	Summary, HTML     string // HTML only for full-content feeds
	Published, Update time.Time
	Authors           []person
	Section           *term
	Tags              []term
	Image             *image
	Corrections       []correction
}

type correction struct {
	At   time.Time
	Text string
}

type person struct{ Name, URL string }

type term struct{ Slug, Name, URL string }

// image is a cover image. Width, Height and Bytes are 0 while unknown:
// covers are URLs without their dimensions until the media library
// stores them.
type image struct {
	URL, Alt, Type       string
	Width, Height, Bytes int64
}

// GUID is an article's id in feeds: its global id, which outlives slug
// changes, as a URN (Atom ids must be IRIs; RSS and JSON Feed take it as is).
func GUID(articleID uint64) string {
	return "urn:broadsheet:" + globalid.ID(globalid.TypeArticle, articleID)
}

// feed serves the feeds of one scope kind in format f.
func (h *Handler) feed(kind string, f format) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := describe(r, "feed", "feed."+f.name)
		// ?locale=fr: one locale's articles (checked by the service).
		scope := content.FeedScope{Kind: kind, Slug: r.PathValue("slug"), Locale: r.URL.Query().Get("locale")}
		limit, full, err := h.feedParams(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		key := httpcache.MakeKey("feed", r.URL.Path, strconv.Itoa(limit), strconv.FormatBool(full), scope.Locale)
		var epoch uint64
		if c := h.opts.Cache; c != nil {
			if e, ok := c.Get(key); ok {
				info.Cache, info.Outcome = reqinfo.CacheHit, reqinfo.OutcomeOK
				h.writeEntry(w, r, e)
				return
			}
			info.Cache, epoch = reqinfo.CacheMiss, c.Epoch()
		}
		fd, err := h.opts.Content.Feed(r.Context(), scope, limit, full)
		if err != nil {
			h.fail(w, r, err, scopeListKeys(kind)...)
			return
		}
		d, keys := h.buildDoc(r, scope, fd)
		body, err := f.render(d)
		if err != nil {
			h.fail(w, r, fmt.Errorf("render %s feed: %w", f.name, err))
			return
		}
		// Last-Modified is when this body was made, not the newest item's
		// date: an article leaving the feed (unpublished, deleted) changes
		// it without a newer date, and a client that sends only
		// If-Modified-Since must not be told it has not changed. The
		// entry lives until a change to the feed's content purges it.
		e := &httpcache.Entry{Body: body, ETag: httpcache.ETag(body), Keys: keys, Operation: info.Operation,
			ContentType: f.contentType, LastModified: time.Now().UTC().Truncate(time.Second), Until: takenDown(fd)}
		e.SurrogateKey, e.CacheTag = httpcache.Header(keys)
		if c := h.opts.Cache; c != nil {
			c.Put(key, e, epoch)
		}
		info.Outcome = reqinfo.OutcomeOK
		h.writeEntry(w, r, e)
	})
}

// takenDown is the first time an item of fd leaves the site by itself
// (expiresAt), zero for none: the cached feed is not served from then on.
func takenDown(fd *content.Feed) time.Time {
	var first time.Time
	for _, it := range fd.Items {
		if at := it.Article.ExpiresAt; at != nil && (first.IsZero() || at.Before(first)) {
			first = *at
		}
	}
	return first
}

// feedParams reads ?limit= (clamped to 1…MaxFeedItems, default
// DefaultFeedItems) and ?full= (1/true or 0/false; default FullContent).
func (h *Handler) feedParams(r *http.Request) (limit int, full bool, err error) {
	q := r.URL.Query()
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			if len(strings.TrimLeft(s, "0123456789")) == 0 { // digits, too many for an int
				n = content.MaxFeedItems
			} else {
				return 0, false, apperr.Invalidf("limit", "limit must be a whole number of items (at most %d), not %q", content.MaxFeedItems, apperr.Clip(s, 32))
			}
		}
		limit = n
	}
	full = h.opts.FullContent
	if s := q.Get("full"); s != "" {
		if full, err = strconv.ParseBool(s); err != nil {
			return 0, false, apperr.Invalidf("full", "full must be 1 or 0, not %q", apperr.Clip(s, 32))
		}
	}
	return content.ClampFeedItems(limit), full, nil
}

// scopeListKeys are the surrogate keys of a scope lookup that found
// nothing: the object may appear later.
func scopeListKeys(kind string) []string {
	switch kind {
	case content.ScopeSection:
		return []string{cachekey.Categories}
	case content.ScopeTag:
		return []string{cachekey.Tags, cachekey.Articles}
	case content.ScopeAuthor:
		return []string{cachekey.Authors}
	}
	return nil
}

// buildDoc turns a feed into the shared document and its surrogate keys:
// the list of articles (any article may join the feed) and every object
// it shows.
func (h *Handler) buildDoc(r *http.Request, scope content.FeedScope, fd *content.Feed) (*doc, []string) {
	l := h.links
	lang, self := h.language, l.Home()+r.URL.Path
	if fd.Locale != "" {
		lang, self = fd.Locale, self+"?locale="+url.QueryEscape(fd.Locale)
	}
	d := &doc{Title: h.name, Home: l.Home(), Self: self, Language: lang,
		Description: "The newest articles from " + h.name}
	keys := httpcache.NewKeys()
	keys.Add(cachekey.Articles)
	switch {
	case fd.Section != nil:
		d.Title, d.Home = h.name+": "+fd.Section.Name, l.Section(fd.Section.Slug)
		d.Description = cmpOr(fd.Section.Description, "The newest articles in "+fd.Section.Name)
		d.Updated = fd.Section.UpdatedAt
		keys.Add(cachekey.Category(fd.Section.ID))
	case fd.Tag != nil:
		d.Title, d.Home = h.name+": "+fd.Tag.Name, l.Tag(fd.Tag.Slug)
		d.Description = "The newest articles about " + fd.Tag.Name
		d.Updated = fd.Tag.CreatedAt
		keys.Add(cachekey.Tag(fd.Tag.ID))
	case fd.Author != nil:
		d.Title, d.Home = h.name+": "+fd.Author.Name, l.Author(fd.Author.Slug)
		d.Description = "The newest articles by " + fd.Author.Name
		d.Updated = fd.Author.UpdatedAt
		keys.Add(cachekey.Author(fd.Author.ID))
	}
	for _, it := range fd.Items {
		a := it.Article
		keys.Add(cachekey.Article(a.ID))
		var published time.Time
		if a.PublishedAt != nil {
			published = a.PublishedAt.UTC()
		}
		ref := ArticleRef{ID: a.ID, Slug: a.Slug, PublishedAt: published, Locale: a.Locale}
		out := item{ID: GUID(a.ID), Title: a.Title, Summary: a.Excerpt, HTML: a.BodyHTML,
			Published: published, Update: later(a.UpdatedAt.UTC(), published)}
		if it.Section != nil {
			ref.SectionSlug = it.Section.Slug
			out.Section = &term{Slug: it.Section.Slug, Name: it.Section.Name, URL: l.Section(it.Section.Slug)}
			keys.Add(cachekey.Category(it.Section.ID))
		}
		out.URL = l.Article(ref)
		for _, au := range it.Authors {
			out.Authors = append(out.Authors, person{Name: au.Name, URL: l.Author(au.Slug)})
			keys.Add(cachekey.Author(au.ID))
		}
		for _, t := range it.Tags {
			out.Tags = append(out.Tags, term{Slug: t.Slug, Name: t.Name, URL: l.Tag(t.Slug)})
			keys.Add(cachekey.Tag(t.ID))
		}
		for _, c := range it.Corrections {
			out.Corrections = append(out.Corrections, correction{At: c.CreatedAt.UTC(), Text: c.Text})
		}
		if out.HTML != "" && len(out.Corrections) > 0 {
			out.HTML += correctionsHTML(out.Corrections)
		}
		// A cover is a URL as the editor gave it, or a library picture
		// whose cover rendition states its size and type.
		if c := a.CoverImage(); c != nil && c.URL != "" {
			out.Image = &image{URL: l.Image(c.URL), Alt: c.Alt, Type: imageType(c.URL)}
		} else if img := it.CoverImage; img != nil && h.opts.Media != nil {
			u, typ, w, ht := h.opts.Media.Cover(img)
			alt := a.Cover.Alt
			if alt == "" {
				alt = img.Alt
			}
			out.Image = &image{URL: l.Image(u), Alt: alt, Type: typ, Width: int64(w), Height: int64(ht)}
		}
		d.Updated = later(d.Updated, out.Update)
		d.Items = append(d.Items, out)
	}
	d.Updated = d.Updated.UTC().Truncate(time.Second)
	return d, keys.List()
}

// correctionsHTML is the corrections as they end a full-content item.
func correctionsHTML(cs []correction) string {
	var b strings.Builder
	b.WriteString(`<aside class="corrections">`)
	for _, c := range cs {
		b.WriteString(`<p><strong>Correction</strong> (<time datetime="` + c.At.Format(time.RFC3339) + `">` +
			c.At.Format("2 January 2006") + `</time>): ` + html.EscapeString(c.Text) + `</p>`)
	}
	b.WriteString(`</aside>`)
	return b.String()
}

// imageType guesses an image's media type from its URL's extension
// (image/jpeg, the commonest, when it has none).
func imageType(u string) string {
	p := u
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(p))); strings.HasPrefix(t, "image/") {
		return t
	}
	return "image/jpeg"
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func cmpOr(s, def string) string {
	if s != "" {
		return s
	}
	return def
}
