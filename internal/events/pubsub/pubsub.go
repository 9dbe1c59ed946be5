// Package pubsub carries events between gateway replicas: a Broker publishes
// messages and delivers every message to every replica's handler. Brokers:
// in-process memory (one replica), Redis streams and NATS JetStream (several
// replicas). A broker that goes away is reconnected to in the background;
// Ready says whether it can publish and deliver right now.
package pubsub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Message is one event on the wire. ID is the event's unique id, which
// brokers that can use it for de-duplication do.
type Message struct {
	ID   string
	Data []byte
}

// Handler receives each delivered message. It runs on the broker's delivery
// goroutine, one message at a time, in publication order.
type Handler func(Message)

// Broker publishes messages to every replica and delivers what any replica
// published.
type Broker interface {
	// Publish sends msgs and returns once the broker has them (nil) or not.
	Publish(ctx context.Context, msgs []Message) error
	// Subscribe delivers every message published from now on to h until ctx
	// ends, reconnecting by itself. It returns at once.
	Subscribe(ctx context.Context, h Handler) error
	// Ready reports nil when the broker is reachable.
	Ready(ctx context.Context) error
	// Name describes the broker for logs and readiness reports.
	Name() string
	// Identity names where the messages go, the same for every replica
	// whose subscribers hear each other through this broker and different
	// otherwise: "memory:…" is unique to one process, "redis:HOST:PORT/DB#
	// STREAM" and "nats:HOSTS#STREAM" are shared by every replica on that
	// stream. The outbox relay keeps its progress under it.
	Identity() string
	// Close releases the connection.
	Close() error
}

// ErrNotReady is returned by Publish when the broker cannot take messages.
var ErrNotReady = errors.New("broker not reachable")

// Options tune the networked brokers.
type Options struct {
	Logger *slog.Logger
	// Topic names the Redis stream or NATS subject (default
	// "broadsheet.events"); replicas that should hear each other share it.
	Topic string
	// MaxLen bounds how many messages the Redis stream or NATS stream keeps
	// for replicas catching up after a disconnection (default 100000).
	MaxLen int64
	// Timeout bounds one publish or connection attempt (default 2s).
	Timeout time.Duration
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Topic == "" {
		o.Topic = "broadsheet.events"
	}
	if o.MaxLen == 0 {
		o.MaxLen = 100000
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second
	}
}

// Open returns the broker named by rawURL: "memory", "redis://HOST:PORT/DB"
// or "nats://HOST:PORT". It does not wait for a networked broker to answer:
// the gateway starts, and subscriptions become ready, when it does.
//
// A "topic" query parameter names the Redis stream or NATS subject
// (default broadsheet.events), so several newsrooms or test runs can share
// one server: redis://127.0.0.1:6379/0?topic=paper.events.
func Open(rawURL string, opts Options) (Broker, error) {
	rawURL, topic := splitTopic(rawURL)
	if topic != "" {
		opts.Topic = topic
	}
	opts.defaults()
	switch {
	case rawURL == "" || rawURL == "memory":
		return NewMemory(), nil
	case strings.HasPrefix(rawURL, "redis://"), strings.HasPrefix(rawURL, "rediss://"):
		return NewRedis(rawURL, opts)
	case strings.HasPrefix(rawURL, "nats://"), strings.HasPrefix(rawURL, "tls://"):
		return NewNATS(rawURL, opts)
	}
	return nil, fmt.Errorf("pubsub %q: want memory, redis://HOST:PORT/DB or nats://HOST:PORT", Redact(rawURL))
}

// Redact masks any password in a broker URL.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		if raw == "memory" || raw == "" {
			return "memory"
		}
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// reconnect paces a broker's reconnection attempts: 100ms doubling to 5s.
func reconnect() *backoff.ExponentialBackOff {
	b := &backoff.ExponentialBackOff{InitialInterval: 100 * time.Millisecond, Multiplier: 2, MaxInterval: 5 * time.Second}
	b.Reset()
	return b
}

// serverIdentity is the part of a broker URL that names the server: its
// lower-cased host:port (each, sorted, for a comma-separated list), without
// credentials, scheme, path or query.
func serverIdentity(raw, defaultPort string) string {
	var hosts []string
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if !strings.Contains(part, "://") {
			part = "x://" + part // a bare host after the first URL's comma
		}
		u, err := url.Parse(part)
		if err != nil {
			return Redact(raw)
		}
		h := strings.ToLower(u.Host)
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), defaultPort)
		}
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	return strings.Join(hosts, ",")
}

// Check reports whether rawURL names a broker Open understands, without
// connecting.
func Check(rawURL string) error {
	switch {
	case rawURL == "" || rawURL == "memory":
		return nil
	case strings.HasPrefix(rawURL, "redis://"), strings.HasPrefix(rawURL, "rediss://"),
		strings.HasPrefix(rawURL, "nats://"), strings.HasPrefix(rawURL, "tls://"):
		u, err := url.Parse(rawURL)
		if err != nil || u.Host == "" {
			return fmt.Errorf("pubsub %q: want SCHEME://HOST:PORT", Redact(rawURL))
		}
		return nil
	}
	return fmt.Errorf("pubsub %q: want memory, redis://HOST:PORT/DB or nats://HOST:PORT", Redact(rawURL))
}

// splitTopic removes the topic query parameter from a broker URL.
func splitTopic(rawURL string) (string, string) {
	u, err := url.Parse(rawURL)
	if err != nil || u.RawQuery == "" {
		return rawURL, ""
	}
	q := u.Query()
	topic := q.Get("topic")
	q.Del("topic")
	u.RawQuery = q.Encode()
	return u.String(), topic
}
