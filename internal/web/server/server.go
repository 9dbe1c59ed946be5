// Package server wires Broadsheet's HTTP surface: the GraphQL endpoint with
// its transport and extensions, GraphiQL, health checks, metrics, and the
// middleware every request passes through. It holds no business logic:
// each concern lives in its own package (guard, ratelimit, gqlhttp,
// httpcache, persisted, metrics, tracing) and is put together here.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/sync/semaphore"

	"github.com/broadsheet/broadsheet/graph"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/newsletter"
	"github.com/broadsheet/broadsheet/internal/ratelimit"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/web/bytecache"
	"github.com/broadsheet/broadsheet/internal/web/gqlhttp"
	"github.com/broadsheet/broadsheet/internal/web/graphiql"
	"github.com/broadsheet/broadsheet/internal/web/guard"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/internal/web/metrics"
	"github.com/broadsheet/broadsheet/internal/web/persisted"
	"github.com/broadsheet/broadsheet/internal/web/tracing"
	"github.com/broadsheet/broadsheet/internal/webhooks"
)

// Defaults of the guardrails; a negative value in Config turns one off.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxDepth       = 12
	DefaultMaxComplexity  = 5000
	DefaultMaxTokens      = 5000
	DefaultRequestTimeout = 10 * time.Second
	// DefaultQueryCacheBytes bounds the parsed-document cache.
	DefaultQueryCacheBytes = 32 << 20
)

// DefaultOperationsPerCPU is the default bound on operations executing at
// once, per CPU the process may use. With twenty clients on two cores,
// eight at a time served the homepage at the same rate as no bound, with
// its p99 latency about halved (docs/benchmarks.md): fewer requests share
// the cores and the database at once, so each is done sooner.
const DefaultOperationsPerCPU = 4

// Config holds the server's dependencies and settings. The zero value of
// every setting is a sensible default.
type Config struct {
	Content *content.Service
	// Newsletter serves sign-ups.
	Newsletter *newsletter.Service
	// Webhooks manages webhooks.
	Webhooks *webhooks.Service
	// Media is the media library: uploads (GraphQL multipart requests, from
	// editors) and renditions under /media/. Nil: neither.
	Media  *media.Service
	DB     *dbconn.DB
	Logger *slog.Logger
	// Authenticate resolves a request's credentials to a viewer; nil treats
	// every request as a reader.
	Authenticate func(r *http.Request) (auth.Viewer, error)

	// MaxBodyBytes caps request bodies (default 1 MiB; HTTP 413 above).
	MaxBodyBytes int64
	// DisableIntrospection refuses __schema and __type (default: allowed).
	DisableIntrospection bool

	// Live fans events out to subscriptions; nil serves no subscriptions.
	Live *live.Hub
	// OutboxConsumers are the outbox consumers (broker relay, webhooks) whose
	// lag /metrics reports as broadsheet_outbox_lag_seconds.
	OutboxConsumers []string
	// AllowedOrigins lists the browser origins (host patterns such as
	// news.example.com or *.example.com, or scheme://host) allowed to open
	// websockets besides the server's own host, and to call /graphql from
	// their pages (CORS); "*" allows any.
	AllowedOrigins []string
	// KeepAlive is the interval of websocket pings (a peer that does not
	// answer one within another interval is dropped), legacy graphql-ws
	// keep-alive messages and SSE comments (default 25s; negative: none).
	KeepAlive time.Duration
	// WriteTimeout bounds one websocket or SSE write: a peer that reads nothing
	// for that long is disconnected (default 30s).
	WriteTimeout time.Duration
	// MaxDepth, MaxComplexity and MaxTokens bound an operation's nesting,
	// its estimated cost (lists cost their page size) and its size in
	// parser tokens; negative turns a limit off.
	MaxDepth, MaxComplexity, MaxTokens int
	// RequestTimeout bounds each GraphQL request, and each query and
	// mutation sent over a websocket or SSE (default 10s; negative: none).
	RequestTimeout time.Duration
	// MaxConcurrentOperations bounds the queries and mutations this
	// replica executes at once, over every transport; others wait their
	// turn, first come first served, within their deadline (default
	// DefaultOperationsPerCPU per CPU; negative: no bound). Subscriptions
	// hold no turn while they wait for events.
	MaxConcurrentOperations int
	// CredentialCheck is how often the API token of an open websocket or
	// SSE stream is checked again; a revoked or expired one ends it
	// (default 2s; negative: only at each websocket operation).
	CredentialCheck time.Duration
	// RateLimit limits requests per API token and per client address; the
	// zero value does not limit.
	RateLimit ratelimit.Options

	// APQCache stores automatic persisted queries (default: in memory,
	// APQCacheBytes at most). A cache with Bytes and MaxBytes methods has
	// them in /metrics.
	APQCache graphql.Cache[string]
	// APQCacheBytes bounds the default in-process APQ cache (default
	// persisted.DefaultMemoryBytes).
	APQCacheBytes int64
	// APQMaxDocumentBytes is the largest document persisted (default
	// persisted.DefaultMaxDocumentBytes; negative: no limit).
	APQMaxDocumentBytes int
	// QueryCacheBytes bounds the cache of parsed, validated documents
	// (default DefaultQueryCacheBytes; negative: no cache).
	QueryCacheBytes int64
	// Trusted, when set, runs only these documents (APQ registration off).
	Trusted *persisted.Trusted

	// CachePolicy is the Cache-Control of readers' GET answers (default
	// max-age 60s, stale-while-revalidate 5m).
	CachePolicy httpcache.Policy
	// ResponseCache bounds the server-side cache of readers' answers.
	ResponseCache httpcache.StoreOptions
	// DisableResponseCache turns the server-side response cache off.
	DisableResponseCache bool
	// BrokerCheck is how often the server asks whether the live-updates
	// broker answers (default 1s): while it does not, other replicas'
	// purges cannot arrive, so the response cache is emptied and turned off
	// until it does.
	BrokerCheck time.Duration
	// OnPurge hears the surrogate keys of every purge (for a CDN or the
	// event broker that carries purges to other replicas).
	OnPurge func(keys []string)

	// Metrics receives the server's metrics (default: a fresh registry).
	Metrics *metrics.Metrics
	// ExposeMetrics serves /metrics on this handler (off when they are
	// served on a separate address).
	ExposeMetrics bool
	// Tracing, when set, traces requests, resolvers and SQL.
	Tracing *tracing.Tracing

	// FeedsFullContent puts articles' bodies in feeds unless ?full=0.
	FeedsFullContent bool
	// SitemapMaxURLs and SitemapMaxBytes bound one sitemap (defaults: the
	// protocol's 50,000 URLs and 50 MB); past them a sitemap is split.
	SitemapMaxURLs, SitemapMaxBytes int
}

// Server is Broadsheet's HTTP handler.
type Server struct {
	cfg     Config
	graphql *handler.Server
	mux     *http.ServeMux
	cache   *httpcache.Store
	// queryCache holds parsed, validated documents by their text.
	queryCache *bytecache.Cache[*ast.QueryDocument]
	limiter    *ratelimit.Limiter
	// turns admits MaxConcurrentOperations queries and mutations at
	// once (nil: no bound).
	turns    *semaphore.Weighted
	draining atomic.Bool

	wsMu sync.Mutex
	ws   map[*wsConn]struct{}

	stopWatch context.CancelFunc // ends watchBroker
}

// New builds the server.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = DefaultKeepAlive
	} else if cfg.KeepAlive < 0 {
		cfg.KeepAlive = 0
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	cfg.MaxBodyBytes = orDefault(cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	cfg.MaxDepth = orDefault(cfg.MaxDepth, DefaultMaxDepth)
	cfg.MaxComplexity = orDefault(cfg.MaxComplexity, DefaultMaxComplexity)
	cfg.MaxTokens = orDefault(cfg.MaxTokens, DefaultMaxTokens)
	cfg.RequestTimeout = orDefault(cfg.RequestTimeout, DefaultRequestTimeout)
	cfg.MaxConcurrentOperations = orDefault(cfg.MaxConcurrentOperations, DefaultOperationsPerCPU*runtime.GOMAXPROCS(0))
	cfg.QueryCacheBytes = orDefault(cfg.QueryCacheBytes, DefaultQueryCacheBytes)
	if cfg.APQCache == nil && cfg.Trusted == nil {
		cfg.APQCache = persisted.NewMemory(cfg.APQCacheBytes)
	}
	cfg.CredentialCheck = orDefault(cfg.CredentialCheck, DefaultCredentialCheck)
	if cfg.CachePolicy == (httpcache.Policy{}) {
		cfg.CachePolicy = httpcache.Policy{MaxAge: time.Minute, StaleWhileRevalidate: 5 * time.Minute}
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), limiter: ratelimit.New(cfg.RateLimit), ws: map[*wsConn]struct{}{}}
	if cfg.MaxConcurrentOperations > 0 {
		s.turns = semaphore.NewWeighted(int64(cfg.MaxConcurrentOperations))
	}
	if !cfg.DisableResponseCache {
		s.cache = httpcache.NewStore(cfg.ResponseCache)
	}
	if cfg.QueryCacheBytes > 0 {
		s.queryCache = bytecache.New[*ast.QueryDocument](cfg.QueryCacheBytes, bytecache.DocumentSize)
	}
	if cfg.DB != nil {
		cfg.DB.OnWrite(httpcache.OnWrite(s.Purge, repurgeAfter))
		cfg.Metrics.DBPool("primary", cfg.DB.SQL())
		for i, r := range cfg.DB.Replicas {
			cfg.Metrics.DBPool(fmt.Sprintf("replica-%d", i+1), r)
		}
		if cfg.Tracing != nil {
			if err := cfg.Tracing.WatchSQL(cfg.DB.DB); err != nil {
				cfg.Logger.Error("tracing SQL statements", "err", err)
			}
		}
	}
	s.watchBroker()
	s.registerCacheMetrics()
	s.registerLiveMetrics()
	s.graphql = s.newGraphQL()

	var gql http.Handler = s.middleware(s.graphql)
	if cfg.Tracing != nil {
		gql = cfg.Tracing.Middleware(gql)
	}
	s.mux.Handle("/graphql", s.withCORS(s.observe(gql)))
	s.mux.HandleFunc("/healthz", s.healthz)
	s.mux.HandleFunc("/readyz", s.readyz)
	s.mux.HandleFunc("/readyz/live", s.readyzLive)
	if cfg.ExposeMetrics {
		s.mux.Handle("/metrics", cfg.Metrics.Handler())
	}
	// GraphiQL from the binary: it works without internet access.
	s.mux.Handle("/{$}", graphiql.Page("Broadsheet GraphiQL", "/graphql"))
	s.mux.Handle(graphiql.AssetPrefix, graphiql.Assets())
	s.mux.Handle("/newsletter/", cfg.Newsletter.Pages())
	s.mountFeeds()
	s.mountLiveFeeds()
	if cfg.Media != nil {
		s.registerMediaMetrics()
		var h http.Handler = s.middleware(http.HandlerFunc(s.serveRendition))
		if cfg.Tracing != nil {
			h = cfg.Tracing.Middleware(h)
		}
		s.mux.Handle("GET "+media.Prefix+"{sig}/{id}/{file}", s.observe(h))
	}
	return s
}

func orDefault[T int | int64 | time.Duration](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

func (s *Server) newGraphQL() *handler.Server {
	es := graph.NewExecutableSchema(graph.Config{
		Resolvers:  &graph.Resolver{Content: s.cfg.Content, Newsletter: s.cfg.Newsletter, Hooks: s.cfg.Webhooks, Live: s.cfg.Live, Media: s.cfg.Media},
		Directives: graph.DirectiveRoot{HasRole: graph.HasRole},
		Complexity: guard.Complexity(),
	})
	h := handler.New(es)
	// Subscriptions first: the GraphQL-over-HTTP transport below takes
	// every other GET and POST.
	if s.cfg.Live != nil {
		s.addLiveTransports(h)
	}
	h.AddTransport(gqlhttp.New(gqlhttp.Options{
		Public: isPublic,
		Cache:  s.cache,
		Policy: s.cfg.CachePolicy,
		Ready:  s.dbReady,

		MaxUploadBytes: s.maxUploadBytes(),
	}))
	// First of the extensions: a websocket operation over the rate limit
	// or with a revoked token is refused before it is even parsed.
	h.Use(operationPolicy{s: s})
	if s.queryCache != nil {
		h.SetQueryCache(s.queryCache)
	}
	h.SetParserTokenLimit(s.cfg.MaxTokens)
	if s.cfg.Trusted != nil {
		h.Use(s.cfg.Trusted)
	}
	// Before parsing and validation, which gqlgen runs outside the
	// request's context: a document whose fragments would make validation
	// slow is refused first. Off with the complexity limit.
	if s.cfg.MaxComplexity > 0 {
		fw := guard.FragmentWalk{Max: guard.DefaultMaxFragmentWalk, MaxPairs: guard.DefaultMaxFieldPairs, TokenLimit: s.cfg.MaxTokens}
		if qc := s.queryCache; qc != nil {
			fw.Known = func(ctx context.Context, q string) bool { _, ok := qc.Get(ctx, q); return ok }
		}
		h.Use(fw)
	}
	if s.cfg.DisableIntrospection {
		h.Use(guard.NoIntrospection{})
	} else {
		h.Use(extension.Introspection{})
	}
	if s.cfg.MaxDepth > 0 {
		h.Use(guard.DepthLimit{Max: s.cfg.MaxDepth})
	}
	// Page sizes before complexity: first: 1000 is a range error naming
	// its argument, whatever the selection under it costs.
	h.Use(guard.PageSizes{})
	if s.cfg.MaxComplexity > 0 {
		h.Use(&guard.ComplexityLimit{Max: s.cfg.MaxComplexity})
	}
	// After the guards: APQ stores a document only once it has passed them.
	if s.cfg.Trusted == nil {
		h.Use(persisted.APQ{Cache: s.cfg.APQCache, MaxDocumentBytes: s.cfg.APQMaxDocumentBytes})
	}
	if s.cfg.Tracing != nil {
		h.Use(s.cfg.Tracing.Extension())
	}
	// Every transport's answers carry at most maxErrors errors.
	h.AroundResponses(capErrors)
	h.AroundFields(fieldPolicy)
	h.AroundRootFields(s.auditRefusals)
	h.SetErrorPresenter(s.presentError)
	h.SetRecoverFunc(s.recoverPanic)
	return h
}

// isPublic reports whether a request may share answers with others: a
// reader, with no credentials or a reader token (which buys its own rate
// budget, not other answers). Contributors see drafts: never public.
func isPublic(r *http.Request) bool {
	return !auth.ViewerFrom(r.Context()).SeesDrafts()
}

// dbReady refuses operations at once while the database is known to be
// down (answers from the response cache are still served).
func (s *Server) dbReady(ctx context.Context) error {
	if s.cfg.DB == nil || s.cfg.DB.Health == nil {
		return nil
	}
	return s.cfg.DB.Health.Check(ctx)
}

// Purge drops every cached answer tagged with any of keys ("*" drops
// everything) and tells OnPurge. It is the entry point for invalidation
// from outside (the event broker, an admin tool); content written through
// this process is purged without calling it.
func (s *Server) Purge(keys ...string) {
	if len(keys) == 0 {
		return
	}
	if s.cache != nil {
		all := false
		for _, k := range keys {
			if k == httpcache.KeyAll {
				all = true
			}
		}
		if all {
			s.cache.PurgeAll()
		} else {
			s.cache.Purge(keys...)
		}
	}
	if s.cfg.OnPurge != nil {
		s.cfg.OnPurge(keys)
	}
}

// Drain makes /readyz fail so that load balancers stop sending requests
// before the server shuts down; requests are still served meanwhile.
func (s *Server) Drain() { s.draining.Store(true) }

// Metrics returns the server's metrics.
func (s *Server) Metrics() *metrics.Metrics { return s.cfg.Metrics }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.draining.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("draining\n"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.DB.Ping(ctx); err != nil {
		s.cfg.Logger.Warn("readiness check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unreachable\n"))
		return
	}
	w.Write([]byte("ready\n"))
	// Nor does the search index: until it is built, searches wait for it
	// (or ask the database when its build failed).
	if s.cfg.Content != nil {
		if s.cfg.Content.SearchIndexed() {
			w.Write([]byte("search index: ready\n"))
		} else {
			w.Write([]byte("search index: building (searches wait for it)\n"))
		}
	}
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

// registerLiveMetrics exposes the hub's counters and how far each outbox
// consumer is behind, read at each scrape.
func (s *Server) registerLiveMetrics() {
	m := s.cfg.Metrics
	if s.cfg.DB != nil {
		st := store.New(s.cfg.DB)
		for _, consumer := range s.cfg.OutboxConsumers {
			m.OutboxLag(consumer, func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				oldest, err := st.OldestPending(ctx, consumer)
				switch {
				case err != nil:
					return math.NaN() // unknown while the database is away
				case oldest == nil:
					return 0
				}
				return max(0, time.Since(*oldest).Seconds())
			})
		}
	}
	hub := s.cfg.Live
	if hub == nil {
		return
	}
	stat := func(f func(live.Stats) int64) func() float64 {
		return func() float64 { return float64(f(hub.Stats())) }
	}
	m.Func("broadsheet_subscriptions_active", "Live GraphQL subscriptions on this replica.", false, stat(func(st live.Stats) int64 { return int64(st.Subscribers) }))
	m.Func("broadsheet_live_events_total", "Events this replica received from the broker.", true, stat(func(st live.Stats) int64 { return st.Events }))
	m.Func("broadsheet_live_duplicate_events_total", "Events received again (same id) and dropped.", true, stat(func(st live.Stats) int64 { return st.Duplicates }))
	m.Func("broadsheet_live_deliveries_total", "Event payloads handed to subscriptions.", true, stat(func(st live.Stats) int64 { return st.Deliveries }))
	m.Func("broadsheet_live_slow_consumers_dropped_total", "Subscribers disconnected for not reading their events.", true, stat(func(st live.Stats) int64 { return st.SlowDropped }))
}

// registerCacheMetrics exposes the database health and the response cache.
func (s *Server) registerCacheMetrics() {
	m := s.cfg.Metrics
	if svc := s.cfg.Content; svc != nil {
		m.Func("broadsheet_search_index_reloads_total", "Articles reloaded into this replica's search index after its build: one per change written here, one per change another replica wrote.", true,
			func() float64 { return float64(svc.SearchIndexReloads()) })
	}
	if s.cfg.DB != nil && s.cfg.DB.Health != nil {
		h := s.cfg.DB.Health
		m.Func("broadsheet_database_up", "1 while the database answers, 0 during an outage.", false, func() float64 {
			if h.Up() {
				return 1
			}
			return 0
		})
	}
	type bounded interface {
		Bytes() int64
		MaxBytes() int64
	}
	gauges := func(name, what string, b bounded) {
		m.Func("broadsheet_"+name+"_bytes", "Bytes held by the "+what+".", false, func() float64 { return float64(b.Bytes()) })
		m.Func("broadsheet_"+name+"_max_bytes", "Bound in bytes of the "+what+".", false, func() float64 { return float64(b.MaxBytes()) })
	}
	if s.queryCache != nil {
		gauges("query_cache", "cache of parsed, validated documents", s.queryCache)
	}
	if b, ok := s.cfg.APQCache.(bounded); ok {
		gauges("apq_cache", "in-process persisted-query cache", b)
	}
	if s.cache == nil {
		return
	}
	c := s.cache
	m.Func("broadsheet_response_cache_max_bytes", "Bound in bytes of the server-side response cache.", false, func() float64 { return float64(c.MaxBytes()) })
	m.Func("broadsheet_response_cache_entries", "Answers in the server-side response cache.", false, func() float64 { return float64(c.Stats().Entries) })
	m.Func("broadsheet_response_cache_suspended", "1 while the response cache is off because the live-updates broker is away.", false, func() float64 {
		if c.Suspended() {
			return 1
		}
		return 0
	})
	m.Func("broadsheet_response_cache_bytes", "Bytes of answers in the server-side response cache.", false, func() float64 { return float64(c.Stats().Bytes) })
	m.Func("broadsheet_response_cache_hits_total", "Response-cache hits.", true, func() float64 { return float64(c.Stats().Hits) })
	m.Func("broadsheet_response_cache_misses_total", "Response-cache misses.", true, func() float64 { return float64(c.Stats().Misses) })
	m.Func("broadsheet_response_cache_purged_total", "Answers dropped from the response cache by purges.", true, func() float64 { return float64(c.Stats().Purged) })
}

// compile-time check that the handler is a gqlgen server
var _ graphql.ExecutableSchema = graph.NewExecutableSchema(graph.Config{})

// fieldPolicy runs after every field of every transport, as one middleware
// (each one more costs a closure per field): it loads the byline, section
// and tags that a selection asks of articles reached without them, then
// records the cache keys of what the field resolved to.
func fieldPolicy(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil {
		return res, err
	}
	if res, err = graph.CompleteRelations(ctx, res); err != nil {
		return nil, err
	}
	httpcache.RecordKeys(ctx, res)
	return res, nil
}
