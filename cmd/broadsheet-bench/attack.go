package main

import (
	"bytes"
	"context"
	"os"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

type result struct {
	scenario      scenario
	skipped       string
	requests      uint64
	rps           float64
	p50, p95, p99 time.Duration
	errors        int
	sqlPerReq     float64
	rss, peakRSS  float64
	cpuPerReq     time.Duration
	// dbCPUPerReq and clientCPUPerReq are the CPU time the database server
	// (when it runs on this machine) and the load generator spent per
	// request: with the server's, what one request costs the machine.
	dbCPUPerReq, clientCPUPerReq time.Duration
}

func attack(ctx context.Context, o options, sc scenario, f *fixture, srv *process) (result, error) {
	targeter := func(seed uint64) vegeta.Targeter { return sc.targeter(f, seed) }
	if sc.targeter == nil {
		targets := sc.targets(f)
		targeter = func(seed uint64) vegeta.Targeter { return randomTargeter(targets, seed) }
	}
	newAttacker := func() *vegeta.Attacker {
		return vegeta.NewAttacker(
			vegeta.Workers(uint64(o.concurrency)), vegeta.MaxWorkers(uint64(o.concurrency)),
			vegeta.Connections(o.concurrency), vegeta.KeepAlive(true), vegeta.Timeout(10*time.Second),
			vegeta.MaxBody(16), // enough to tell {"errors" from {"data"
		)
	}
	pace := vegeta.ConstantPacer{} // zero: as fast as the clients go
	if o.warmup > 0 {
		for range newAttacker().Attack(targeter(1), pace, o.warmup, sc.name+"-warmup") {
		}
	}
	sum0, count0 := metricSum(srv.base, "broadsheet_sql_statements_per_request")
	db, client := localDatabase(o.db, srv), &process{pid: os.Getpid()}
	cpu0, dbCPU0, clientCPU0 := srv.cpu(), db.cpu(), client.cpu()
	var m vegeta.Metrics
	errs := 0
	atk := newAttacker()
	go func() { <-ctx.Done(); atk.Stop() }()
	for res := range atk.Attack(targeter(2), pace, o.duration, sc.name) {
		if res.Error == "" && bytes.HasPrefix(res.Body, []byte(`{"errors"`)) {
			res.Error = "GraphQL errors"
		}
		if res.Error != "" {
			errs++
		}
		m.Add(res)
	}
	m.Close()
	if ctx.Err() != nil {
		return result{}, ctx.Err()
	}
	sum1, count1 := metricSum(srv.base, "broadsheet_sql_statements_per_request")
	r := result{scenario: sc, requests: m.Requests, rps: m.Throughput, p50: m.Latencies.P50, p95: m.Latencies.P95, p99: m.Latencies.P99, errors: errs, sqlPerReq: -1}
	if count1 > count0 {
		r.sqlPerReq = (sum1 - sum0) / (count1 - count0)
	}
	r.rss, r.peakRSS = srv.rss()
	if m.Requests > 0 {
		n := time.Duration(m.Requests)
		r.cpuPerReq = (srv.cpu() - cpu0) / n
		r.dbCPUPerReq = (db.cpu() - dbCPU0) / n
		r.clientCPUPerReq = (client.cpu() - clientCPU0) / n
	}
	return r, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// msf is ms for CPU times, which are in clock ticks of 10 ms but divided
// by many requests.
func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
