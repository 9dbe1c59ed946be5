// Package livefeed serves a live blog's entries as feeds:
// /live/SLUG/feed.json (JSON Feed 1.1) and /live/SLUG/feed.xml (RSS 2.0),
// newest first, for readers' apps, aggregators and partner sites that poll.
// Answers are cached like the live blog's first page: a few seconds in
// shared caches, and in the server's response cache until the next change
// to the blog purges its key.
package livefeed

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/cachekey"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/models"
)

// Patterns are the paths the handler serves.
var Patterns = []string{"GET /live/{slug}/feed.json", "GET /live/{slug}/feed.xml"}

// MaxItems is how many entries a feed lists (the newest).
const MaxItems = 50

// Options configure the handler.
type Options struct {
	Content *content.Service
	// Cache, when set, keeps answers until a change purges them.
	Cache  *httpcache.Store
	Logger *slog.Logger
}

// feed is a live blog as the feeds render it.
type feed struct {
	article *models.Article
	blog    *models.LiveBlog
	entries []*models.LiveEntry
	page    string // the article's public page
	self    string // the feed's absolute URL
}

// New returns the feeds handler.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &handler{o: o}
}

type handler struct{ o Options }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	asJSON := strings.HasSuffix(r.URL.Path, ".json")
	loc := r.URL.Query().Get("locale")
	key := httpcache.MakeKey("livefeed", r.URL.Path, loc)
	if h.o.Cache != nil {
		if e, ok := h.o.Cache.Get(key); ok {
			write(w, r, e)
			return
		}
	}
	var epoch uint64
	if h.o.Cache != nil {
		epoch = h.o.Cache.Epoch()
	}
	f, err := h.load(r.Context(), loc, slug)
	if apperr.KindOf(err) == apperr.Invalid {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err != nil {
		h.o.Logger.ErrorContext(r.Context(), "live feed", "slug", slug, "err", err)
		http.Error(w, "the feed is unavailable; try again shortly", http.StatusServiceUnavailable)
		return
	}
	if f == nil {
		http.Error(w, "no such live blog", http.StatusNotFound)
		return
	}
	// Addresses are the publication's (--public-url), as in every other
	// feed: the request's Host is a replica's or a proxy's name.
	f.self = h.o.Content.Publication().Links.Base() + r.URL.Path
	if loc != "" {
		f.self += "?locale=" + url.QueryEscape(loc)
	}
	var body []byte
	ct := "application/feed+json; charset=utf-8"
	if asJSON {
		body, err = f.jsonFeed()
	} else {
		body, err = f.rss()
		ct = "application/rss+xml; charset=utf-8"
	}
	if err != nil {
		h.o.Logger.ErrorContext(r.Context(), "render live feed", "slug", slug, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	keys := []string{cachekey.Article(f.article.ID), cachekey.LiveBlog(f.article.ID)}
	e := &httpcache.Entry{Body: body, ETag: httpcache.ETag(body), Keys: keys, Operation: ct}
	e.SurrogateKey, e.CacheTag = httpcache.Header(keys)
	if h.o.Cache != nil {
		h.o.Cache.Put(key, e, epoch)
	}
	write(w, r, e)
}

// load reads the blog of the article with slug (in locale, or the
// default locale's else another's) as the viewer may see it, or nil.
func (h *handler) load(ctx context.Context, locale, slug string) (*feed, error) {
	a, err := h.o.Content.LiveBlogArticleBySlug(ctx, "locale", locale, slug)
	if err != nil || a == nil {
		return nil, err
	}
	b, err := h.o.Content.LiveBlog(ctx, a)
	if err != nil || b == nil {
		return nil, err
	}
	first := MaxItems
	l, err := h.o.Content.LiveEntries(ctx, content.LiveEntryFilter{ArticleID: a.ID}, page.Args{First: &first})
	if err != nil {
		return nil, fmt.Errorf("entries of live blog %q: %w", slug, err)
	}
	pageURL, err := h.o.Content.ArticlePageURL(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("address of live blog %q: %w", slug, err)
	}
	return &feed{article: a, blog: b, entries: l.Items, page: pageURL}, nil
}

// write sends a feed with its validators; the content type is kept in the
// entry's Operation.
func write(w http.ResponseWriter, r *http.Request, e *httpcache.Entry) {
	h := w.Header()
	h.Set("Content-Type", e.Operation)
	h.Set("ETag", e.ETag)
	h.Set("Cache-Control", httpcache.LivePolicy.Public())
	h.Set("Surrogate-Key", e.SurrogateKey)
	h.Set("Cache-Tag", e.CacheTag)
	if httpcache.NotModified(r.Header.Get("If-None-Match"), e.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(e.Body)
}
