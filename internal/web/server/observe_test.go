package server_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/internal/web/tracing"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

func scrape(t *testing.T, s *testserver.Server) string {
	t.Helper()
	res, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("/metrics: %d", res.StatusCode)
	}
	return string(b)
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.New(t, db, nil, func(c *server.Config) { c.ExposeMetrics = true })
	if err := demo.Seed(context.Background(), s.Content); err != nil {
		t.Fatal(err)
	}
	home := testserver.Request{GET: true, Query: `query Home { articles(first: 3) { nodes { title authors { name } } } }`}
	s.Do(t, home)
	s.Do(t, home)
	s.Do(t, testserver.Request{Query: `query Broken { nope }`})
	s.Do(t, testserver.Request{Query: `{ article { id } }`})
	body := scrape(t, s)
	for _, want := range []string{
		`broadsheet_graphql_requests_total{cache="miss",operation="Home",outcome="ok"} 1`,
		`broadsheet_graphql_requests_total{cache="hit",operation="Home",outcome="ok"} 1`,
		`broadsheet_graphql_requests_total{cache="miss",operation="-",outcome="request_error"} 1`,
		`broadsheet_graphql_requests_total{cache="miss",operation="anonymous",outcome="field_errors"} 1`,
		`broadsheet_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1`,
		`broadsheet_graphql_errors_total{code="BAD_USER_INPUT"} 1`,
		`broadsheet_graphql_request_duration_seconds_count{operation="Home"} 2`,
		`broadsheet_sql_statements_per_request_count 4`,
		`broadsheet_sql_statements_per_request_bucket{le="0"} 3`, // the hit and the two refused
		`broadsheet_http_requests_in_flight 0`,
		`broadsheet_response_cache_hits_total 1`,
		`broadsheet_response_cache_entries 1`,
		`broadsheet_database_up 1`,
		`go_sql_open_connections{db_name="primary"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "broadsheet_sql_statements_per_request_sum 0\n") {
		t.Error("SQL statements were not counted")
	}
	// The database's health is reported with the response cache off too
	// (the benchmarks' uncached setting).
	uncached := testserver.New(t, db, nil, func(c *server.Config) { c.ExposeMetrics = true; c.DisableResponseCache = true })
	if v := metricValue(t, scrape(t, uncached), "broadsheet_database_up"); v != 1 {
		t.Errorf("broadsheet_database_up = %v without the response cache, want 1", v)
	}
}

// metricValue reads one sample (name with its labels, as /metrics prints
// it) from a scrape; -1 when it is absent.
func metricValue(t *testing.T, body, sample string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return -1
}

// TestLiveMetrics follows an event through /metrics: the subscription is
// counted, the event waits in the outbox (lag grows), and once relayed
// it is received and delivered (lag back to 0).
func TestLiveMetrics(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{NoRelay: true, Server: func(c *server.Config) { c.ExposeMetrics = true }})
	editor := s.Token(t, "metrics-test", auth.Editor)
	read := func(sample string) float64 { return metricValue(t, scrape(t, s.Server), sample) }

	if got := read(`broadsheet_subscriptions_active`); got != 0 {
		t.Errorf("subscriptions before any: %v", got)
	}
	if got := read(`broadsheet_outbox_lag_seconds{consumer="broker"}`); got != 0 {
		t.Errorf("outbox lag with nothing pending: %v", got)
	}
	c := dialWS(t, s.URL, wsclient.TransportWS, "")
	subscribeWS(t, c, "1", `subscription { articlePublished { id } }`, nil)
	waitSubscribers(t, s, 1)
	if got := read(`broadsheet_subscriptions_active`); got != 1 {
		t.Errorf("subscriptions with one open: %v", got)
	}

	a := create(t, s.Server, editor, map[string]any{"title": "Measured on the way"}).Article
	mutate(t, s.Server, editor, "publishArticle(id: $id)", "", map[string]any{"id": a.ID})
	time.Sleep(20 * time.Millisecond) // the lag is the age of the waiting event
	if got := read(`broadsheet_outbox_lag_seconds{consumer="broker"}`); got <= 0 {
		t.Errorf("outbox lag with events waiting: %v, want > 0", got)
	}
	if _, err := s.Relay.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got struct{ ArticlePublished struct{ ID string } }
	nextWS(t, c, &got)
	if got.ArticlePublished.ID != a.ID {
		t.Fatalf("event for %q, want %q", got.ArticlePublished.ID, a.ID)
	}
	body := scrape(t, s.Server)
	for sample, want := range map[string]float64{
		`broadsheet_outbox_lag_seconds{consumer="broker"}`: 0,
		`broadsheet_live_deliveries_total`:                 1,
		`broadsheet_live_slow_consumers_dropped_total`:     0,
		`broadsheet_live_duplicate_events_total`:           0,
		`broadsheet_subscriptions_active`:                  1,
	} {
		if v := metricValue(t, body, sample); v != want {
			t.Errorf("%s = %v, want %v", sample, v, want)
		}
	}
	// Creating and publishing wrote two events (created, published).
	if v := metricValue(t, body, `broadsheet_live_events_total`); v < 2 {
		t.Errorf("broadsheet_live_events_total = %v, want at least 2", v)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestStructuredLogs(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	var logs syncBuffer
	s := testserver.New(t, db, nil, func(c *server.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		c.Authenticate = editorAuth
	})
	secretQuery := `query Home($who: String) { articles(filter: {author: $who}) { nodes { title } } }`
	r := s.Do(t, testserver.Request{Query: secretQuery, Token: "test-editor", Variables: map[string]any{"who": "reader@example.com"},
		Header: http.Header{"X-Request-Id": {"req-123"}}})
	if r.Header.Get("X-Request-Id") != "req-123" {
		t.Errorf("X-Request-Id %q, want the caller's", r.Header.Get("X-Request-Id"))
	}
	s.Do(t, testserver.Request{Query: `{ __typename }`, Token: "wrong-token"})
	out := logs.String()
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if rec["msg"] == "request" && rec["request_id"] == "req-123" {
			found = true
			if rec["operation"] != "Home" || rec["status"] != float64(200) || rec["outcome"] != "ok" {
				t.Errorf("access log line: %s", line)
			}
		}
	}
	if !found {
		t.Errorf("no access log line with the request id:\n%s", out)
	}
	for _, secret := range []string{"test-editor", "wrong-token", "Bearer", "reader@example.com", "filter:"} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q:\n%s", secret, out)
		}
	}
	t.Run("forged request ids are replaced", func(t *testing.T) {
		for _, forged := range []string{"a b", "é", strings.Repeat("x", 65)} {
			r := s.Do(t, testserver.Request{Query: `{ __typename }`, Header: http.Header{"X-Request-Id": {forged}}})
			if id := r.Header.Get("X-Request-Id"); id == forged || len(id) != 16 {
				t.Errorf("X-Request-Id %q for %q, want a fresh id", id, forged)
			}
		}
	})
}

func TestTracingToOTLP(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var spans []string
	var traceIDs []string
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					spans = append(spans, sp.Name)
					traceIDs = append(traceIDs, hex.EncodeToString(sp.TraceId))
				}
			}
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	tr, err := tracing.Setup(context.Background(), tracing.Options{Endpoint: collector.URL})
	if err != nil {
		t.Fatal(err)
	}
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.New(t, db, nil, func(c *server.Config) { c.Tracing = tr })
	if err := demo.Seed(context.Background(), s.Content); err != nil {
		t.Fatal(err)
	}
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	s.MustData(t, testserver.Request{Query: `query Home { articles(first: 2) { nodes { title authors { name } } } }`,
		Header: http.Header{"Traceparent": {"00-" + traceID + "-00f067aa0ba902b7-01"}}}, &map[string]any{})
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"POST /graphql", "query Home", "Query.articles", "sql SELECT"} {
		if !strings.Contains(strings.Join(spans, "|"), want) {
			t.Errorf("no span %q among %v", want, spans)
		}
	}
	for _, id := range traceIDs {
		if id != traceID {
			t.Errorf("span in trace %s, want the caller's %s", id, traceID)
			break
		}
	}
}
