package server

import (
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/rs/cors"
)

// withCORS lets the allowed browser origins call /graphql from their own
// pages: queries, mutations and SSE subscriptions with fetch (SSE is POST
// only, as in graphql-sse's distinct-connections mode, so not EventSource).
// Origins are matched as the websocket upgrade matches them
// (originAllowed), so one list governs both. Without allowed origins no
// grant is given (same-origin pages and servers need none), but answers
// still say Vary: Origin: a shared cache must not hand an answer made
// without a grant to every origin once CORS is turned on, and the
// websocket upgrade depends on Origin either way.
func (s *Server) withCORS(h http.Handler) http.Handler {
	patterns := s.cfg.AllowedOrigins
	if len(patterns) == 0 {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Vary", "Origin")
			h.ServeHTTP(w, r)
		})
	}
	return cors.New(cors.Options{
		AllowOriginFunc: func(origin string) bool { return originAllowed(patterns, origin) },
		AllowedMethods:  []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:  []string{"Authorization", "Content-Type", "Accept", "If-None-Match", "X-Request-Id"},
		// What a page's script may read besides the CORS-safelisted headers.
		ExposedHeaders: []string{"ETag", "X-Request-Id", "Retry-After"},
		// Tokens travel in the Authorization header, never in cookies.
		AllowCredentials: false,
		MaxAge:           600,
	}).Handler(h)
}

// originAllowed reports whether origin (scheme://host[:port]) matches one
// of patterns the way github.com/coder/websocket matches OriginPatterns:
// case-insensitively with path.Match, against the origin's host, or
// against scheme://host when the pattern has a scheme. "*" allows any.
func originAllowed(patterns []string, origin string) bool {
	if slices.Contains(patterns, "*") {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	for _, p := range patterns {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}
