package server

import (
	"net/http"

	"github.com/broadsheet/broadsheet/internal/web/feeds"
)

// mountFeeds serves feeds and sitemaps through the same middleware as
// GraphQL (rate limit, deadline, metrics, access log), with the response
// cache and its purges.
func (s *Server) mountFeeds() {
	cfg := s.cfg
	if cfg.Content == nil {
		return
	}
	var h http.Handler = s.middleware(feeds.New(feeds.Options{Content: cfg.Content, FullContent: cfg.FeedsFullContent,
		Cache: s.cache, Policy: cfg.CachePolicy, MaxURLs: cfg.SitemapMaxURLs, MaxBytes: cfg.SitemapMaxBytes, Logger: cfg.Logger, Media: cfg.Media}))
	if cfg.Tracing != nil {
		h = cfg.Tracing.Middleware(h)
	}
	h = s.observe(h)
	for _, p := range feeds.Patterns {
		s.mux.Handle(p, h)
	}
}
