// Package metrics exposes Broadsheet's Prometheus metrics: GraphQL requests
// by operation and outcome, latency, errors by code, SQL statements per
// request, database pool and response-cache statistics, rate limiting,
// and gauges that other subsystems feed (subscriptions, outbox lag).
package metrics

import (
	"database/sql"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/broadsheet/broadsheet/internal/web/reqinfo"
)

// maxOperations bounds the operation label: names are chosen by clients,
// so past this many distinct ones the rest count as "other".
const maxOperations = 200

// Metrics is one registry and its collectors.
type Metrics struct {
	reg *prometheus.Registry

	inFlight    prometheus.Gauge
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	errors      *prometheus.CounterVec
	statements  prometheus.Histogram
	rateLimited *prometheus.CounterVec

	mu  sync.Mutex
	ops map[string]bool
}

// New returns metrics in a fresh registry, with Go runtime and process
// collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), ops: map[string]bool{}}
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "broadsheet_http_requests_in_flight", Help: "GraphQL HTTP requests being served.",
	})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "broadsheet_graphql_requests_total",
		Help: "GraphQL requests by operation name, outcome (ok, field_errors, request_error, rejected) and response-cache verdict (hit, miss, bypass).",
	}, []string{"operation", "outcome", "cache"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "broadsheet_graphql_request_duration_seconds",
		Help:    "Time to serve a GraphQL request, by operation name.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"operation"})
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "broadsheet_graphql_errors_total", Help: "GraphQL responses with errors, by extensions.code (each code once per response).",
	}, []string{"code"})
	m.statements = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "broadsheet_sql_statements_per_request",
		Help:    "SQL statements issued to serve one GraphQL request (0 for a response-cache hit).",
		Buckets: []float64{0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100},
	})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "broadsheet_rate_limited_total", Help: "Requests refused with 429, by the bucket that refused them (token or address).",
	}, []string{"bucket"})
	m.reg.MustRegister(m.inFlight, m.requests, m.duration, m.errors, m.statements, m.rateLimited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry, for subsystems that add their own metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// DBPool exports a database pool's statistics (go_sql_* with db=name).
func (m *Metrics) DBPool(name string, db *sql.DB) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Func registers a gauge read at scrape time.
func (m *Metrics) Func(name, help string, counter bool, f func() float64) {
	if counter {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
		return
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

// OutboxLag reports, at each scrape, the age in seconds of the oldest
// event consumer has not handled yet (0 when none is waiting).
func (m *Metrics) OutboxLag(consumer string, age func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "broadsheet_outbox_lag_seconds",
		Help:        "Age of the oldest outbox event a consumer (broker relay, webhooks) has not handled yet; 0 when none waits.",
		ConstLabels: prometheus.Labels{"consumer": consumer},
	}, age))
}

// RateLimited counts a refusal by bucket.
func (m *Metrics) RateLimited(bucket string) { m.rateLimited.WithLabelValues(bucket).Inc() }

// Begin marks a request in flight; the returned func records it when done.
func (m *Metrics) Begin() func(info *reqinfo.Info, elapsed time.Duration) {
	m.inFlight.Inc()
	return func(info *reqinfo.Info, elapsed time.Duration) {
		m.inFlight.Dec()
		op := m.operation(info)
		outcome, cache := info.Outcome, info.Cache
		if outcome == "" {
			outcome = reqinfo.OutcomeRequestError
		}
		if cache == "" {
			cache = reqinfo.CacheBypass
		}
		m.requests.WithLabelValues(op, outcome, cache).Inc()
		m.duration.WithLabelValues(op).Observe(elapsed.Seconds())
		for _, c := range info.Codes {
			m.errors.WithLabelValues(c).Inc()
		}
		if outcome != reqinfo.OutcomeRejected {
			m.statements.Observe(float64(info.Statements))
		}
	}
}

func (m *Metrics) operation(info *reqinfo.Info) string {
	switch {
	case info.OperationType == "":
		return "-"
	case info.Operation == "":
		return "anonymous"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ops[info.Operation] {
		return info.Operation
	}
	if len(m.ops) >= maxOperations {
		return "other"
	}
	m.ops[info.Operation] = true
	return info.Operation
}
