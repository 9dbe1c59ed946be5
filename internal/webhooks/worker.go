package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/broadsheet/broadsheet/internal/retry"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/cachekey"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/models"
)

// Worker turns outbox events into deliveries and sends them.
type Worker struct {
	store   Store
	content *content.Service
	cfg     Config
	client  *http.Client
	log     *slog.Logger
	wake    chan struct{}
}

// NewWorker returns a worker; content loads the objects events are about.
func NewWorker(st Store, svc *content.Service, cfg Config, log *slog.Logger) *Worker {
	cfg.defaults()
	if log == nil {
		log = slog.Default()
	}
	return &Worker{
		store: st, content: svc, cfg: cfg, log: log, wake: make(chan struct{}, 1),
		client: &http.Client{
			Timeout:   cfg.Timeout,
			Transport: &http.Transport{DialContext: guardedDialer(cfg.AllowPrivate).DialContext, MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute},
			// A redirect is not a delivery: receivers answer the URL they registered.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// Wake asks a running worker to look for work now (after a commit).
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// eventName maps an outbox event to the name webhooks subscribe to; ""
// means webhooks do not hear of it (drafts' changes stay inside).
func eventName(e events.Event) string {
	switch e.Type {
	case events.ArticlePublished:
		return ArticlePublished
	case events.ArticleUpdated:
		if e.Payload.Article != nil && e.Payload.Article.ReaderVisible {
			return ArticleUpdated
		}
	case events.ArticleUnpublished:
		return ArticleUnpublished
	case events.ArticleDeleted:
		if e.Payload.Article != nil && e.Payload.Article.WasReaderVisible {
			return ArticleDeleted
		}
	case events.ArticleReviewChanged:
		return ArticleReviewChanged
	case events.AuthorCreated, events.AuthorUpdated, events.AuthorDeleted:
		return AuthorChanged
	case events.NewsletterConfirmed:
		return SubscriptionConfirmed
	case events.NewsletterRemoved:
		return SubscriptionRemoved
	}
	return ""
}

// Body is the JSON every delivery posts.
type Body struct {
	ID string `json:"id"`
	// Sequence numbers this webhook's deliveries in the order they were
	// queued: receivers order by it (attempts and retries can arrive out
	// of order) and drop repeats by ID.
	Sequence   uint64    `json:"sequence"`
	Type       string    `json:"type"`
	OccurredAt time.Time `json:"occurredAt"`
	Object     any       `json:"object"`
	// SurrogateKeys are the cache keys the change invalidates, as answers
	// carry them in Surrogate-Key / Cache-Tag: a receiver in front of a CDN
	// purges exactly these (none for newsletter events).
	SurrogateKeys []string `json:"surrogateKeys,omitempty"`
}

// object describes what an event is about, as a receiver needs it.
func (w *Worker) object(ctx context.Context, e events.Event) (any, error) {
	switch e.ObjectType {
	case events.ObjectArticle:
		a, err := w.content.ArticleForEvent(ctx, e.ObjectID)
		if err != nil || a == nil {
			return map[string]any{"id": globalid.ID(globalid.TypeArticle, e.ObjectID)}, err
		}
		o := map[string]any{"id": globalid.ID(globalid.TypeArticle, a.ID), "slug": a.Slug, "locale": a.Locale, "status": a.Status, "version": a.Version}
		// The address, also of an article gone from the site: a receiver
		// purges or rebuilds that page.
		section := ""
		if a.Relations != nil && a.Relations.Category != nil {
			section = a.Relations.Category.Slug
		}
		o["url"], o["path"] = w.content.ArticleURL(a, section)
		if r := e.Payload.Review; r != nil {
			// The newsroom's own systems (a review queue in chat): the
			// transition, its note and who made it, never the draft itself.
			o["review"] = map[string]any{"state": r.State, "note": r.Note, "actor": e.Actor, "accountId": r.AccountID}
		}
		if !content.ReaderVisible(a, e.OccurredAt) {
			return o, nil // gone from the site: say which, not what
		}
		var tags, authors []string
		var category any
		if a.Relations != nil {
			for _, t := range a.Relations.Tags {
				tags = append(tags, t.Slug)
			}
			for _, au := range a.Relations.Authors {
				authors = append(authors, au.Name)
			}
			if a.Relations.Category != nil {
				category = a.Relations.Category.Slug
			}
		}
		o["title"], o["subtitle"], o["excerpt"] = a.Title, a.Subtitle, a.Excerpt
		o["publishedAt"], o["updatedAt"], o["canonicalUrl"] = a.PublishedAt, a.UpdatedAt, a.CanonicalURL
		o["category"], o["tags"], o["authors"] = category, tags, authors
		return o, nil
	case events.ObjectAuthor:
		a, err := w.content.AuthorForEvent(ctx, e.ObjectID)
		if err != nil || a == nil {
			return map[string]any{"id": globalid.ID(globalid.TypeAuthor, e.ObjectID)}, err
		}
		u, p := w.content.Publication().Links.Author(a.Slug)
		return map[string]any{"id": globalid.ID(globalid.TypeAuthor, a.ID), "slug": a.Slug, "name": a.Name, "deleted": a.DeletedAt != nil, "url": u, "path": p}, nil
	case events.ObjectSubscriber:
		return e.Payload.Subscriber, nil
	}
	return map[string]any{"type": e.ObjectType, "id": e.ObjectID}, nil
}

// Dispatch turns pending outbox events into deliveries, one per webhook
// that listens for the event. Running it twice for the same event adds
// nothing: a delivery is unique per webhook and event.
func (w *Worker) Dispatch(ctx context.Context) (int, error) {
	total := 0
	for {
		hooks, err := w.store.ListWebhooks(ctx, true)
		if err != nil {
			return total, err
		}
		n, err := w.store.HandlePending(ctx, events.ConsumerWebhooks, 100, func(rows []*models.OutboxEvent) error {
			var ds []*models.WebhookDelivery
			bodies := map[*models.WebhookDelivery]Body{}
			for _, r := range rows {
				e, err := events.FromRow(r)
				if err != nil {
					w.log.ErrorContext(ctx, "skip undecodable event", "event", r.EventID, "err", err)
					continue
				}
				name := eventName(e)
				if name == "" {
					continue
				}
				var listeners []*models.Webhook
				for _, h := range hooks {
					for _, ev := range Events(h) {
						if ev == name {
							listeners = append(listeners, h)
						}
					}
				}
				if len(listeners) == 0 {
					continue
				}
				obj, err := w.object(ctx, e)
				if err != nil {
					return err
				}
				body := Body{ID: e.ID, Type: name, OccurredAt: e.OccurredAt, Object: obj, SurrogateKeys: cachekey.ForObject(e.ObjectType, e.ObjectID)}
				now := w.cfg.Now().UTC()
				for _, h := range listeners {
					d := &models.WebhookDelivery{WebhookID: h.ID, EventID: e.ID, EventType: name, Status: models.DeliveryPending, NextAttemptAt: now, CreatedAt: now}
					bodies[d] = body
					ds = append(ds, d)
				}
			}
			// The body carries the delivery's sequence number, known once
			// it is queued.
			return w.store.QueueDeliveries(ctx, ds, func(d *models.WebhookDelivery) error {
				body := bodies[d]
				body.Sequence = d.Sequence
				b, err := json.Marshal(body)
				if err != nil {
					return fmt.Errorf("encode webhook body of event %s: %w", d.EventID, err)
				}
				d.Body = string(b)
				return nil
			})
		})
		total += n
		if err != nil || n < 100 {
			return total, err
		}
	}
}

// slots runs delivery attempts: at most Concurrency at once, and at most
// PerWebhook of them to one webhook. It claims only as many due
// deliveries as it has free slots and starts each at once, so a receiver
// that hangs holds its own slots until its attempts time out, and the
// others keep being served. Its methods are called from one goroutine.
type slots struct {
	w         *Worker
	ctx       context.Context // for attempts: stopping lets them finish
	busy      int
	perHook   map[uint64]int
	ended     chan outcome
	delivered int
}

type outcome struct {
	webhookID uint64
	ok        bool
}

func (w *Worker) newSlots(ctx context.Context) *slots {
	return &slots{w: w, ctx: context.WithoutCancel(ctx), perHook: map[uint64]int{}, ended: make(chan outcome, w.cfg.Concurrency)}
}

// fill claims due deliveries for the free slots and starts them.
func (s *slots) fill(ctx context.Context) error {
	free := s.w.cfg.Concurrency - s.busy
	if free <= 0 {
		return nil
	}
	ds, err := s.w.store.ClaimDeliveries(ctx, s.w.cfg.Now().UTC(), s.w.cfg.Timeout+time.Minute, free, s.w.cfg.PerWebhook, s.perHook)
	for _, d := range ds {
		s.busy++
		s.perHook[d.WebhookID]++
		go func() { s.ended <- outcome{d.WebhookID, s.w.attempt(s.ctx, d)} }()
	}
	return err
}

// free records that an attempt ended, and any others that have since.
func (s *slots) free(o outcome) {
	for {
		s.busy--
		if s.perHook[o.webhookID]--; s.perHook[o.webhookID] <= 0 {
			delete(s.perHook, o.webhookID)
		}
		if o.ok {
			s.delivered++
		}
		select {
		case o = <-s.ended:
		default:
			return
		}
	}
}

// drain waits for every attempt in flight.
func (s *slots) drain() {
	for s.busy > 0 {
		s.free(<-s.ended)
	}
}

// Deliver sends every delivery that is due and returns when none is left
// and every attempt has ended (tests and one-off runs; Run delivers
// continuously). It counts the deliveries that landed.
func (w *Worker) Deliver(ctx context.Context) (delivered int, err error) {
	s := w.newSlots(ctx)
	for {
		if err = s.fill(ctx); err != nil || s.busy == 0 {
			s.drain()
			return s.delivered, err
		}
		s.free(<-s.ended)
	}
}

// attempt makes one delivery attempt and records its outcome.
func (w *Worker) attempt(ctx context.Context, d *models.WebhookDelivery) bool {
	h, err := w.store.WebhookByID(ctx, d.WebhookID)
	if err != nil {
		w.log.ErrorContext(ctx, "load webhook", "webhook", d.WebhookID, "err", err)
		return false
	}
	now := func() time.Time { return w.cfg.Now().UTC() }
	d.LockedUntil = nil
	if h == nil || !h.Active {
		d.Status, d.LastError = models.DeliveryFailed, "the webhook was deleted or deactivated"
		w.finish(ctx, d)
		return false
	}
	code, sendErr := w.post(ctx, h, d)
	d.LastStatusCode = code
	switch {
	case sendErr == nil:
		t := now()
		d.Status, d.DeliveredAt, d.LastError = models.DeliveryDelivered, &t, ""
	case d.Attempts >= w.cfg.MaxAttempts:
		d.Status, d.LastError = models.DeliveryFailed, apperr.Clip(sendErr.Error(), 900)
		w.log.WarnContext(ctx, "webhook delivery failed for good", "delivery", d.ID, "webhook", h.ID, "attempts", d.Attempts, "err", sendErr)
	default:
		d.NextAttemptAt, d.LastError = now().Add(retry.Delay(w.cfg.Backoff, d.Attempts)), apperr.Clip(sendErr.Error(), 900)
	}
	w.finish(ctx, d)
	return sendErr == nil
}

func (w *Worker) finish(ctx context.Context, d *models.WebhookDelivery) {
	if err := w.store.FinishDelivery(context.WithoutCancel(ctx), d); err != nil {
		w.log.ErrorContext(ctx, "record webhook delivery", "delivery", d.ID, "err", err)
	}
}

// post sends one signed request; any answer but 2xx is a failure.
func (w *Worker) post(ctx context.Context, h *models.Webhook, d *models.WebhookDelivery) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	body := []byte(d.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts := w.cfg.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Broadsheet-Webhooks/1")
	req.Header.Set(HeaderID, d.EventID)
	req.Header.Set(HeaderEvent, d.EventType)
	if d.Sequence > 0 {
		req.Header.Set(HeaderSequence, strconv.FormatUint(d.Sequence, 10))
	}
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(h.Secret, ts, body))
	res, err := w.client.Do(req)
	if err != nil {
		return 0, errorf("POST %s: %w", h.URL, err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, errorf("POST %s: HTTP %d", h.URL, res.StatusCode)
	}
	return res.StatusCode, nil
}

// Run dispatches and delivers until ctx ends. Dispatching runs on its
// own, when woken (after a commit) and every interval, so new events never
// wait behind sends; delivering claims whenever a slot frees up, when
// dispatching added work, and every interval (for retries that fall due).
// After ctx ends Run returns once the attempts in flight have ended or
// timed out; they are recorded as usual.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	dispatched := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			n, err := w.Dispatch(ctx)
			if err != nil && ctx.Err() == nil {
				w.log.ErrorContext(ctx, "webhook dispatch", "err", err)
			}
			if n > 0 {
				select {
				case dispatched <- struct{}{}:
				default:
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-w.wake:
			}
		}
	}()
	defer wg.Wait()

	s := w.newSlots(ctx)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if ctx.Err() == nil {
			if err := s.fill(ctx); err != nil && ctx.Err() == nil {
				w.log.ErrorContext(ctx, "webhook delivery", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			s.drain()
			return
		case o := <-s.ended:
			s.free(o)
		case <-dispatched:
		case <-t.C:
		}
	}
}
