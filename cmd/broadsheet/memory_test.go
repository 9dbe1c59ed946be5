package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rssMiB reads a process's resident set from /proc.
func rssMiB(t *testing.T, pid int) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// TestLargeDocumentsLeaveMemoryBounded: hundreds of distinct, valid,
// ~0.9 MB documents (each under the body limit, each cached by the parsed-
// document cache as far as its byte bound allows) leave the server's RSS
// within 150 MiB of where it started, with default flags.
func TestLargeDocumentsLeaveMemoryBounded(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: sends 540 MB of documents to the binary")
	}
	bin := binary(t)
	dir := t.TempDir()
	// Default flags but the per-address rate limit, which would refuse a
	// single client sending this fast (and is not what is measured here).
	p := startServe(t, bin, nil, "--db", "sqlite:"+dir+"/mem.db", "--no-demo", "--rate-limit", "0")
	pid := p.cmd.Process.Pid
	client := &http.Client{Timeout: 30 * time.Second}
	send := func(i int) {
		// A valid query whose bulk is a comment: the parser reads it all.
		doc := fmt.Sprintf("# %d %s\n{ articles(first: 1) { totalCount } }", i, strings.Repeat("x", 900_000))
		body, _ := json.Marshal(map[string]any{"query": doc})
		res, err := client.Post(p.endpoint, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("document %d: status %d", i, res.StatusCode)
		}
	}
	for i := range 20 { // warm up: code paths, pools, the database
		send(-1 - i)
	}
	time.Sleep(time.Second)
	before := rssMiB(t, pid)
	for i := range 600 {
		send(i)
	}
	time.Sleep(3 * time.Second)
	after := rssMiB(t, pid)
	t.Logf("RSS %.0f MiB → %.0f MiB", before, after)
	if after-before > 150 {
		t.Errorf("RSS grew by %.0f MiB (from %.0f to %.0f), want at most 150", after-before, before, after)
	}
}
