package main

import (
	"context"
	"os"

	"github.com/broadsheet/broadsheet/cmd/broadsheet-bench/subscribe"
)

// runSubscribe is `broadsheet-bench subscribe`: N websocket subscribers,
// events published through mutations, latency from commit to client.
func runSubscribe(ctx context.Context, args []string) int {
	return subscribe.Main(ctx, args, os.Stdout, os.Stderr)
}
