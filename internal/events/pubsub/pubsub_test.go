package pubsub_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/testkit/wait"

	"github.com/broadsheet/broadsheet/internal/events/pubsub"
	"github.com/broadsheet/broadsheet/internal/testkit/brokertest"
)

const waitFor = 30 * time.Second

var quiet = pubsub.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Timeout: time.Second}

// inbox collects delivered messages.
type inbox struct {
	mu   sync.Mutex
	msgs []pubsub.Message
}

func (b *inbox) handle(m pubsub.Message) { b.mu.Lock(); b.msgs = append(b.msgs, m); b.mu.Unlock() }

func (b *inbox) ids() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, len(b.msgs))
	for i, m := range b.msgs {
		out[i] = m.ID
	}
	return out
}

func open(t *testing.T, url string) pubsub.Broker {
	t.Helper()
	b, err := pubsub.Open(url, quiet)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func subscribe(t *testing.T, b pubsub.Broker) *inbox {
	t.Helper()
	in := &inbox{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := b.Subscribe(ctx, in.handle); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, b.Name()+" to be ready", func() bool { return b.Ready(context.Background()) == nil })
	return in
}

func publish(t *testing.T, b pubsub.Broker, ids ...string) {
	t.Helper()
	msgs := make([]pubsub.Message, len(ids))
	for i, id := range ids {
		msgs[i] = pubsub.Message{ID: id, Data: []byte(`{"id":"` + id + `"}`)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := b.Publish(ctx, msgs); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

func equal(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// networked returns the brokers several replicas can share, skipping those
// whose server is not there (unless required).
func networked(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"redis": func(t *testing.T) string { return brokertest.WithTopic(t, brokertest.RedisURL(t)) },
		"nats":  func(t *testing.T) string { return brokertest.WithTopic(t, brokertest.NATSURL(t)) },
	}
}

// TestReplicasHearEachOther: what one replica publishes, every replica
// receives, in order.
func TestReplicasHearEachOther(t *testing.T) {
	for name, url := range networked(t) {
		t.Run(name, func(t *testing.T) {
			u := url(t)
			a, b := open(t, u), open(t, u)
			inA, inB := subscribe(t, a), subscribe(t, b)
			publish(t, a, "1", "2")
			publish(t, b, "3")
			want := []string{"1", "2", "3"}
			wait.Until(t, "both replicas to get 3 messages", func() bool { return len(inA.ids()) >= 3 && len(inB.ids()) >= 3 })
			if !equal(inA.ids(), want) || !equal(inB.ids(), want) {
				t.Errorf("replica A got %v, B got %v, want %v", inA.ids(), inB.ids(), want)
			}
		})
	}
	t.Run("memory", func(t *testing.T) {
		m := open(t, "memory")
		in := subscribe(t, m)
		publish(t, m, "1", "2")
		wait.Until(t, "2 messages", func() bool { return len(in.ids()) == 2 })
	})
}

// TestBrokerOutage cuts one replica off its broker: it reports not ready,
// its publishes fail (so the outbox keeps the events), and once the link is
// back it receives what the other replica published meanwhile.
func TestBrokerOutage(t *testing.T) {
	for name, url := range networked(t) {
		t.Run(name, func(t *testing.T) {
			u := url(t)
			proxy := brokertest.NewProxy(t, hostOf(t, u))
			a, b := open(t, u), open(t, proxy.URL(t, u))
			inA, inB := subscribe(t, a), subscribe(t, b)
			publish(t, a, "before")
			wait.Until(t, "the first message", func() bool { return len(inB.ids()) == 1 })

			proxy.Cut()
			wait.Until(t, "the cut-off replica to report not ready", func() bool { return b.Ready(context.Background()) != nil })
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := b.Publish(ctx, []pubsub.Message{{ID: "lost", Data: []byte("{}")}})
			cancel()
			if err == nil {
				t.Error("publish through a cut link succeeded")
			}
			publish(t, a, "during")

			proxy.Restore()
			wait.Until(t, "the replica to be ready again", func() bool { return b.Ready(context.Background()) == nil })
			wait.Until(t, "the message published during the outage", func() bool { return len(inB.ids()) >= 2 })
			publish(t, b, "after")
			want := []string{"before", "during", "after"}
			wait.Until(t, "the message published after", func() bool { return len(inB.ids()) >= 3 && len(inA.ids()) >= 3 })
			if !equal(inB.ids(), want) || !equal(inA.ids(), want) {
				t.Errorf("A got %v, B got %v, want %v", inA.ids(), inB.ids(), want)
			}
		})
	}
}

func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := urlParse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"memory", true}, {"", true}, {"redis://127.0.0.1:6379/0", true}, {"nats://127.0.0.1:4222", true},
		{"redis://127.0.0.1:6379/0?topic=x", true}, {"kafka://x", false}, {"redis://", false},
	} {
		if err := pubsub.Check(c.url); (err == nil) != c.ok {
			t.Errorf("Check(%q) = %v, want ok=%v", c.url, err, c.ok)
		}
	}
}

// TestPublishRightAfterSubscribe: a message published the moment Subscribe
// returns reaches the subscriber. A replica's relay publishes right after
// its hub subscribes; a reader that fixed its starting point later, in the
// background, skipped such messages for good.
func TestPublishRightAfterSubscribe(t *testing.T) {
	for name, url := range networked(t) {
		t.Run(name, func(t *testing.T) {
			u := url(t)
			publisher := open(t, u)
			for i := range 10 {
				b := open(t, u)
				in := &inbox{}
				ctx, cancel := context.WithCancel(context.Background())
				if err := b.Subscribe(ctx, in.handle); err != nil {
					t.Fatal(err)
				}
				id := fmt.Sprint("right-after-", i)
				publish(t, publisher, id)
				wait.Until(t, "the message published right after subscribing", func() bool { return equal(in.ids(), []string{id}) })
				cancel()
			}
		})
	}
}

// TestIdentity: replicas on one Redis database and stream, or one NATS
// stream, share an identity however the URL is spelled (password, case,
// default port, server order); another database, stream or server is
// another identity; every in-memory broker is its own.
func TestIdentity(t *testing.T) {
	id := func(raw string) string {
		t.Helper()
		b, err := pubsub.Open(raw, quiet)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		return b.Identity()
	}
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"redis://127.0.0.1:6379/0", "redis://:secret@127.0.0.1:6379/0", true},
		{"redis://Cache.Example:6379/2", "redis://cache.example/2", true},
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1", false},
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0?topic=other", false},
		{"redis://127.0.0.1:6379/0?topic=broadsheet.events", "redis://127.0.0.1:6379/0", true},
		{"redis://10.0.0.1:6379/0", "redis://10.0.0.2:6379/0", false},
		{"nats://127.0.0.1:1,nats://127.0.0.2:1", "nats://127.0.0.2:1,nats://127.0.0.1:1", true},
		{"nats://127.0.0.1:1", "nats://127.0.0.1:1?topic=other", false},
		{"memory", "memory", false},
	} {
		a, b := id(c.a), id(c.b)
		if (a == b) != c.same {
			t.Errorf("%s → %q, %s → %q: same=%v, want %v", c.a, a, c.b, b, a == b, c.same)
		}
		if strings.Contains(a+b, "secret") {
			t.Errorf("identity shows a password: %q %q", a, b)
		}
	}
}
