package server

import (
	"net/http"

	"github.com/broadsheet/broadsheet/internal/web/livefeed"
)

// mountLiveFeeds serves live blogs' feeds through the same middleware as
// GraphQL (limits, viewer, deadline, metrics, access log), with the
// response cache and its purges.
func (s *Server) mountLiveFeeds() {
	if s.cfg.Content == nil {
		return
	}
	var h http.Handler = s.middleware(livefeed.New(livefeed.Options{Content: s.cfg.Content, Cache: s.cache, Logger: s.cfg.Logger}))
	if s.cfg.Tracing != nil {
		h = s.cfg.Tracing.Middleware(h)
	}
	h = s.observe(h)
	for _, p := range livefeed.Patterns {
		s.mux.Handle(p, h)
	}
}
