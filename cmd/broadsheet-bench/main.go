// Command broadsheet-bench is Broadsheet's load harness. It seeds a
// database with synthetic content (broadsheet seed --synthetic), starts the
// broadsheet server as a separate process, and runs named scenarios with
// vegeta at a fixed concurrency and duration, printing requests/s,
// latency percentiles, errors, SQL statements per request (from the
// server's /metrics) and the server's memory.
//
//	go run ./cmd/broadsheet-bench --db sqlite:/tmp/bench.db --articles 10000
//	go run ./cmd/broadsheet-bench --db mysql://root@127.0.0.1:3306/bench --scenarios homepage,homepage-cached,ceiling
package main

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
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "subscribe" {
		// Websocket subscribers against a running server (subscribe.go).
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		os.Exit(runSubscribe(ctx, os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "ceiling" {
		if err := ceilingServer(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "broadsheet-bench ceiling:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "broadsheet-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	db, bin, scenarios, serverFlags string
	target, token                   string
	pid                             int
	ratioRounds                     int
	baseline, baselineDB            string
	compareRounds                   int
	articles                        int
	duration, warmup                time.Duration
	concurrency                     int
}

func run() error {
	var o options
	flag.StringVar(&o.db, "db", "", "database URL (default: a fresh SQLite file in a temporary directory)")
	flag.StringVar(&o.bin, "bin", "", "broadsheet binary (default: built from ./cmd/broadsheet)")
	flag.IntVar(&o.articles, "articles", 10000, "synthetic articles to seed into an empty database")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured duration of each scenario")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each scenario")
	flag.IntVar(&o.concurrency, "concurrency", 20, "concurrent clients")
	flag.StringVar(&o.scenarios, "scenarios", "", "comma-separated scenarios (default: all): "+scenarioNames())
	flag.StringVar(&o.serverFlags, "server-flags", "", "extra flags for broadsheet serve")
	flag.StringVar(&o.target, "target", "", "attack this running server (http://HOST:PORT) instead of starting one; no seeding")
	flag.StringVar(&o.token, "token", "", "an editor's API token for the mix scenario's edits (default: one is created with broadsheet token create; needed with --target)")
	flag.IntVar(&o.pid, "pid", 0, "with --target: the server's process id, for its CPU time and memory")
	flag.IntVar(&o.ratioRounds, "ratio-rounds", 3, "after the scenarios, alternate homepage-cached and ceiling this many times with both servers up, for a ratio less at the mercy of other load on the machine (0: off)")
	flag.StringVar(&o.baseline, "baseline", "", "compare with this broadsheet binary (an earlier build): each scenario on both, alternating, with both servers up; the report gives the pairwise ratios of server CPU per request")
	flag.StringVar(&o.baselineDB, "baseline-db", "", "with --baseline: the baseline's own database URL, seeded like --db when empty (default with the SQLite default: a second temporary file)")
	flag.IntVar(&o.compareRounds, "compare-rounds", 5, "with --baseline: runs of each scenario on each build")
	flag.Parse()
	switch {
	case o.baseline != "" && o.target != "":
		return errors.New("--baseline starts both builds' servers itself: not with --target")
	case o.baseline == "" && o.baselineDB != "":
		return errors.New("--baseline-db without --baseline")
	}
	if o.target != "" {
		return runAgainst(o)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tmp, err := os.MkdirTemp("", "broadsheet-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if o.bin == "" {
		o.bin = filepath.Join(tmp, "broadsheet")
		fmt.Fprintln(os.Stderr, "building ./cmd/broadsheet …")
		if out, err := exec.Command("go", "build", "-o", o.bin, "./cmd/broadsheet").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	if o.db == "" {
		o.db = "sqlite:" + filepath.Join(tmp, "bench.db")
	}
	var ob options
	if o.baseline != "" {
		if ob, err = baselineOptions(o, tmp); err != nil {
			return err
		}
	}
	if err := seed(o); err != nil {
		return err
	}
	if o.token == "" {
		if o.token, err = createToken(o); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	selected := map[string]bool{}
	for _, n := range strings.Split(o.scenarios, ",") {
		if n = strings.TrimSpace(n); n != "" {
			selected[n] = true
		}
	}
	if o.baseline != "" {
		if err := seed(ob); err != nil {
			return fmt.Errorf("the baseline's database: %w", err)
		}
		if ob.token, err = createToken(ob); err != nil {
			return fmt.Errorf("the baseline's database: %w", err)
		}
		rounds, ran, err := compare(ctx, o, ob, self, selected)
		if err != nil {
			return err
		}
		reportComparison(os.Stdout, o, ran, rounds)
		return nil
	}

	var results []result
	var srv *process
	defer func() {
		if srv != nil {
			srv.stop()
		}
	}()
	var fix *fixture
	homepageBytes := 0
	for _, sc := range scenarios {
		if len(selected) > 0 && !selected[sc.name] {
			continue
		}
		if srv == nil || srv.kind != sc.server {
			if srv != nil {
				srv.stop()
			}
			if srv, err = startServer(ctx, o, sc.server, self, homepageBytes); err != nil {
				return err
			}
			if sc.server != serverCeiling {
				if fix, err = loadFixture(srv.base); err != nil {
					return err
				}
				fix.token = o.token
				homepageBytes = fix.homepageBytes
			} else {
				fix.base = srv.base
			}
		}
		if sc.skip != nil {
			if why := sc.skip(fix); why != "" {
				results = append(results, result{scenario: sc, skipped: why})
				fmt.Fprintf(os.Stderr, "%-16s skipped: %s\n", sc.name, why)
				continue
			}
		}
		r, err := attack(ctx, o, sc, fix, srv)
		if err != nil {
			return err
		}
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "%-16s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d\n", sc.name, r.rps, ms(r.p50), ms(r.p99), r.errors)
	}
	if srv != nil {
		srv.stop()
		srv = nil
	}
	var rounds []ratioRound
	if o.ratioRounds > 0 && (len(selected) == 0 || selected["homepage-cached"] && selected["ceiling"]) {
		if rounds, err = ratioRounds(ctx, o, self); err != nil {
			return err
		}
	}
	report(os.Stdout, o, results)
	reportRounds(os.Stdout, rounds)
	return nil
}

// runAgainst attacks a server someone else started (for profiling).
func runAgainst(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fix, err := loadFixture(o.target)
	if err != nil {
		return err
	}
	fix.token = o.token
	srv := &process{kind: "external", base: o.target, pid: o.pid}
	var results []result
	for _, sc := range scenarios {
		if !strings.Contains(","+o.scenarios+",", ","+sc.name+",") || sc.server == serverCeiling {
			continue
		}
		if sc.skip != nil {
			if why := sc.skip(fix); why != "" {
				results = append(results, result{scenario: sc, skipped: why})
				continue
			}
		}
		r, err := attack(ctx, o, sc, fix, srv)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	report(os.Stdout, o, results)
	return nil
}

type ratioRound struct{ cached, ceiling float64 }

// ratioRounds keeps a caching server and the ceiling server up together and
// measures them one after the other, several times: other work on the
// machine then weighs on both alike.
func ratioRounds(ctx context.Context, o options, self string) ([]ratioRound, error) {
	cachedSrv, fix, err := startLoaded(ctx, o, serverCached, self)
	if err != nil {
		return nil, err
	}
	defer cachedSrv.stop()
	ceilSrv, err := startServer(ctx, o, serverCeiling, self, fix.homepageBytes)
	if err != nil {
		return nil, err
	}
	defer ceilSrv.stop()
	var cachedSc, ceilSc scenario
	for _, sc := range scenarios {
		switch sc.name {
		case "homepage-cached":
			cachedSc = sc
		case "ceiling":
			ceilSc = sc
		}
	}
	ceilFix := *fix
	ceilFix.base = ceilSrv.base
	var out []ratioRound
	for i := range o.ratioRounds {
		a, err := attack(ctx, o, cachedSc, fix, cachedSrv)
		if err != nil {
			return nil, err
		}
		b, err := attack(ctx, o, ceilSc, &ceilFix, ceilSrv)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "ratio round %d: %.0f / %.0f = %.2f\n", i+1, a.rps, b.rps, a.rps/b.rps)
		out = append(out, ratioRound{a.rps, b.rps})
	}
	return out, nil
}

func reportRounds(w io.Writer, rounds []ratioRound) {
	if len(rounds) == 0 {
		return
	}
	fmt.Fprintln(w, "\nresponse-cached homepage / net/http ceiling, alternating with both servers up:")
	fmt.Fprintln(w, "\n| round | homepage-cached req/s | ceiling req/s | ratio |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|")
	ratios := make([]float64, len(rounds))
	for i, r := range rounds {
		ratios[i] = r.cached / r.ceiling
		fmt.Fprintf(w, "| %d | %.0f | %.0f | %.2f |\n", i+1, r.cached, r.ceiling, ratios[i])
	}
	slices.Sort(ratios)
	fmt.Fprintf(w, "\nmedian ratio %.2f\n", ratios[len(ratios)/2])
}

// seed migrates and, when the database is empty, adds the demo content and
// the synthetic articles.
func seed(o options) error {
	cmd := exec.Command(o.bin, "seed", "--demo", "--create", "--db", o.db)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "already has content") {
			fmt.Fprintln(os.Stderr, "database has content: not seeding")
			return nil
		}
		return fmt.Errorf("seed --demo: %v\n%s", err, out)
	}
	fmt.Fprintf(os.Stderr, "seeding %d synthetic articles …\n", o.articles)
	if out, err := exec.Command(o.bin, "seed", "--synthetic", strconv.Itoa(o.articles), "--db", o.db).CombinedOutput(); err != nil {
		return fmt.Errorf("seed --synthetic: %v\n%s", err, out)
	}
	return nil
}

// createToken issues an editor token for the mix scenario's edits; the
// token is the last line of token create's output.
func createToken(o options) (string, error) {
	name := fmt.Sprintf("bench-%d-%d", os.Getpid(), time.Now().Unix())
	out, err := exec.Command(o.bin, "token", "create", "--name", name, "--role", "editor", "--db", o.db).Output()
	if err != nil {
		return "", fmt.Errorf("token create: %w", err)
	}
	lines := strings.Fields(strings.TrimSpace(string(out)))
	if len(lines) == 0 {
		return "", errors.New("token create printed nothing")
	}
	return lines[len(lines)-1], nil
}

func gql(base, query string, vars map[string]any, v any) (int, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	res, err := http.Post(base+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	var out struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return 0, err
	}
	if len(out.Errors) > 0 {
		return 0, errors.New(out.Errors[0].Message)
	}
	return len(b), json.Unmarshal(out.Data, v)
}

// loadFixture learns slugs to request and what the schema offers.
func loadFixture(base string) (*fixture, error) {
	f := &fixture{base: base, queryFields: map[string]bool{}}
	var lists struct {
		Articles struct {
			Nodes []struct{ ID, Slug string }
		}
		Categories []struct{ Slug string }
		Authors    struct{ Nodes []struct{ Slug string } }
		Tags       struct{ Nodes []struct{ Slug string } }
		Schema     struct {
			QueryType    struct{ Fields []struct{ Name string } }
			MutationType *struct{ Name string }
		} `json:"__schema"`
	}
	q := `{ articles(first: 100) { nodes { id slug } } categories { slug } authors(first: 100) { nodes { slug } } tags(first: 100) { nodes { slug } }
	        __schema { queryType { fields { name } } mutationType { name } } }`
	if _, err := gql(base, q, nil, &lists); err != nil {
		return nil, fmt.Errorf("fixture: %w", err)
	}
	var more struct {
		Articles struct{ Nodes []struct{ Slug string } }
	}
	if _, err := gql(base, `{ articles(first: 100, orderBy: {field: TITLE, direction: ASC}) { nodes { slug } } }`, nil, &more); err != nil {
		return nil, fmt.Errorf("fixture: %w", err)
	}
	for _, a := range lists.Articles.Nodes {
		f.slugs = append(f.slugs, a.Slug)
		f.articleIDs = append(f.articleIDs, a.ID)
	}
	for _, a := range more.Articles.Nodes {
		f.slugs = append(f.slugs, a.Slug)
	}
	for _, c := range lists.Categories {
		f.categories = append(f.categories, c.Slug)
	}
	for _, a := range lists.Authors.Nodes {
		f.authors = append(f.authors, a.Slug)
	}
	for _, t := range lists.Tags.Nodes {
		f.tags = append(f.tags, t.Slug)
	}
	for _, fl := range lists.Schema.QueryType.Fields {
		f.queryFields[fl.Name] = true
	}
	f.hasMutations = lists.Schema.MutationType != nil
	var home any
	n, err := gql(base, homeQuery, nil, &home)
	if err != nil {
		return nil, err
	}
	f.homepageBytes = n
	return f, nil
}

// metricSum reads a metric's sum and count from /metrics.
func metricSum(base, name string) (sum, count float64) {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return 0, 0
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, name+"_sum "); ok {
			sum, _ = strconv.ParseFloat(v, 64)
		}
		if v, ok := strings.CutPrefix(line, name+"_count "); ok {
			count, _ = strconv.ParseFloat(v, 64)
		}
	}
	return sum, count
}

// localDatabase finds the MySQL or MariaDB server process behind dbURL
// when it runs on this machine (a loopback address, or a Unix socket), to
// read its CPU time; otherwise (SQLite is inside the server; a remote
// database is out of reach) a process whose CPU time reads as zero.
func localDatabase(dbURL string, srv *process) *process {
	if srv.kind == serverCeiling || !strings.HasPrefix(dbURL, "mysql://") {
		return &process{}
	}
	u, err := url.Parse(dbURL)
	local := u != nil && (u.Query().Get("socket") != "" || u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1")
	if err != nil || !local {
		return &process{}
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		if name := strings.TrimSpace(string(b)); name == "mariadbd" || name == "mysqld" {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(d)))
			return &process{pid: pid}
		}
	}
	return &process{}
}

func report(w io.Writer, o options, results []result) {
	engine := strings.SplitN(o.db, ":", 2)[0]
	fmt.Fprintf(w, "\nengine %s, %d concurrent clients, %s per scenario (after %s warm-up), %d CPUs, %s\n\n", engine, o.concurrency, o.duration, o.warmup, runtime.NumCPU(), runtime.Version())
	fmt.Fprintln(w, "| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | SQL/req | server CPU ms/req | server RSS MiB (peak) | DB CPU ms/req | load-gen CPU ms/req | CPU-bound req/s |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	var cached, ceiling float64
	for _, r := range results {
		if r.skipped != "" {
			fmt.Fprintf(w, "| %s | skipped: %s | | | | | | | | | | |\n", r.scenario.name, r.skipped)
			continue
		}
		sql := "–"
		if r.sqlPerReq >= 0 && r.scenario.server != serverCeiling {
			sql = fmt.Sprintf("%.2f", r.sqlPerReq)
		}
		dbCPU := "–"
		if r.dbCPUPerReq > 0 {
			dbCPU = fmt.Sprintf("%.3f", msf(r.dbCPUPerReq))
		}
		// What the machine's cores could serve if nothing but these three
		// processes ran and they were CPU-bound: the ceiling the measured
		// req/s is to be read against.
		bound := "–"
		if total := r.cpuPerReq + r.dbCPUPerReq + r.clientCPUPerReq; total > 0 {
			bound = fmt.Sprintf("%.0f", float64(runtime.NumCPU())*float64(time.Second)/float64(total))
		}
		fmt.Fprintf(w, "| %s | %.0f | %.2f | %.2f | %.2f | %d | %s | %.3f | %.0f (%.0f) | %s | %.3f | %s |\n", r.scenario.name, r.rps, ms(r.p50), ms(r.p95), ms(r.p99), r.errors, sql, msf(r.cpuPerReq), r.rss, r.peakRSS, dbCPU, msf(r.clientCPUPerReq), bound)
		switch r.scenario.name {
		case "homepage-cached":
			cached = r.rps
		case "ceiling":
			ceiling = r.rps
		}
	}
	if cached > 0 && ceiling > 0 {
		fmt.Fprintf(w, "\nresponse-cached homepage / net/http ceiling = %.0f / %.0f = %.2f\n", cached, ceiling, cached/ceiling)
	}
}

// ceilingServer answers every request with a fixed JSON body of the given
// size, as plainly as net/http can: the ceiling a cached answer is
// compared with.
func ceilingServer(args []string) error {
	fs := flag.NewFlagSet("ceiling", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	size := fs.Int("bytes", 8000, "body size")
	fs.Parse(args)
	body := []byte(`{"data":{"pad":"` + strings.Repeat("x", max(0, *size-20)) + `"}}`)
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ready\n")) })
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	srv := &http.Server{Addr: *addr, Handler: mux}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
