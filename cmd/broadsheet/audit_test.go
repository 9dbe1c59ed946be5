package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGraphQLHTTPAudit runs the graphql-http server audit — its requests
// all at once, from one address, as a server-side-rendering frontend
// sends them — against the real binary started with default flags: the
// default per-client limit must let it through with no warnings and no
// errors. It needs node and the audit installed (npm ci in
// testdata/graphql-http-audit); it skips without them, unless
// BROADSHEET_TEST_NODE_REQUIRED=1.
func TestGraphQLHTTPAudit(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts the binary and node: not under -short")
	}
	required := os.Getenv("BROADSHEET_TEST_NODE_REQUIRED") == "1"
	skip := func(why string) {
		if required {
			t.Fatalf("BROADSHEET_TEST_NODE_REQUIRED=1 but %s", why)
		}
		t.Skip(why)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed")
	}
	dir, _ := filepath.Abs(filepath.Join("testdata", "graphql-http-audit"))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql-http")); err != nil {
		skip("the audit is not installed: run npm ci in " + dir)
	}

	bin := binary(t)
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", "sqlite:"+filepath.Join(t.TempDir(), "audit.db"), "--log-level", "warn")
	// Default flags: none of the BROADSHEET_* settings of this environment.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BROADSHEET_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	endpoint := waitForURL(t, stdout, &stderr)

	audit := exec.Command(node, filepath.Join(dir, "audit.mjs"), endpoint)
	audit.Dir = dir
	out, err := audit.Output()
	if err != nil {
		var msg []byte
		if ee, ok := err.(*exec.ExitError); ok {
			msg = ee.Stderr
		}
		t.Fatalf("audit: %v\n%s%s", err, out, msg)
	}
	var got struct {
		Total, OK, Notice, Warn, Error int
		Failures                       []struct {
			ID, Name, Status, Reason string
			HTTPStatus               int
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("audit output %q: %v", out, err)
	}
	if got.Total == 0 {
		t.Fatalf("the audit ran nothing: %s", out)
	}
	for _, f := range got.Failures {
		t.Errorf("%s %s (%s): %s (HTTP %d)", f.Status, f.ID, f.Name, f.Reason, f.HTTPStatus)
	}
	t.Logf("audit: %d ok, %d notices, %d warnings, %d errors of %d", got.OK, got.Notice, got.Warn, got.Error, got.Total)
}
