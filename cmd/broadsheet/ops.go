package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/app"
	"github.com/broadsheet/broadsheet/internal/ratelimit"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/internal/web/persisted"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// envs reads typed flag defaults from the environment and remembers the
// values that do not parse, to report them as usage errors.
type envs struct{ errs []string }

func (e *envs) bad(key, v, want string) {
	e.errs = append(e.errs, fmt.Sprintf("%s=%q: want %s", key, v, want))
}

func (e *envs) int(key string, def int) int {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.bad(key, v, "an integer")
		return def
	}
	return n
}

func (e *envs) float(key string, def float64) float64 {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		e.bad(key, v, "a number")
		return def
	}
	return n
}

func (e *envs) duration(key string, def time.Duration) time.Duration {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.bad(key, v, "a duration such as 10s")
		return def
	}
	return d
}

func (e *envs) bool(key string, def bool) bool {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.bad(key, v, "true or false")
		return def
	}
	return b
}

// opsFlags are serve's production settings: guardrails, persisted
// queries, caching and observability.
type opsFlags struct {
	env envs

	maxBody                             *int64
	maxDepth, maxComplexity, maxTokens  *int
	timeout, credentialCheck            *time.Duration
	maxOperations                       *int
	rate, tokenRate                     *float64
	burst, tokenBurst                   *int
	clientIPHeader                      *string
	introspection                       *bool
	redis, trusted                      *string
	cacheMaxAge, cacheSWR, responseTTL  *time.Duration
	responseCache                       *bool
	responseEntries, responseMB         *int
	metricsAddr, otlpEndpoint, replicas *string
	drainDelay                          *time.Duration
	pprofAddr                           *string
	queryCacheMB, apqCacheMB, apqMaxDoc *int
	apqTTL                              *time.Duration
}

func addOpsFlags(fs *flag.FlagSet) *opsFlags {
	o := &opsFlags{}
	e := &o.env
	o.maxBody = fs.Int64("max-body-bytes", int64(e.int("BROADSHEET_MAX_BODY_BYTES", server.DefaultMaxBodyBytes)), "largest request body accepted, in bytes (HTTP 413 above) (env BROADSHEET_MAX_BODY_BYTES)")
	o.maxDepth = fs.Int("max-depth", e.int("BROADSHEET_MAX_DEPTH", server.DefaultMaxDepth), "deepest field nesting an operation may have; -1 for none (env BROADSHEET_MAX_DEPTH)")
	o.maxComplexity = fs.Int("max-complexity", e.int("BROADSHEET_MAX_COMPLEXITY", server.DefaultMaxComplexity), "highest estimated cost of an operation (lists cost their page size); -1 for none (env BROADSHEET_MAX_COMPLEXITY)")
	o.maxTokens = fs.Int("max-tokens", e.int("BROADSHEET_MAX_TOKENS", server.DefaultMaxTokens), "most parser tokens a document may have; -1 for none (env BROADSHEET_MAX_TOKENS)")
	o.maxOperations = fs.Int("max-concurrent-operations", e.int("BROADSHEET_MAX_CONCURRENT_OPERATIONS", 0), "most queries and mutations executing at once; others wait their turn within --request-timeout; 0: 4 per CPU; -1 for no bound (env BROADSHEET_MAX_CONCURRENT_OPERATIONS)")
	o.timeout = fs.Duration("request-timeout", e.duration("BROADSHEET_REQUEST_TIMEOUT", server.DefaultRequestTimeout), "time limit of one GraphQL request (env BROADSHEET_REQUEST_TIMEOUT)")
	o.credentialCheck = fs.Duration("credential-check", e.duration("BROADSHEET_CREDENTIAL_CHECK", server.DefaultCredentialCheck), "how often open websockets and SSE streams have their API token checked again; a revoked one ends them; -1s: only at each operation (env BROADSHEET_CREDENTIAL_CHECK)")
	o.rate = fs.Float64("rate-limit", e.float("BROADSHEET_RATE_LIMIT", 20), "requests per second per client address without a token; 0 for no limit (env BROADSHEET_RATE_LIMIT)")
	o.burst = fs.Int("rate-burst", e.int("BROADSHEET_RATE_BURST", 120), "requests a client address may send at once above --rate-limit: a page rendered on a server sends many together (env BROADSHEET_RATE_BURST)")
	o.tokenRate = fs.Float64("token-rate-limit", e.float("BROADSHEET_TOKEN_RATE_LIMIT", 50), "requests per second per API token; 0 for no limit (env BROADSHEET_TOKEN_RATE_LIMIT)")
	o.tokenBurst = fs.Int("token-rate-burst", e.int("BROADSHEET_TOKEN_RATE_BURST", 100), "burst allowed above --token-rate-limit (env BROADSHEET_TOKEN_RATE_BURST)")
	o.clientIPHeader = fs.String("client-ip-header", env("BROADSHEET_CLIENT_IP_HEADER", ""), "header with the client's address, set by a trusted proxy or CDN (e.g. X-Forwarded-For); default: the connection's address (env BROADSHEET_CLIENT_IP_HEADER)")
	o.introspection = fs.Bool("introspection", e.bool("BROADSHEET_INTROSPECTION", true), "allow schema introspection; set false in production (env BROADSHEET_INTROSPECTION)")
	o.redis = fs.String("redis", env("BROADSHEET_REDIS", ""), "Redis for persisted queries shared by replicas: redis://HOST:PORT[/DB] or HOST:PORT; default: in memory (env BROADSHEET_REDIS)")
	o.trusted = fs.String("trusted-documents", env("BROADSHEET_TRUSTED_DOCUMENTS", ""), "JSON file of sha256 hash → document; only those documents run (env BROADSHEET_TRUSTED_DOCUMENTS)")
	o.cacheMaxAge = fs.Duration("cache-max-age", e.duration("BROADSHEET_CACHE_MAX_AGE", time.Minute), "Cache-Control max-age of readers' GET answers (env BROADSHEET_CACHE_MAX_AGE)")
	o.cacheSWR = fs.Duration("cache-stale-while-revalidate", e.duration("BROADSHEET_CACHE_STALE_WHILE_REVALIDATE", 5*time.Minute), "Cache-Control stale-while-revalidate of readers' GET answers (env BROADSHEET_CACHE_STALE_WHILE_REVALIDATE)")
	o.responseCache = fs.Bool("response-cache", e.bool("BROADSHEET_RESPONSE_CACHE", true), "keep readers' answers in memory, purged when content changes (env BROADSHEET_RESPONSE_CACHE)")
	o.responseTTL = fs.Duration("response-cache-ttl", e.duration("BROADSHEET_RESPONSE_CACHE_TTL", time.Minute), "longest time an answer stays in the response cache without a purge (env BROADSHEET_RESPONSE_CACHE_TTL)")
	o.responseEntries = fs.Int("response-cache-entries", e.int("BROADSHEET_RESPONSE_CACHE_ENTRIES", 10000), "answers the response cache holds at most (env BROADSHEET_RESPONSE_CACHE_ENTRIES)")
	o.responseMB = fs.Int("response-cache-mb", e.int("BROADSHEET_RESPONSE_CACHE_MB", 64), "MiB the response cache holds at most (env BROADSHEET_RESPONSE_CACHE_MB)")
	o.queryCacheMB = fs.Int("query-cache-mb", e.int("BROADSHEET_QUERY_CACHE_MB", server.DefaultQueryCacheBytes>>20), "MiB of parsed documents kept (their text and parse trees); -1 for none (env BROADSHEET_QUERY_CACHE_MB)")
	o.apqCacheMB = fs.Int("apq-cache-mb", e.int("BROADSHEET_APQ_CACHE_MB", persisted.DefaultMemoryBytes>>20), "MiB of persisted queries kept in memory (alone, or in front of --redis) (env BROADSHEET_APQ_CACHE_MB)")
	o.apqMaxDoc = fs.Int("apq-max-document-bytes", e.int("BROADSHEET_APQ_MAX_DOCUMENT_BYTES", persisted.DefaultMaxDocumentBytes), "largest document persisted; larger ones run but are not stored; -1 for no limit (env BROADSHEET_APQ_MAX_DOCUMENT_BYTES)")
	o.apqTTL = fs.Duration("apq-ttl", e.duration("BROADSHEET_APQ_TTL", persisted.DefaultRedisTTL), "how long --redis keeps a persisted query not used since (env BROADSHEET_APQ_TTL)")
	o.metricsAddr = fs.String("metrics-addr", env("BROADSHEET_METRICS_ADDR", ""), "serve /metrics on this separate address; default: on --addr (env BROADSHEET_METRICS_ADDR)")
	o.otlpEndpoint = fs.String("otlp-endpoint", env("BROADSHEET_OTLP_ENDPOINT", ""), "send OpenTelemetry traces to this OTLP/HTTP collector, e.g. http://localhost:4318; default: off (env BROADSHEET_OTLP_ENDPOINT)")
	o.replicas = fs.String("db-replicas", env("BROADSHEET_DB_REPLICAS", ""), "comma-separated MySQL read replica URLs; readers' queries go to them (env BROADSHEET_DB_REPLICAS)")
	o.drainDelay = fs.Duration("drain-delay", e.duration("BROADSHEET_DRAIN_DELAY", 0), "on SIGTERM, how long /readyz fails before the server stops accepting connections (env BROADSHEET_DRAIN_DELAY)")
	o.pprofAddr = fs.String("pprof-addr", env("BROADSHEET_PPROF_ADDR", ""), "serve Go's profiler (/debug/pprof/) on this separate address, e.g. 127.0.0.1:6060; default: off (env BROADSHEET_PPROF_ADDR)")
	return o
}

// check reports environment values that did not parse.
func (o *opsFlags) check(fs *flag.FlagSet, stderr io.Writer) error {
	if len(o.env.errs) > 0 {
		fmt.Fprintf(stderr, "%s: %s\n", fs.Name(), strings.Join(o.env.errs, "; "))
		return errUsage
	}
	return nil
}

// replicaURLs splits --db-replicas.
func (o *opsFlags) replicaURLs() []string {
	var out []string
	for _, u := range strings.Split(*o.replicas, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// apply fills cfg from the flags.
func (o *opsFlags) apply(cfg *app.Config) {
	sc := &cfg.Server
	sc.MaxBodyBytes = *o.maxBody
	sc.MaxDepth, sc.MaxComplexity, sc.MaxTokens = *o.maxDepth, *o.maxComplexity, *o.maxTokens
	sc.RequestTimeout = *o.timeout
	sc.MaxConcurrentOperations = *o.maxOperations
	sc.CredentialCheck = *o.credentialCheck
	sc.DisableIntrospection = !*o.introspection
	sc.RateLimit = ratelimit.Options{
		PerAddress:     ratelimit.Limit{Rate: *o.rate, Burst: *o.burst},
		PerToken:       ratelimit.Limit{Rate: *o.tokenRate, Burst: *o.tokenBurst},
		ClientIPHeader: *o.clientIPHeader,
	}
	sc.CachePolicy = httpcache.Policy{MaxAge: *o.cacheMaxAge, StaleWhileRevalidate: *o.cacheSWR}
	sc.DisableResponseCache = !*o.responseCache
	sc.ResponseCache = httpcache.StoreOptions{MaxEntries: *o.responseEntries, MaxBytes: int64(*o.responseMB) << 20, TTL: *o.responseTTL}
	sc.QueryCacheBytes = int64(*o.queryCacheMB) << 20
	sc.APQCacheBytes = int64(*o.apqCacheMB) << 20
	sc.APQMaxDocumentBytes = *o.apqMaxDoc
	cfg.APQTTL = *o.apqTTL
	cfg.TrustedDocuments, cfg.RedisURL, cfg.OTLPEndpoint = *o.trusted, *o.redis, *o.otlpEndpoint
	cfg.MetricsAddr, cfg.PprofAddr = *o.metricsAddr, *o.pprofAddr
	cfg.DrainDelay = *o.drainDelay
}
