package pubsub

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/broadsheet/broadsheet/internal/retry"
)

// NATS is a broker on a NATS JetStream stream. Publishing waits for the
// stream's acknowledgement and passes the event id as Nats-Msg-Id, so the
// server drops a duplicate publish; each replica reads through an ordered
// consumer that resumes after the last message it saw when the connection
// comes back.
type NATS struct {
	nc        *nats.Conn
	js        jetstream.JetStream
	opts      Options
	url       string
	stream    string
	id        string
	consuming atomic.Bool // the ordered consumer is set up (it survives reconnects)
}

// NewNATS returns a broker on the NATS server at rawURL (nats://HOST:PORT).
// The connection is retried in the background until it succeeds.
func NewNATS(rawURL string, opts Options) (*NATS, error) {
	opts.defaults()
	n := &NATS{opts: opts, url: Redact(rawURL), stream: streamName(opts.Topic)}
	n.id = "nats:" + serverIdentity(rawURL, "4222") + "#" + n.stream
	nc, err := nats.Connect(rawURL,
		nats.Name("broadsheet"),
		nats.Timeout(opts.Timeout),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		// No client-side buffer while reconnecting: a publish either reaches
		// the server or fails, and the outbox keeps the event until it does.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err == nil { // the server closed the connection cleanly
				opts.Logger.Warn("live updates: NATS connection closed by the server; reconnecting", "broker", n.url)
				return
			}
			opts.Logger.Warn("live updates: NATS connection lost; reconnecting", "broker", n.url, "err", err)
		}),
		nats.ReconnectHandler(func(*nats.Conn) {
			opts.Logger.Info("live updates: NATS reconnected", "broker", n.url)
		}),
		// Asynchronous errors (a slow consumer, a permission refused) and
		// the final close go to our logger too, never to the client's own
		// output.
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			opts.Logger.Warn("live updates: NATS error", "broker", n.url, "subject", subject, "err", err)
		}),
		nats.ClosedHandler(func(*nats.Conn) {
			opts.Logger.Debug("live updates: NATS connection closed", "broker", n.url)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("pubsub %s: %w", n.url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("pubsub %s: %w", n.url, err)
	}
	n.nc, n.js = nc, js
	return n, nil
}

// streamName turns a subject into a JetStream stream name.
func streamName(topic string) string {
	return strings.ToUpper(strings.NewReplacer(".", "_", "*", "_", ">", "_").Replace(topic))
}

// Name implements Broker.
func (n *NATS) Name() string { return n.url }

// Identity implements Broker: the servers and the stream.
func (n *NATS) Identity() string { return n.id }

func (n *NATS) ensureStream(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, n.opts.Timeout)
	defer cancel()
	_, err := n.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       n.stream,
		Subjects:   []string{n.opts.Topic},
		Retention:  jetstream.LimitsPolicy,
		MaxMsgs:    n.opts.MaxLen,
		MaxAge:     24 * time.Hour,
		Storage:    jetstream.FileStorage,
		Duplicates: 2 * time.Minute,
	})
	return err
}

// Publish sends msgs and waits for JetStream to acknowledge each.
func (n *NATS) Publish(ctx context.Context, msgs []Message) error {
	if !n.nc.IsConnected() {
		return fmt.Errorf("%w: %s", ErrNotReady, n.url)
	}
	ctx, cancel := context.WithTimeout(ctx, n.opts.Timeout)
	defer cancel()
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	for _, m := range msgs {
		f, err := n.js.PublishAsync(n.opts.Topic, m.Data, jetstream.WithMsgID(m.ID))
		if err != nil {
			return fmt.Errorf("publish event %s to %s: %w", m.ID, n.url, err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			if errors.Is(err, jetstream.ErrNoStreamResponse) {
				// The stream is gone (a server without storage restarted):
				// make it again for the next attempt.
				_ = n.ensureStream(ctx)
			}
			return fmt.Errorf("publish to %s: %w", n.url, err)
		case <-ctx.Done():
			return fmt.Errorf("publish to %s: %w", n.url, ctx.Err())
		}
	}
	return nil
}

// Subscribe consumes the stream from its current end on, until ctx ends.
//
// The consumer is created before Subscribe returns when JetStream answers,
// so a message published after it returns is never missed (a replica's
// relay publishes right after its hub subscribes); otherwise it is created
// in the background once JetStream is there.
func (n *NATS) Subscribe(ctx context.Context, h Handler) error {
	startCtx, cancel := context.WithTimeout(ctx, n.opts.Timeout)
	cc, err := n.startConsumer(startCtx, h)
	cancel()
	if err != nil {
		go n.consume(ctx, h)
		return nil
	}
	n.consuming.Store(true)
	go func() {
		<-ctx.Done()
		cc.Stop()
	}()
	return nil
}

// startConsumer delivers every message published from now on to h.
func (n *NATS) startConsumer(ctx context.Context, h Handler) (jetstream.ConsumeContext, error) {
	if err := n.ensureStream(ctx); err != nil {
		return nil, err
	}
	cons, err := n.js.OrderedConsumer(ctx, n.stream, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		return nil, err
	}
	return cons.Consume(func(m jetstream.Msg) {
		id := m.Headers().Get(jetstream.MsgIDHeader)
		h(Message{ID: id, Data: m.Data()})
	}, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		if !errors.Is(err, nats.ErrConnectionReconnecting) && !errors.Is(err, nats.ErrConnectionClosed) {
			n.opts.Logger.Debug("live updates: NATS consumer", "err", err)
		}
	}))
}

func (n *NATS) consume(ctx context.Context, h Handler) {
	wait := reconnect()
	for ctx.Err() == nil {
		cc, err := n.startConsumer(ctx, h)
		if err != nil {
			n.consuming.Store(false)
			n.opts.Logger.Warn("live updates: NATS JetStream not available; retrying", "broker", n.url, "err", err)
			if !retry.Sleep(ctx, wait.NextBackOff()) {
				return
			}
			continue
		}
		wait.Reset()
		n.consuming.Store(true)
		<-ctx.Done()
		cc.Stop()
		return
	}
}

// Ready reports whether the connection is up and the consumer running.
func (n *NATS) Ready(context.Context) error {
	if !n.nc.IsConnected() {
		return fmt.Errorf("%w: %s: %s", ErrNotReady, n.url, strings.ToLower(n.nc.Status().String()))
	}
	if !n.consuming.Load() {
		return fmt.Errorf("%w: %s: event stream not set up yet", ErrNotReady, n.url)
	}
	return nil
}

// Close drains nothing and closes the connection.
func (n *NATS) Close() error {
	n.nc.Close()
	return nil
}
