package main

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/app"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// liveFlagValues are serve's flags for live updates.
type liveFlagValues struct {
	pubsub, origins             *string
	maxSubs, maxPerConn, buffer *int
	maxEntryBytes               *int
	keepAlive, sweep, retention *time.Duration
}

func intEnv(key string, fallback int) int {
	if v := env(key, ""); v != "" {
		var n int
		if _, err := fmt.Sscan(v, &n); err == nil {
			return n
		}
	}
	return fallback
}

func liveFlags(fs *flag.FlagSet) *liveFlagValues {
	return &liveFlagValues{
		pubsub:        fs.String("pubsub", env("BROADSHEET_PUBSUB", "memory"), "broker for live updates: memory (one replica), redis://HOST:PORT/DB or nats://HOST:PORT (env BROADSHEET_PUBSUB)"),
		origins:       fs.String("allowed-origins", env("BROADSHEET_ALLOWED_ORIGINS", ""), "comma-separated browser origins allowed to open websockets and call /graphql from their pages (CORS) besides the server's own, e.g. https://news.example.com,*.example.org; * allows any (env BROADSHEET_ALLOWED_ORIGINS)"),
		maxSubs:       fs.Int("max-subscriptions", intEnv("BROADSHEET_MAX_SUBSCRIPTIONS", 20000), "most live subscriptions this replica takes; 0 for no cap (env BROADSHEET_MAX_SUBSCRIPTIONS)"),
		maxPerConn:    fs.Int("max-subscriptions-per-connection", intEnv("BROADSHEET_MAX_SUBSCRIPTIONS_PER_CONNECTION", 20), "most subscriptions on one websocket; 0 for no cap (env BROADSHEET_MAX_SUBSCRIPTIONS_PER_CONNECTION)"),
		buffer:        fs.Int("subscriber-buffer", intEnv("BROADSHEET_SUBSCRIBER_BUFFER", 64), "events one subscriber may have undelivered before it is disconnected as too slow (env BROADSHEET_SUBSCRIBER_BUFFER)"),
		keepAlive:     fs.Duration("ws-keepalive", server.DefaultKeepAlive, "interval of websocket pings and keep-alive messages; a peer that misses a ping for as long is dropped"),
		sweep:         fs.Duration("outbox-sweep", 30*time.Second, "how often the outbox relay looks for events left unpublished (it is also woken by every commit)"),
		retention:     fs.Duration("outbox-retention", 7*24*time.Hour, "how long published events stay in the outbox table (and how far back a live-blog subscription may resume with since:)"),
		maxEntryBytes: fs.Int("max-entry-bytes", intEnv("BROADSHEET_MAX_ENTRY_BYTES", content.DefaultMaxEntryBytes), "largest Markdown body of a live-blog entry, in bytes (env BROADSHEET_MAX_ENTRY_BYTES)"),
	}
}

// config checks the flags' values.
func (f *liveFlagValues) config() (app.LiveConfig, error) {
	c := app.LiveConfig{PubSubURL: strings.TrimSpace(*f.pubsub), MaxSubscriptions: *f.maxSubs, MaxPerConnection: *f.maxPerConn,
		Buffer: *f.buffer, KeepAlive: *f.keepAlive, Sweep: *f.sweep, Retention: *f.retention, MaxEntryBytes: *f.maxEntryBytes}
	for _, o := range strings.Split(*f.origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.Origins = append(c.Origins, strings.TrimSuffix(o, "/"))
		}
	}
	return c, c.Check()
}
