// Package subscribe is the live-updates load test: it opens N real
// websocket subscribers against a running gateway, publishes events through
// GraphQL mutations, and reports delivery latency from commit to client
// (each payload's extensions.event.occurredAt is taken inside the
// transaction), with the server's memory and goroutines.
package subscribe

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/broadsheet/broadsheet/cmd/broadsheet-bench/procfs"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// Config is one run.
type Config struct {
	URL         string // the GraphQL endpoint, http://HOST:PORT/graphql
	Token       string // an editor's token, for the mutations
	Subscribers int
	Events      int
	Proto       string // graphql-transport-ws, graphql-ws or both
	ServerPID   int    // for the server's RSS (0: not reported)
	DialWorkers int
	Timeout     time.Duration // per event, for every subscriber to get it
	// Scenario is "article" (corrections of one article, one at a time) or
	// "liveblog" (entries posted to one live blog at Rate a second, whether
	// or not the previous one has reached everyone).
	Scenario string
	Rate     float64
	Out      io.Writer
}

// Result is what a run measured.
type Result struct {
	Subscribers     int
	Events          int
	Deliveries      int64
	Missing         int64
	P50, P99, Max   time.Duration
	ServerRSSBefore int64 // bytes, before the subscribers connected
	ServerRSS       int64 // bytes, with every subscriber connected
	ServerPeakRSS   int64 // bytes, the process's high-water mark at the end
	// ServerCPU is the server's user+system CPU time from the first event
	// to the last delivery (0: not reported).
	ServerCPU   time.Duration
	ServerStats map[string]string
	ConnectTime time.Duration
	// LoadsBefore is the server's object-load count before the first event
	// (the database reads of live updates, however many subscribers).
	LoadsBefore string
	Scenario    string
}

// Main parses args and runs; it returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("broadsheet-bench subscribe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := Config{Out: stdout}
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080/graphql", "the gateway's GraphQL endpoint")
	fs.StringVar(&c.Token, "token", os.Getenv("BROADSHEET_TOKEN"), "an editor's API token, for the mutations that make events (env BROADSHEET_TOKEN)")
	fs.IntVar(&c.Subscribers, "subscribers", 1000, "websocket subscribers to open")
	fs.IntVar(&c.Events, "events", 20, "events to publish")
	fs.StringVar(&c.Proto, "proto", "both", "graphql-transport-ws, graphql-ws, or both (alternating)")
	fs.IntVar(&c.ServerPID, "server-pid", 0, "the gateway's process id, to report its RSS (same machine)")
	fs.IntVar(&c.DialWorkers, "dial-workers", 64, "connections opened at once")
	fs.DurationVar(&c.Timeout, "timeout", 30*time.Second, "how long to wait for every subscriber to get one event")
	fs.StringVar(&c.Scenario, "scenario", "article", "article (articleUpdated, one correction at a time) or liveblog (liveBlogUpdated, --rate entries a second)")
	fs.Float64Var(&c.Rate, "rate", 1, "liveblog: entries posted per second")
	duration := fs.Duration("duration", 0, "liveblog: post for this long (sets --events to duration × rate)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if c.Token == "" {
		fmt.Fprintln(stderr, "broadsheet-bench subscribe: --token (an editor's) is required")
		return 2
	}
	if c.Scenario != "article" && c.Scenario != "liveblog" {
		fmt.Fprintln(stderr, "broadsheet-bench subscribe: --scenario is article or liveblog")
		return 2
	}
	if c.Rate <= 0 {
		fmt.Fprintln(stderr, "broadsheet-bench subscribe: --rate must be positive")
		return 2
	}
	if *duration > 0 {
		c.Events = max(1, int(duration.Seconds()*c.Rate))
	}
	res, err := Run(ctx, c)
	if err != nil {
		fmt.Fprintf(stderr, "broadsheet-bench subscribe: %v\n", err)
		return 1
	}
	res.Print(stdout)
	if res.Missing > 0 {
		return 1
	}
	return 0
}

type gql struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

func (c Config) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var r gql
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		return fmt.Errorf("HTTP %d: %w", res.StatusCode, err)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("GraphQL: %s", r.Errors[0].Message)
	}
	return json.Unmarshal(r.Data, out)
}

// Run performs one benchmark.
func Run(ctx context.Context, c Config) (*Result, error) {
	res := &Result{Subscribers: c.Subscribers, Events: c.Events, Scenario: c.Scenario}
	res.ServerRSSBefore = rss(c.ServerPID)
	sc, err := c.setup(ctx)
	if err != nil {
		return nil, err
	}

	// Every subscriber records the latency of each distinct event it gets.
	var lat []time.Duration
	var latMu sync.Mutex
	var delivered atomic.Int64

	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	// Each subscriber reads from the moment it is subscribed: a socket
	// that is not read does not answer the server's pings, and opening
	// 10,000 takes longer than the ping interval on a busy machine.
	read := func(cl *wsclient.Client) {
		go func() {
			seen := map[string]bool{}
			for {
				// Read frames directly and pick the two fields out: the
				// client shares the machine with the server, so it should
				// cost as little as it can.
				_, msg, err := cl.Conn.Read(readCtx)
				if err != nil {
					return
				}
				now := time.Now()
				id, occurred := between(msg, `"event":{"id":"`), between(msg, `"occurredAt":"`)
				if id == "" || occurred == "" {
					if bytes.Contains(msg, []byte(`"type":"ping"`)) {
						cl.Send(readCtx, wsclient.Message{Type: "pong"})
					}
					continue
				}
				at, err := time.Parse(time.RFC3339Nano, occurred)
				if err != nil || seen[id] {
					continue
				}
				seen[id] = true
				latMu.Lock()
				lat = append(lat, now.Sub(at))
				latMu.Unlock()
				delivered.Add(1)
			}
		}()
	}
	start := time.Now()
	clients := make([]*wsclient.Client, c.Subscribers)
	var dialErr atomic.Value
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range max(1, c.DialWorkers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				proto := c.Proto
				if proto == "both" {
					proto = wsclient.TransportWS
					if i%2 == 1 {
						proto = wsclient.GraphQLWS
					}
				}
				dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
				cl, err := wsclient.Dial(dctx, c.URL, proto, wsclient.Options{})
				if err == nil {
					err = cl.Subscribe(dctx, "1", sc.query, sc.vars)
				}
				cancel()
				if err != nil {
					dialErr.Store(err)
					continue
				}
				clients[i] = cl
				read(cl)
			}
		}()
	}
	for i := range c.Subscribers {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err, _ := dialErr.Load().(error); err != nil {
		closeAll(clients)
		return nil, fmt.Errorf("open subscribers: %w", err)
	}
	// Wait until the server has every subscription registered.
	if err := c.waitSubscriptions(ctx, c.Subscribers); err != nil {
		closeAll(clients)
		return nil, err
	}
	res.ConnectTime = time.Since(start)
	res.ServerRSS = rss(c.ServerPID)

	loadsBefore := c.serverStats(ctx)["object loads"]
	cpuBefore := procfs.CPU(c.ServerPID)
	want := func(events int) int64 { return int64(events) * int64(c.Subscribers) }
	waitFor := func(n int64, timeout time.Duration) {
		deadline := time.Now().Add(timeout)
		for delivered.Load() < n && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if sc.paced {
		// Entries at a steady rate, as a newsroom posts them: the next one
		// does not wait for the last to reach everyone.
		tick := time.NewTicker(time.Duration(float64(time.Second) / c.Rate))
		for n := range c.Events {
			if n > 0 {
				<-tick.C
			}
			if err := sc.publish(ctx, n); err != nil {
				tick.Stop()
				closeAll(clients)
				return nil, fmt.Errorf("publish event %d: %w", n+1, err)
			}
		}
		tick.Stop()
		waitFor(want(c.Events), c.Timeout)
	} else {
		for n := range c.Events {
			if err := sc.publish(ctx, n); err != nil {
				closeAll(clients)
				return nil, fmt.Errorf("publish event %d: %w", n+1, err)
			}
			waitFor(want(n+1), c.Timeout)
		}
	}
	res.ServerCPU = procfs.CPU(c.ServerPID) - cpuBefore
	res.Deliveries = delivered.Load()
	res.Missing = want(c.Events) - res.Deliveries
	res.LoadsBefore = loadsBefore
	res.ServerStats = c.serverStats(ctx)
	res.ServerPeakRSS = peakRSS(c.ServerPID)
	latMu.Lock()
	all := slices.Clone(lat)
	latMu.Unlock()
	slices.Sort(all)
	if len(all) > 0 {
		res.P50 = all[len(all)/2]
		res.P99 = all[min(len(all)-1, len(all)*99/100)]
		res.Max = all[len(all)-1]
	}
	stopReading()
	closeAll(clients)
	return res, nil
}

func closeAll(clients []*wsclient.Client) {
	for _, cl := range clients {
		if cl != nil {
			cl.Conn.CloseNow()
		}
	}
}

func (c Config) statsURL() string { return strings.TrimSuffix(c.URL, "/graphql") + "/readyz/live" }

func (c Config) serverStats(ctx context.Context) map[string]string {
	out := map[string]string{}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.statsURL(), nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return out
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			out[line[:i]] = line[i+1:]
		}
	}
	return out
}

func (c Config) waitSubscriptions(ctx context.Context, n int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if st := c.serverStats(ctx); st["subscriptions"] != "" {
			if got, _ := strconv.Atoi(st["subscriptions"]); got >= n {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server never reported %d subscriptions", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rss reads a process's resident memory (0 when unknown).
func rss(pid int) int64 { r, _ := procfs.Memory(pid); return r }

// peakRSS reads a process's high-water mark of resident memory.
func peakRSS(pid int) int64 { _, h := procfs.Memory(pid); return h }

// Print writes the result as a small table.
func (r *Result) Print(w io.Writer) {
	fmt.Fprintf(w, "subscribers            %d (connected and subscribed in %s)\n", r.Subscribers, r.ConnectTime.Round(time.Millisecond))
	fmt.Fprintf(w, "events                 %d\n", r.Events)
	fmt.Fprintf(w, "deliveries             %d (missing %d)\n", r.Deliveries, r.Missing)
	fmt.Fprintf(w, "latency commit→client  p50 %s  p99 %s  max %s\n", r.P50.Round(100*time.Microsecond), r.P99.Round(100*time.Microsecond), r.Max.Round(100*time.Microsecond))
	if r.ServerRSS > 0 {
		fmt.Fprintf(w, "server RSS             %.0f MiB before, %.0f MiB with every subscriber, peak %.0f MiB\n", float64(r.ServerRSSBefore)/(1<<20), float64(r.ServerRSS)/(1<<20), float64(r.ServerPeakRSS)/(1<<20))
	}
	if r.ServerCPU > 0 && r.Deliveries > 0 {
		fmt.Fprintf(w, "server CPU             %s for the events, %.1f µs per delivery\n", r.ServerCPU.Round(10*time.Millisecond), float64(r.ServerCPU.Microseconds())/float64(r.Deliveries))
	}
	for _, k := range []string{"goroutines", "object loads", "slow subscribers dropped"} {
		if v, ok := r.ServerStats[k]; ok {
			fmt.Fprintf(w, "server %-15s %s\n", k, v)
		}
	}
	if before, err := strconv.Atoi(r.LoadsBefore); err == nil {
		if after, err := strconv.Atoi(r.ServerStats["object loads"]); err == nil && r.Events > 0 {
			fmt.Fprintf(w, "database loads/event   %.1f (for %d subscribers)\n", float64(after-before)/float64(r.Events), r.Subscribers)
		}
	}
}

// between returns the JSON string value that follows prefix in b.
func between(b []byte, prefix string) string {
	i := bytes.Index(b, []byte(prefix))
	if i < 0 {
		return ""
	}
	rest := b[i+len(prefix):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}
