package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/ratelimit"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// TestCORS: pages on the allowed origins call /graphql from the browser
// (preflight, GET query, SSE subscription, websocket), and other origins
// get no CORS grant and no websocket.
func TestCORS(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{Demo: true, Server: func(c *server.Config) {
			c.AllowedOrigins = []string{"https://news.example.com", "*.example.org"}
		}})
		cases := []struct {
			origin string
			want   bool
		}{
			{"https://news.example.com", true},
			{"https://live.example.org", true},
			{"http://live.example.org:8443", false}, // the host pattern has no port
			{"http://news.example.com", false},      // the pattern names https
			{"https://evil.example", false},
			{"null", false},
		}
		for _, tc := range cases {
			t.Run(tc.origin, func(t *testing.T) {
				// Preflight of a POST with JSON and a bearer token.
				req, _ := http.NewRequest(http.MethodOptions, s.URL+"/graphql", nil)
				req.Header.Set("Origin", tc.origin)
				req.Header.Set("Access-Control-Request-Method", "POST")
				req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				allow := res.Header.Get("Access-Control-Allow-Origin")
				if got := allow == tc.origin; got != tc.want {
					t.Fatalf("preflight: status %d, Allow-Origin %q; allowed %v, want %v", res.StatusCode, allow, got, tc.want)
				}
				if tc.want {
					methods := res.Header.Get("Access-Control-Allow-Methods")
					headers := strings.ToLower(res.Header.Get("Access-Control-Allow-Headers"))
					if !strings.Contains(methods, "POST") || !strings.Contains(headers, "authorization") || !strings.Contains(headers, "content-type") {
						t.Errorf("preflight grants methods %q, headers %q", methods, headers)
					}
				}

				// A GET query, as a page's script sends it.
				req, _ = http.NewRequest(http.MethodGet, s.URL+"/graphql?query="+url.QueryEscape("{ articles(first: 1) { nodes { slug } } }"), nil)
				req.Header.Set("Origin", tc.origin)
				res, err = http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					t.Fatalf("GET: status %d", res.StatusCode)
				}
				if got := res.Header.Get("Access-Control-Allow-Origin") == tc.origin; got != tc.want {
					t.Errorf("GET: Allow-Origin %q, want granted %v", res.Header.Get("Access-Control-Allow-Origin"), tc.want)
				}
				if tc.want && !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "Etag") {
					t.Errorf("GET: exposes %q, want ETag among them", res.Header.Get("Access-Control-Expose-Headers"))
				}
				if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Origin") {
					t.Errorf("GET: Vary %q lacks Origin: a CDN would hand one origin's grant to another", res.Header.Values("Vary"))
				}

				// The websocket upgrade follows the same list.
				ctx, cancel := context.WithTimeout(context.Background(), waitFor)
				defer cancel()
				c, err := wsclient.Dial(ctx, s.URL+"/graphql", wsclient.TransportWS, wsclient.Options{Header: http.Header{"Origin": {tc.origin}}})
				if got := err == nil; got != tc.want {
					t.Errorf("websocket from %s: %v, want accepted %v", tc.origin, err, tc.want)
				}
				if c != nil {
					c.Conn.CloseNow()
				}
			})
		}

		t.Run("SSE", func(t *testing.T) {
			body := strings.NewReader(`{"query":"subscription { articlePublished { slug } }"}`)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/graphql", body)
			req.Header.Set("Origin", "https://news.example.com")
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "text/event-stream")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") || res.Header.Get("Access-Control-Allow-Origin") != "https://news.example.com" {
				t.Fatalf("SSE from an allowed origin: status %d, Content-Type %q, Allow-Origin %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Access-Control-Allow-Origin"))
			}
		})
	})
}

// TestVaryOriginWithoutAllowedOrigins: without --allowed-origins no CORS
// grant is given, yet every answer of /graphql says Vary: Origin — served,
// cached, revalidated, refused or preflighted alike — so that a shared
// cache keys on the origin before CORS is ever turned on.
func TestVaryOriginWithoutAllowedOrigins(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil, func(c *server.Config) {
			c.MaxBodyBytes = 4 << 10
			c.RateLimit = ratelimit.Options{PerAddress: ratelimit.Limit{Rate: 0.001, Burst: 5}}
		})
		get := func() *http.Request {
			req, _ := http.NewRequest(http.MethodGet, s.URL+"/graphql?query="+url.QueryEscape("{ articles(first: 1) { nodes { slug } } }"), nil)
			req.Header.Set("Origin", "https://news.example.com")
			return req
		}
		post := func(body string) *http.Request {
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", "https://news.example.com")
			return req
		}
		res, _ := s.Raw(t, get())
		etag := res.Header.Get("ETag")
		cases := []struct {
			name   string
			req    func() *http.Request
			status int
		}{
			{"GET served from the response cache", get, http.StatusOK},
			{"conditional GET", func() *http.Request { r := get(); r.Header.Set("If-None-Match", etag); return r }, http.StatusNotModified},
			{"POST", func() *http.Request { return post(`{"query":"{ articles(first: 1) { nodes { slug } } }"}`) }, http.StatusOK},
			{"body over the limit", func() *http.Request { return post(`{"query":"` + strings.Repeat(" ", 8<<10) + `{ __typename }"}`) }, http.StatusRequestEntityTooLarge},
			{"preflight", func() *http.Request {
				r, _ := http.NewRequest(http.MethodOptions, s.URL+"/graphql", nil)
				r.Header.Set("Origin", "https://news.example.com")
				r.Header.Set("Access-Control-Request-Method", "POST")
				return r
			}, http.StatusNoContent},
			{"rate limited", get, http.StatusTooManyRequests},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res, _ := s.Raw(t, tc.req())
				if res.StatusCode != tc.status {
					t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
				}
				if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
					t.Errorf("Access-Control-Allow-Origin %q without allowed origins", got)
				}
				if vary := strings.Join(res.Header.Values("Vary"), ", "); !strings.Contains(vary, "Origin") {
					t.Errorf("Vary %q lacks Origin", vary)
				}
			})
		}
	})
}
