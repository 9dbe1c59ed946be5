package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"github.com/broadsheet/broadsheet/internal/testkit/wait"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// metric reads one unlabelled sample from /metrics (-1 when absent).
func metric(base, name string) float64 {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return -1
}

func status(url string) int {
	res, err := http.Get(url)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// On SIGTERM the server fails /readyz while it drains, keeps serving, then
// stops accepting connections and lets the request in flight finish.
func TestGracefulShutdownWithRequestInFlight(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", "sqlite:"+filepath.Join(dir, "s.db"),
		"--drain-delay", "10m", "--log-format", "json")
	cmd.Env = os.Environ()
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	endpoint := waitForURL(t, stdout, &stderr)
	base := strings.TrimSuffix(endpoint, "/graphql")

	// A request whose body arrives in two parts: in flight until we finish it.
	body := `{"query":"{ articles(first: 3) { totalCount nodes { title } } }"}`
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, endpoint, pr)
	req.Header.Set("Content-Type", "application/json")
	type answer struct {
		status int
		body   []byte
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
		if err != nil {
			done <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		done <- answer{status: res.StatusCode, body: b}
	}()
	pw.Write([]byte(body[:20]))
	wait.Until(t, "the request to be in flight", func() bool { return metric(base, "broadsheet_http_requests_in_flight") == 1 })

	cmd.Process.Signal(syscall.SIGTERM)
	wait.Until(t, "/readyz to fail while draining", func() bool { return status(base+"/readyz") == http.StatusServiceUnavailable })
	if st := status(endpoint + "?query=%7B__typename%7D"); st != http.StatusOK {
		t.Errorf("a request while draining got %d, want 200", st)
	}
	cmd.Process.Signal(syscall.SIGTERM) // a second signal ends the drain delay
	wait.Until(t, "the listener to close", func() bool { return status(base+"/healthz") == 0 })

	pw.Write([]byte(body[20:]))
	pw.Close()
	a := <-done
	if a.err != nil || a.status != http.StatusOK {
		t.Fatalf("the request in flight: %d %v %s", a.status, a.err, a.body)
	}
	var got struct {
		Data struct{ Articles struct{ TotalCount int } }
	}
	if json.Unmarshal(a.body, &got); got.Data.Articles.TotalCount == 0 {
		t.Errorf("the request in flight got no data: %s", a.body)
	}
	exit := make(chan error, 1)
	go func() { exit <- cmd.Wait() }()
	select {
	case err := <-exit:
		if err != nil {
			t.Errorf("exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not exit")
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in the log:\n%s", stderr.String())
	}
}

// Bad serve settings are refused at start with one line: typed
// BROADSHEET_* variables that do not parse are usage errors (2); settings
// that cannot be met (an unreachable Redis, a missing file) exit 1.
func TestServeSettingErrors(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	db := "sqlite:" + filepath.Join(t.TempDir(), "s.db")
	cases := []struct {
		env  []string
		args []string
		code int
		want string
	}{
		{[]string{"BROADSHEET_MAX_DEPTH=deep"}, nil, 2, "BROADSHEET_MAX_DEPTH"},
		{[]string{"BROADSHEET_REQUEST_TIMEOUT=10"}, nil, 2, "BROADSHEET_REQUEST_TIMEOUT"},
		{[]string{"BROADSHEET_INTROSPECTION=maybe"}, nil, 2, "BROADSHEET_INTROSPECTION"},
		{[]string{"BROADSHEET_RATE_LIMIT=fast"}, nil, 2, "BROADSHEET_RATE_LIMIT"},
		{nil, []string{"--redis", "127.0.0.1:1"}, 1, "redis at 127.0.0.1:1"},
		{nil, []string{"--trusted-documents", "/nonexistent/trusted.json"}, 1, "trusted documents"},
		{nil, []string{"--otlp-endpoint", "collector:4318"}, 1, "OTLP endpoint"},
		{nil, []string{"--db-replicas", "mysql://root@127.0.0.1:1/x"}, 1, "read replicas need a MySQL primary"},
		{nil, []string{"--preview-url", "https://news.example.com/preview"}, 2, "--preview-url"},
		{nil, []string{"--preview-url", "/preview?token={token}"}, 2, "absolute http(s) URL containing {token}"},
		{[]string{"BROADSHEET_PREVIEW_SECRET=too-short"}, nil, 2, "--preview-secret must be at least 32 characters"},
	}
	for _, tc := range cases {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, tc.args...)
		r := runBin(t, bin, tc.env, args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v %v: exit %d, stderr %q; want exit %d and %q", tc.env, tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
}
