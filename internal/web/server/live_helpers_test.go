package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/testkit/wait"

	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// waitFor is how long a test waits for something that should happen; it is
// generous and never what a test asserts.
const waitFor = 30 * time.Second

func dialWS(t *testing.T, url, proto, token string) *wsclient.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	opts := wsclient.Options{}
	if token != "" {
		opts.Init = map[string]any{"Authorization": "Bearer " + token}
	}
	c, err := wsclient.Dial(ctx, url+"/graphql", proto, opts)
	if err != nil {
		t.Fatalf("dial %s: %v", proto, err)
	}
	t.Cleanup(func() { c.Conn.CloseNow() })
	return c
}

func subscribeWS(t *testing.T, c *wsclient.Client, id, query string, vars map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := c.Subscribe(ctx, id, query, vars); err != nil {
		t.Fatalf("subscribe %s: %v", id, err)
	}
}

// nextWS reads the next result and decodes its data into v.
func nextWS(t *testing.T, c *wsclient.Client, v any) (string, *wsclient.Result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	id, r, err := c.Next(ctx)
	if err != nil {
		t.Fatalf("waiting for an event: %v", err)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("event for %s has errors: %+v", id, r.Errors)
	}
	if v != nil {
		if err := json.Unmarshal(r.Data, v); err != nil {
			t.Fatalf("decode %s: %v", r.Data, err)
		}
	}
	return id, r
}

// waitSubscribers waits until the hub has n subscribers.
func waitSubscribers(t *testing.T, s *testserver.LiveServer, n int) {
	t.Helper()
	wait.Until(t, fmt.Sprintf("%d subscribers", n), func() bool { return s.Hub.Stats().Subscribers == n })
}

// sseStream is a graphql-sse (distinct connections) client.
type sseStream struct {
	res    *http.Response
	sc     *bufio.Scanner
	cancel context.CancelFunc
}

func openSSE(t *testing.T, url, token, query string, vars map[string]any) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open SSE stream: %v", err)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		cancel()
		t.Fatalf("SSE stream has Content-Type %q (status %d)", ct, res.StatusCode)
	}
	s := &sseStream{res: res, sc: bufio.NewScanner(res.Body), cancel: cancel}
	s.sc.Buffer(make([]byte, 1<<20), 8<<20)
	t.Cleanup(s.Close)
	return s
}

// next returns the next event's name and data (comments are skipped).
func (s *sseStream) next(t *testing.T) (string, []byte) {
	t.Helper()
	type ev struct {
		name string
		data []byte
		err  error
	}
	ch := make(chan ev, 1)
	go func() {
		var e ev
		for s.sc.Scan() {
			line := s.sc.Text()
			switch {
			case line == "":
				if e.name != "" || e.data != nil {
					ch <- e
					return
				}
			case strings.HasPrefix(line, ":"):
			case strings.HasPrefix(line, "event:"):
				e.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				e.data = append(e.data, strings.TrimSpace(strings.TrimPrefix(line, "data:"))...)
			}
		}
		e.err = fmt.Errorf("stream ended: %v", s.sc.Err())
		ch <- e
	}()
	select {
	case e := <-ch:
		if e.err != nil {
			t.Fatal(e.err)
		}
		return e.name, e.data
	case <-time.After(waitFor):
		s.cancel()
		t.Fatal("gave up waiting for an SSE event")
	}
	return "", nil
}

func (s *sseStream) Close() {
	s.cancel()
	s.res.Body.Close()
}
