// Command broadsheet-bench runs load scenarios against a running Broadsheet
// gateway. Each scenario lives in its own file and package; this file only
// dispatches.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// scenarios maps a subcommand to its entry point.
var scenarios = map[string]func(ctx context.Context, args []string) int{
	"subscribe": runSubscribe,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 || scenarios[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: broadsheet-bench SCENARIO [flags]\n\nscenarios:\n  subscribe   websocket subscribers: delivery latency, server RSS and goroutines")
		os.Exit(2)
	}
	os.Exit(scenarios[os.Args[1]](ctx, os.Args[2:]))
}
