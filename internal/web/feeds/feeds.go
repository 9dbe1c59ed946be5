// Package feeds serves the publication's distribution documents: RSS 2.0,
// Atom 1.0 and JSON Feed 1.1 feeds of the newest articles (all, or one
// section's, tag's or author's), and the sitemaps search engines crawl (an
// index, monthly article sitemaps, listing pages, Google News). It is
// transport only: the content service chooses what readers may see and
// the store reads it; links come from the publication's URL pattern
// (internal/permalink).
//
// Feeds are small (100 items at most): they are rendered whole, cached in
// the server's response cache under the surrogate keys of what they show,
// and answered with ETag, Last-Modified and 304s. Sitemaps can be long:
// they are streamed row by row from the database, in constant memory,
// with Last-Modified from a summary query so a crawler's If-Modified-Since
// costs no listing.
package feeds

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/internal/web/reqinfo"
)

// Sitemap limits of the sitemaps.org protocol.
const (
	DefaultMaxURLs  = 50000
	DefaultMaxBytes = 50 << 20
)

// Options configure the handler.
type Options struct {
	// Content gives the articles, and the publication: its name and
	// language (feed titles, news:publication) and its public URLs.
	Content *content.Service
	// FullContent puts articles' HTML bodies in feeds unless ?full=0
	// (default: only with ?full=1).
	FullContent bool
	// Cache is the server's response cache (nil: none); Policy is the
	// Cache-Control of the documents.
	Cache  *httpcache.Store
	Policy httpcache.Policy
	// MaxURLs and MaxBytes bound one sitemap (defaults: the protocol's
	// 50,000 URLs and 50 MB); a longer one is split in parts.
	MaxURLs  int
	MaxBytes int
	Logger   *slog.Logger
	// Media signs the URLs of covers that are library pictures (nil: such
	// covers are left out).
	Media *media.Service
}

// Handler serves feeds and sitemaps.
type Handler struct {
	opts     Options
	links    links
	name     string // the publication's
	language string
	mux      *http.ServeMux
}

// Patterns are the routes the handler serves, for the server to mount
// (each through its middleware) and pass to the handler.
var Patterns = []string{
	"GET /feed.xml", "GET /feed.atom", "GET /feed.json",
	"GET /sections/{slug}/feed.xml", "GET /sections/{slug}/feed.atom", "GET /sections/{slug}/feed.json",
	"GET /tags/{slug}/feed.xml", "GET /tags/{slug}/feed.atom", "GET /tags/{slug}/feed.json",
	"GET /authors/{slug}/feed.xml", "GET /authors/{slug}/feed.atom", "GET /authors/{slug}/feed.json",
	"GET /sitemap.xml", "GET /sitemap-news.xml", "GET /sitemaps/{name}",
}

// New returns the handler.
func New(o Options) *Handler {
	if o.MaxURLs <= 0 {
		o.MaxURLs = DefaultMaxURLs
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	pub := o.Content.Publication()
	h := &Handler{opts: o, links: links{pub.Links}, name: pub.Name, language: pub.Language, mux: http.NewServeMux()}
	for _, scope := range []struct{ prefix, kind string }{
		{"", content.ScopeAll},
		{"/sections/{slug}", content.ScopeSection},
		{"/tags/{slug}", content.ScopeTag},
		{"/authors/{slug}", content.ScopeAuthor},
	} {
		for _, f := range formats {
			h.mux.Handle("GET "+scope.prefix+"/feed."+f.ext, h.feed(scope.kind, f))
		}
	}
	h.mux.HandleFunc("GET /sitemap.xml", h.sitemapIndex)
	h.mux.HandleFunc("GET /sitemap-news.xml", h.newsSitemap)
	h.mux.HandleFunc("GET /sitemaps/{name}", h.sitemap)
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// writeEntry writes a rendered document with its validators, or 304 when
// the client's copy is current.
func (h *Handler) writeEntry(w http.ResponseWriter, r *http.Request, e *httpcache.Entry) {
	hd := w.Header()
	hd.Set("Content-Type", e.ContentType)
	hd.Set("ETag", e.ETag)
	if !e.LastModified.IsZero() {
		hd.Set("Last-Modified", e.LastModified.UTC().Format(http.TimeFormat))
	}
	h.cacheHeaders(hd, e.SurrogateKey, e.CacheTag)
	if !e.Until.IsZero() {
		hd.Set("Cache-Control", h.opts.Policy.Until(e.Until))
	}
	if notModified(r, e.ETag, e.LastModified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Length", strconv.Itoa(len(e.Body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(e.Body)
	}
}

// cacheHeaders sets Cache-Control and the surrogate keys.
func (h *Handler) cacheHeaders(hd http.Header, surrogateKey, cacheTag string) {
	hd.Set("Cache-Control", h.opts.Policy.Public())
	if surrogateKey != "" {
		hd.Set("Surrogate-Key", surrogateKey)
		hd.Set("Cache-Tag", cacheTag)
	}
}

// notModified applies If-None-Match, or when absent If-Modified-Since
// (RFC 9110 §13.2.2).
func notModified(r *http.Request, etag string, lastModified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return httpcache.NotModified(inm, etag)
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !lastModified.IsZero() {
		t, err := http.ParseTime(ims)
		return err == nil && !lastModified.Truncate(time.Second).After(t)
	}
	return false
}

// fail answers an error with a short plain-text body: 404 for an unknown
// section, tag or author or sitemap, 400 for bad input, 503 otherwise.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error, keys ...string) {
	info := reqinfo.From(r.Context())
	status, msg := http.StatusServiceUnavailable, "the database is unavailable; try again shortly"
	kind := apperr.KindOf(err)
	switch {
	case kind == apperr.NotFound:
		status, msg = http.StatusNotFound, err.Error()
	case kind == apperr.Invalid:
		status, msg = http.StatusBadRequest, err.Error()
	case errors.Is(r.Context().Err(), context.DeadlineExceeded):
		msg = "the request took too long"
	default:
		h.opts.Logger.Error("distribution document", "path", r.URL.Path, "err", err)
	}
	if info != nil {
		info.Outcome = reqinfo.OutcomeRequestError
		info.AddCode(string(kind))
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/plain; charset=utf-8")
	if status == http.StatusNotFound {
		// Cacheable like any lookup that found nothing, and purged when
		// the list it was looked up in changes.
		sk, ct := httpcache.Header(keys)
		h.cacheHeaders(hd, sk, ct)
	} else {
		hd.Set("Cache-Control", httpcache.NoStore)
	}
	w.WriteHeader(status)
	w.Write([]byte(msg + "\n"))
}

// describe records the kind of document in the request's info (access log
// and metrics).
func describe(r *http.Request, typ, name string) *reqinfo.Info {
	info := reqinfo.From(r.Context())
	if info == nil {
		info = &reqinfo.Info{}
	}
	info.OperationType, info.Operation, info.Cache = typ, name, reqinfo.CacheBypass
	return info
}
