// Package server wires Broadsheet's HTTP surface: the GraphQL endpoint with
// its transports and extensions, GraphiQL, health checks, and the middleware
// every request passes through. It holds no business logic.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/broadsheet/broadsheet/graph"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/dbconn"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/newsletter"
	"github.com/broadsheet/broadsheet/internal/webhooks"
)

// Config holds the server's dependencies and settings.
type Config struct {
	Content *content.Service
	// Newsletter serves sign-ups (a default one over Content's store when nil).
	Newsletter *newsletter.Service
	// Webhooks manages webhooks (a default one over Content's store when nil).
	Webhooks *webhooks.Service
	DB       *dbconn.DB
	Logger   *slog.Logger
	// Authenticate resolves a request's credentials to a viewer; nil treats
	// every request as a reader.
	Authenticate func(r *http.Request) (auth.Viewer, error)
	// MaxBodyBytes caps request bodies (default 1 MiB).
	MaxBodyBytes int64
	// Introspection enables schema introspection (default on).
	DisableIntrospection bool

	// Live fans events out to subscriptions; nil serves no subscriptions.
	Live *live.Hub
	// AllowedOrigins lists the browser origins (host patterns such as
	// news.example.com or *.example.com, or scheme://host) allowed to open
	// websockets besides the server's own host; "*" allows any.
	AllowedOrigins []string
	// KeepAlive is the interval of websocket pings (a peer that does not
	// answer one within another interval is dropped), legacy graphql-ws
	// keep-alive messages and SSE comments (default 25s; negative: none).
	KeepAlive time.Duration
	// WriteTimeout bounds one websocket write: a peer that reads nothing
	// for that long is disconnected (default 30s).
	WriteTimeout time.Duration
}

// Server is Broadsheet's HTTP handler.
type Server struct {
	cfg     Config
	graphql *handler.Server
	mux     *http.ServeMux

	wsMu sync.Mutex
	ws   map[*wsConn]struct{}
}

// New builds the server.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Webhooks == nil {
		cfg.Webhooks = webhooks.New(cfg.Content.Store(), webhooks.Config{})
	}
	if cfg.Newsletter == nil {
		cfg.Newsletter = newsletter.New(cfg.Content.Store(), newsletter.Config{})
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = DefaultKeepAlive
	} else if cfg.KeepAlive < 0 {
		cfg.KeepAlive = 0
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), ws: map[*wsConn]struct{}{}}
	s.graphql = s.newGraphQL()

	s.mux.Handle("/graphql", s.middleware(s.graphql))
	s.mux.HandleFunc("/healthz", s.healthz)
	s.mux.HandleFunc("/readyz", s.readyz)
	s.mux.HandleFunc("/readyz/live", s.readyzLive)
	s.mux.Handle("/{$}", playground.Handler("Broadsheet GraphiQL", "/graphql"))
	s.mux.Handle("/newsletter/", cfg.Newsletter.Pages())
	return s
}

func (s *Server) newGraphQL() *handler.Server {
	es := graph.NewExecutableSchema(graph.Config{
		Resolvers:  &graph.Resolver{Content: s.cfg.Content, Newsletter: s.cfg.Newsletter, Hooks: s.cfg.Webhooks, Live: s.cfg.Live},
		Directives: graph.DirectiveRoot{HasRole: graph.HasRole},
	})
	h := handler.New(es)
	if s.cfg.Live != nil {
		s.addLiveTransports(h)
	}
	h.AddTransport(transport.Options{})
	h.AddTransport(transport.GET{})
	h.AddTransport(transport.POST{})
	h.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if !s.cfg.DisableIntrospection {
		h.Use(extension.Introspection{})
	}
	h.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	h.SetErrorPresenter(s.presentError)
	h.SetRecoverFunc(s.recoverPanic)
	return h
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.cfg.DB.Ping(ctx); err != nil {
		s.cfg.Logger.Warn("readiness check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unreachable\n"))
		return
	}
	w.Write([]byte("ready\n"))
	// Live updates do not decide readiness (queries and mutations work
	// without the broker), but the report says how they are; /readyz/live
	// answers 503 while they are down.
	if s.cfg.Live != nil {
		if err := s.cfg.Live.Ready(ctx); err != nil {
			w.Write([]byte("live updates: not ready: " + err.Error() + "\n"))
		} else {
			w.Write([]byte("live updates: ready\n"))
		}
	}
}

// compile-time check that the handler is a gqlgen server
var _ graphql.ExecutableSchema = graph.NewExecutableSchema(graph.Config{})
