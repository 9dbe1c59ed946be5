package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A comparison (--baseline) measures each scenario on two builds with both
// servers up, alternating short runs: a slow spell of a shared machine,
// which moved one build's figures by a third between runs minutes apart
// (docs/benchmarks.md), then weighs on both alike, and the ratios are
// taken pair by pair.

// comparedRound is one round of a scenario on both builds.
type comparedRound struct{ baseline, current result }

// baselineOptions are o for the baseline build: its binary and its own
// database (the builds' schemas may differ).
func baselineOptions(o options, tmp string) (options, error) {
	ob := o
	ob.bin, ob.db, ob.token = o.baseline, o.baselineDB, ""
	if o.compareRounds < 1 {
		return ob, fmt.Errorf("--compare-rounds %d: at least one", o.compareRounds)
	}
	if ob.db == "" {
		if !strings.HasPrefix(o.db, "sqlite:"+tmp) {
			return ob, fmt.Errorf("--baseline needs --baseline-db, a database of its own: the two builds' schemas may differ")
		}
		ob.db = "sqlite:" + filepath.Join(tmp, "baseline.db")
	}
	if ob.db == o.db {
		return ob, fmt.Errorf("--baseline-db is --db: each build needs a database of its own")
	}
	return ob, nil
}

// compare runs the selected scenarios (all but the ceiling's) on the
// baseline and the current build, o.compareRounds times each, alternating
// which goes first.
func compare(ctx context.Context, o, ob options, self string, selected map[string]bool) (map[string][]comparedRound, []scenario, error) {
	out := map[string][]comparedRound{}
	var ran []scenario
	for _, sc := range scenarios {
		if (len(selected) > 0 && !selected[sc.name]) || sc.server == serverCeiling {
			continue
		}
		rounds, err := compareScenario(ctx, o, ob, self, sc)
		if err != nil {
			return nil, nil, fmt.Errorf("compare %s: %w", sc.name, err)
		}
		if rounds != nil {
			out[sc.name] = rounds
			ran = append(ran, sc)
		}
	}
	return out, ran, nil
}

func compareScenario(ctx context.Context, o, ob options, self string, sc scenario) ([]comparedRound, error) {
	type side struct {
		o   options
		srv *process
		fix *fixture
	}
	var sides [2]side // baseline, current
	for i, opts := range []options{ob, o} {
		srv, fix, err := startLoaded(ctx, opts, sc.server, self)
		if err != nil {
			return nil, err
		}
		defer srv.stop()
		fix.token = opts.token
		if sc.skip != nil {
			if why := sc.skip(fix); why != "" {
				fmt.Fprintf(os.Stderr, "%-16s skipped: %s\n", sc.name, why)
				return nil, nil
			}
		}
		sides[i] = side{opts, srv, fix}
	}
	var rounds []comparedRound
	for i := range o.compareRounds {
		var r [2]result
		for _, k := range [][2]int{{0, 1}, {1, 0}}[i%2] { // alternate which goes first
			s := sides[k]
			var err error
			if r[k], err = attack(ctx, s.o, sc, s.fix, s.srv); err != nil {
				return nil, err
			}
		}
		fmt.Fprintf(os.Stderr, "%-16s round %d: server CPU %.3f → %.3f ms/req (%.2f)\n", sc.name, i+1, msf(r[0].cpuPerReq), msf(r[1].cpuPerReq), ratio(r[1], r[0]))
		rounds = append(rounds, comparedRound{baseline: r[0], current: r[1]})
	}
	return rounds, nil
}

// ratio is current's server CPU per request over baseline's, 0 when
// either has none measured.
func ratio(current, baseline result) float64 {
	if baseline.cpuPerReq <= 0 || current.cpuPerReq <= 0 {
		return 0
	}
	return float64(current.cpuPerReq) / float64(baseline.cpuPerReq)
}

// reportComparison writes, per scenario, both builds' server CPU per
// request and the pairwise ratios with their median.
func reportComparison(w io.Writer, o options, ran []scenario, rounds map[string][]comparedRound) {
	engine := strings.SplitN(o.db, ":", 2)[0]
	fmt.Fprintf(w, "\n%s against the baseline %s, engine %s, %d concurrent clients, %d rounds of %s each (after %s warm-up), both servers up\n\n",
		o.bin, o.baseline, engine, o.concurrency, o.compareRounds, o.duration, o.warmup)
	fmt.Fprintln(w, "| scenario | baseline server CPU ms/req | current server CPU ms/req | current ÷ baseline, pairwise | median | baseline req/s | current req/s | errors | SQL/req baseline → current |")
	fmt.Fprintln(w, "|---|---|---|---|---:|---|---|---:|---|")
	for _, sc := range ran {
		rs := rounds[sc.name]
		var base, cur, ratios, baseRPS, curRPS []float64
		errs := 0
		for _, r := range rs {
			base, cur = append(base, msf(r.baseline.cpuPerReq)), append(cur, msf(r.current.cpuPerReq))
			if x := ratio(r.current, r.baseline); x > 0 { // a run too short for the CPU clock's ticks has none
				ratios = append(ratios, x)
			}
			baseRPS, curRPS = append(baseRPS, r.baseline.rps), append(curRPS, r.current.rps)
			errs += r.baseline.errors + r.current.errors
		}
		last := rs[len(rs)-1]
		pairwise, mid := "–", "–"
		if len(ratios) > 0 {
			pairwise, mid = span(ratios, "%.2f"), fmt.Sprintf("%.2f", median(ratios))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %d | %s → %s |\n", sc.name,
			span(base, "%.3f"), span(cur, "%.3f"), pairwise, mid, span(baseRPS, "%.0f"), span(curRPS, "%.0f"), errs,
			sqlPerReq(last.baseline), sqlPerReq(last.current))
	}
}

// span is the range of xs, "min–max".
func span(xs []float64, format string) string {
	lo, hi := slices.Min(xs), slices.Max(xs)
	if fmt.Sprintf(format, lo) == fmt.Sprintf(format, hi) {
		return fmt.Sprintf(format, lo)
	}
	return fmt.Sprintf(format+"–"+format, lo, hi)
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

func sqlPerReq(r result) string {
	if r.sqlPerReq < 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", r.sqlPerReq)
}
