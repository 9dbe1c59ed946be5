package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/broadsheet/broadsheet/cmd/broadsheet-bench/procfs"
)

// process is a server under test.
type process struct {
	kind, base string
	cmd        *exec.Cmd
	pid        int
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startLoaded starts a Broadsheet server of kind and reads its fixture
// (the slugs and ids the scenarios ask for).
func startLoaded(ctx context.Context, o options, kind, self string) (*process, *fixture, error) {
	srv, err := startServer(ctx, o, kind, self, 0)
	if err != nil {
		return nil, nil, err
	}
	fix, err := loadFixture(srv.base)
	if err != nil {
		srv.stop()
		return nil, nil, err
	}
	return srv, fix, nil
}

func startServer(ctx context.Context, o options, kind, self string, ceilingBytes int) (*process, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	var cmd *exec.Cmd
	switch kind {
	case serverCeiling:
		cmd = exec.CommandContext(ctx, self, "ceiling", "--addr", addr, "--bytes", strconv.Itoa(ceilingBytes))
	default:
		args := []string{"serve", "--addr", addr, "--db", o.db, "--no-demo", "--log-level", "warn",
			"--rate-limit", "0", "--token-rate-limit", "0"}
		if kind == serverUncached {
			args = append(args, "--response-cache=false")
		}
		args = append(args, strings.Fields(o.serverFlags)...)
		cmd = exec.CommandContext(ctx, o.bin, args...)
	}
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{kind: kind, base: "http://" + addr, cmd: cmd, pid: cmd.Process.Pid}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(p.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s server did not become ready", kind)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *process) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
	}
}

// rss returns the process's resident and peak resident memory in MiB.
func (p *process) rss() (cur, peak float64) {
	r, h := procfs.Memory(p.pid)
	return float64(r) / (1 << 20), float64(h) / (1 << 20)
}

// cpu returns the process's user+system CPU time so far.
func (p *process) cpu() time.Duration { return procfs.CPU(p.pid) }

// gql posts a query to the server under test.
