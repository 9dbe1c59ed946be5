package pubsub

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/broadsheet/broadsheet/internal/retry"
)

// Redis is a broker on a Redis stream. Every replica reads the stream from
// where it last was (XREAD BLOCK), so a replica whose connection drops picks
// up what it missed once it is back, as long as the stream still holds it
// (it keeps the last Options.MaxLen messages). Plain PUBLISH/SUBSCRIBE would
// lose those messages.
type Redis struct {
	rdb     *redis.Client
	opts    Options
	url     string
	id      string
	healthy atomic.Bool
}

// NewRedis returns a broker on the Redis server at rawURL
// (redis://[:PASSWORD@]HOST:PORT/DB).
func NewRedis(rawURL string, opts Options) (*Redis, error) {
	opts.defaults()
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("pubsub %s: %w", Redact(rawURL), err)
	}
	o.DialTimeout = opts.Timeout
	o.ReadTimeout = opts.Timeout
	o.WriteTimeout = opts.Timeout
	o.MaxRetries = 1
	o.PoolSize = 4
	id := fmt.Sprintf("redis:%s/%d#%s", serverIdentity(rawURL, "6379"), o.DB, opts.Topic)
	return &Redis{rdb: redis.NewClient(o), opts: opts, url: Redact(rawURL), id: id}, nil
}

// Identity implements Broker: the server, database and stream.
func (r *Redis) Identity() string { return r.id }

// Name implements Broker.
func (r *Redis) Name() string { return r.url }

// Publish appends msgs to the stream in one round trip.
func (r *Redis) Publish(ctx context.Context, msgs []Message) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	pipe := r.rdb.Pipeline()
	for _, m := range msgs {
		pipe.XAdd(ctx, &redis.XAddArgs{
			Stream: r.opts.Topic, MaxLen: r.opts.MaxLen, Approx: true,
			Values: map[string]any{"id": m.ID, "data": m.Data},
		})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("publish %d events to %s: %w", len(msgs), r.url, err)
	}
	return nil
}

// Subscribe reads the stream from its current end on, until ctx ends. The
// end is fixed before Subscribe returns, so a message published after it
// returns is never skipped (a replica's relay publishes right after its hub
// subscribes); when Redis is not reachable yet, the reader starts from the
// end it finds once it is.
func (r *Redis) Subscribe(ctx context.Context, h Handler) error {
	startCtx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	start, err := r.streamEnd(startCtx)
	cancel()
	if err != nil {
		start = ""
	}
	go r.consume(ctx, h, start)
	return nil
}

// streamEnd returns the id of the newest message in the stream ("0-0"
// when it is empty): reading after it yields only what comes next.
func (r *Redis) streamEnd(ctx context.Context) (string, error) {
	msgs, err := r.rdb.XRevRangeN(ctx, r.opts.Topic, "+", "-", 1).Result()
	if err != nil {
		return "", err
	}
	if len(msgs) == 1 {
		return msgs[0].ID, nil
	}
	return "0-0", nil
}

func (r *Redis) consume(ctx context.Context, h Handler, last string) {
	if last != "" {
		r.healthy.Store(true)
	}
	wait := reconnect()
	failures := 0
	fail := func(err error) bool {
		r.healthy.Store(false)
		if failures == 0 || failures%50 == 0 {
			r.opts.Logger.Warn("live updates: Redis unreachable; retrying", "broker", r.url, "err", err)
		}
		failures++
		return retry.Sleep(ctx, wait.NextBackOff())
	}
	for ctx.Err() == nil {
		if last == "" {
			// Start after the newest entry there is now.
			end, err := r.streamEnd(ctx)
			if err != nil {
				if !fail(err) {
					return
				}
				continue
			}
			last = end
			r.healthy.Store(true)
		} else if !r.healthy.Load() {
			if err := r.rdb.Ping(ctx).Err(); err != nil {
				if !fail(err) {
					return
				}
				continue
			}
			r.healthy.Store(true)
		}
		streams, err := r.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{r.opts.Topic, last}, Count: 1000, Block: 5 * time.Second}).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			if ctx.Err() != nil || !fail(err) {
				return
			}
			continue
		}
		if failures > 0 {
			r.opts.Logger.Info("live updates: Redis reachable again", "broker", r.url)
		}
		failures = 0
		wait.Reset()
		r.healthy.Store(true)
		for _, s := range streams {
			for _, m := range s.Messages {
				last = m.ID
				id, _ := m.Values["id"].(string)
				data, _ := m.Values["data"].(string)
				h(Message{ID: id, Data: []byte(data)})
			}
		}
	}
}

// Ready reports whether Redis answers and the stream reader is healthy.
func (r *Redis) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	if err := r.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrNotReady, r.url, err)
	}
	if !r.healthy.Load() {
		return fmt.Errorf("%w: %s: not reading the event stream yet", ErrNotReady, r.url)
	}
	return nil
}

// Close closes the connection pool.
func (r *Redis) Close() error { return r.rdb.Close() }
