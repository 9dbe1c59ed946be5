package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/brokertest"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

type process struct {
	cmd      *exec.Cmd
	endpoint string
	stderr   *bytes.Buffer
	done     chan error
}

func startServe(t *testing.T, bin string, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, _ := cmd.StdoutPipe()
	p := &process{cmd: cmd, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	p.endpoint = waitForURL(t, stdout, p.stderr)
	go func() { p.done <- cmd.Wait() }()
	base := strings.TrimSuffix(p.endpoint, "/graphql")
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(base + "/readyz/live")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("live updates never became ready; stderr:\n%s", p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, p.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not stop after SIGTERM; stderr:\n%s", p.stderr)
	}
}

func post(t *testing.T, endpoint, token, query string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(`{"query":`+quote(query)+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || strings.Contains(buf.String(), `"errors"`) {
		t.Fatalf("mutation failed: %d %s", res.StatusCode, buf.String())
	}
}

func quote(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// TestServeReplicas starts two broadsheet processes on one MariaDB database
// and one broker (Redis, then NATS). A mutation on one reaches subscribers
// of the other; SIGTERM closes websockets with 1001 and ends SSE streams,
// and the process exits cleanly.
func TestServeReplicas(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	brokers := map[string]func(testing.TB) string{"redis": brokertest.RedisURL, "nats": brokertest.NATSURL}
	for _, name := range []string{"redis", "nats"} {
		t.Run(name, func(t *testing.T) {
			pubsubURL := brokertest.WithTopic(t, brokers[name](t))
			// The replicas share a media directory in the test's temp dir
			// (on MySQL it would default to ./media).
			env := []string{"BROADSHEET_DB=" + dbtest.URL(t, dbconn.MySQL), "BROADSHEET_PUBSUB=" + pubsubURL,
				"BROADSHEET_MEDIA=file://" + filepath.ToSlash(t.TempDir())}
			r := runBin(t, bin, env, "token", "create", "--name", "replica-test", "--role", "editor", "--create")
			if r.code != 0 {
				t.Fatalf("token create: %+v", r)
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			token := lines[len(lines)-1]
			a := startServe(t, bin, env, "--shutdown-grace", "10s")
			b := startServe(t, bin, env, "--shutdown-grace", "10s")

			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			editorOnB, err := wsclient.Dial(ctx, b.endpoint, wsclient.GraphQLWS, wsclient.Options{Init: map[string]any{"Authorization": "Bearer " + token}})
			if err != nil {
				t.Fatal(err)
			}
			defer editorOnB.Conn.CloseNow()
			editorOnB.Subscribe(ctx, "c", `subscription { contentChanged { type object { ... on Article { title status } } } }`, nil)
			// A reader's SSE stream on A.
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint, strings.NewReader(`{"query":"subscription { articlePublished { title } }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "text/event-stream")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			sse := bufio.NewScanner(res.Body)
			nextSSE := func() (string, bool) {
				for sse.Scan() {
					if line := sse.Text(); strings.HasPrefix(line, "event:") || strings.HasPrefix(line, "data:") {
						if strings.HasPrefix(line, "event: complete") {
							return "complete", true
						}
						if strings.HasPrefix(line, "data:") {
							return line, true
						}
					}
				}
				return "", false
			}
			waitSubscriptions(t, a, 1)
			waitSubscriptions(t, b, 1)
			// A reader's homepage on B, now in B's response cache.
			homepage := func() string {
				res, err := http.Get(b.endpoint + "?query=" + url.QueryEscape("{ articles(first: 5) { nodes { title } } }"))
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var buf bytes.Buffer
				buf.ReadFrom(res.Body)
				return buf.String()
			}
			homepage()
			if strings.Contains(homepage(), "Breaking on A") {
				t.Fatal("the article exists before it was written")
			}

			post(t, a.endpoint, token, `mutation { createArticle(input: {title: "Breaking on A", status: PUBLISHED}) { article { id } } }`)
			_, got, err := editorOnB.Next(ctx)
			if err != nil || !strings.Contains(string(got.Data), "Breaking on A") || !strings.Contains(string(got.Data), "article.published") {
				t.Fatalf("editor on B: %v %+v", err, got)
			}
			// B heard the event, so its cached homepage is gone: a change on A
			// purges every replica's response cache, not only A's.
			if page := homepage(); !strings.Contains(page, "Breaking on A") {
				t.Errorf("B still serves its cached homepage after the event: %s", page)
			}
			if line, ok := nextSSE(); !ok || !strings.Contains(line, "Breaking on A") {
				t.Fatalf("reader on A: %q", line)
			}
			post(t, b.endpoint, token, `mutation { createArticle(input: {title: "A draft on B"}) { article { id } } }`)
			if _, got, err = editorOnB.Next(ctx); err != nil || !strings.Contains(string(got.Data), "A draft on B") {
				t.Fatalf("editor on B, draft: %v %+v", err, got)
			}

			b.stop(t)
			_, _, err = editorOnB.Next(ctx)
			if ce, ok := wsclient.AsClose(err); !ok || ce.Code != 1001 {
				t.Errorf("websocket on B after SIGTERM: %v, want close 1001", err)
			}
			a.stop(t)
			if line, ok := nextSSE(); line != "complete" && ok {
				t.Errorf("SSE on A after SIGTERM: %q, want the stream to complete", line)
			}
		})
	}
}

// waitSubscriptions waits until the replica reports n subscriptions.
func waitSubscriptions(t *testing.T, p *process, n int) {
	t.Helper()
	want := fmt.Sprintf("\nsubscriptions %d\n", n)
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(strings.TrimSuffix(p.endpoint, "/graphql") + "/readyz/live")
		if err == nil {
			var buf bytes.Buffer
			buf.ReadFrom(res.Body)
			res.Body.Close()
			if strings.Contains(buf.String(), want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica never reported %d subscriptions", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
