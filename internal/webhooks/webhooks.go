// Package webhooks tells the newsroom's other systems (the mailing service,
// the CDN, search indexers) about changes: signed JSON POSTs made from the
// same event outbox as live updates, retried with backoff until they land,
// and never able to slow the API or each other down.
package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// Event names, as webhooks subscribe to them (the WebhookEvent enum).
const (
	ArticlePublished      = "ARTICLE_PUBLISHED"
	ArticleUpdated        = "ARTICLE_UPDATED"
	ArticleUnpublished    = "ARTICLE_UNPUBLISHED"
	ArticleDeleted        = "ARTICLE_DELETED"
	AuthorChanged         = "AUTHOR_CHANGED"
	SubscriptionConfirmed = "NEWSLETTER_SUBSCRIPTION_CONFIRMED"
	SubscriptionRemoved   = "NEWSLETTER_SUBSCRIPTION_REMOVED"
	ArticleReviewChanged  = "ARTICLE_REVIEW_CHANGED"
)

// AllEvents lists every event name.
var AllEvents = []string{ArticlePublished, ArticleUpdated, ArticleUnpublished, ArticleDeleted, AuthorChanged, SubscriptionConfirmed, SubscriptionRemoved, ArticleReviewChanged}

// Config tunes webhooks.
type Config struct {
	// AllowPrivate lets webhooks target loopback and private addresses
	// (local development and tests). Off by default: an SSRF guard.
	AllowPrivate bool
	// MaxAttempts before a delivery is marked failed (default 10).
	MaxAttempts int
	// Backoff is the first retry delay, doubled each time (default 10s).
	Backoff time.Duration
	// Timeout is how long one delivery may take (default 10s).
	Timeout time.Duration
	// Concurrency is how many deliveries run at once (default 8).
	Concurrency int
	// PerWebhook is how many of those may go to one webhook at once
	// (default a quarter of Concurrency, at least 1), so a dead receiver
	// with a backlog holds its share of the slots, not all of them.
	PerWebhook int
	// Now replaces time.Now in tests.
	Now func() time.Time
}

func (c *Config) defaults() {
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 10
	}
	if c.Backoff == 0 {
		c.Backoff = 10 * time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.PerWebhook <= 0 {
		c.PerWebhook = max(1, c.Concurrency/4)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Service manages webhooks (admins only; the schema enforces that).
type Service struct {
	store Store
	cfg   Config
}

// New returns the webhook service.
func New(st Store, cfg Config) *Service {
	cfg.defaults()
	return &Service{store: st, cfg: cfg}
}

// Input describes a webhook; nil fields are left as they are on update.
type Input struct {
	URL         *string
	Events      []string
	Description *string
	Active      *bool
}

func (s *Service) validate(ctx context.Context, w *models.Webhook) apperr.FieldErrors {
	var errs apperr.FieldErrors
	u, err := url.Parse(w.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(w.URL) > 2048:
		errs = append(errs, apperr.Invalidf("url", "url must be an absolute http(s) URL without credentials"))
	case !s.cfg.AllowPrivate:
		if err := checkHost(ctx, u.Hostname()); err != nil {
			errs = append(errs, apperr.Invalidf("url", "%v (private and loopback targets are refused unless --webhooks-allow-private is set)", err))
		}
	}
	events := split(w.Events)
	if len(events) == 0 {
		errs = append(errs, apperr.Invalidf("events", "choose at least one event"))
	}
	for _, e := range events {
		if !slices.Contains(AllEvents, e) {
			errs = append(errs, apperr.Invalidf("events", "unknown event %q", e))
		}
	}
	if len(w.Description) > 1000 {
		errs = append(errs, apperr.Invalidf("description", "description is longer than 1000 characters"))
	}
	return errs
}

func split(csv string) []string {
	if csv == "" {
		return nil
	}
	return strings.Split(csv, ",")
}

// Events returns a webhook's event names.
func Events(w *models.Webhook) []string { return split(w.Events) }

func join(events []string) string {
	c := slices.Clone(events)
	slices.Sort(c)
	return strings.Join(slices.Compact(c), ",")
}

// Create adds a webhook and returns it with its secret, which is shown only now.
func (s *Service) Create(ctx context.Context, in Input) (*models.Webhook, string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, "", err
	}
	now := s.cfg.Now().UTC()
	w := &models.Webhook{Events: join(in.Events), Secret: "whsec_" + base64.RawURLEncoding.EncodeToString(b[:]), Active: true, CreatedAt: now, UpdatedAt: now}
	if in.URL != nil {
		w.URL = strings.TrimSpace(*in.URL)
	}
	if in.Description != nil {
		w.Description = *in.Description
	}
	if in.Active != nil {
		w.Active = *in.Active
	}
	if errs := s.validate(ctx, w); len(errs) > 0 {
		return nil, "", errs
	}
	if err := s.store.SaveWebhook(ctx, w); err != nil {
		return nil, "", err
	}
	return w, w.Secret, nil
}

func (s *Service) load(ctx context.Context, id uint64) (*models.Webhook, error) {
	w, err := s.store.WebhookByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if w == nil {
		return nil, &apperr.Error{Kind: apperr.NotFound, Field: "id", Message: "no such webhook"}
	}
	return w, nil
}

// Update changes a webhook.
func (s *Service) Update(ctx context.Context, id uint64, in Input) (*models.Webhook, error) {
	w, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.URL != nil {
		w.URL = strings.TrimSpace(*in.URL)
	}
	if in.Events != nil {
		w.Events = join(in.Events)
	}
	if in.Description != nil {
		w.Description = *in.Description
	}
	if in.Active != nil {
		w.Active = *in.Active
	}
	if errs := s.validate(ctx, w); len(errs) > 0 {
		return nil, errs
	}
	w.UpdatedAt = s.cfg.Now().UTC()
	return w, s.store.SaveWebhook(ctx, w)
}

// Delete removes a webhook; its pending deliveries are dropped.
func (s *Service) Delete(ctx context.Context, id uint64) (*models.Webhook, error) {
	w, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	w.DeletedAt, w.Active, w.UpdatedAt = &now, false, now
	return w, s.store.SaveWebhook(ctx, w)
}

// List returns every webhook.
func (s *Service) List(ctx context.Context) ([]*models.Webhook, error) {
	return s.store.ListWebhooks(ctx, false)
}

// Deliveries lists a webhook's deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, webhookID uint64, args page.Args) (*page.List[*models.WebhookDelivery], error) {
	p, err := args.Request(true)
	if err != nil {
		return nil, err
	}
	return page.Load(ctx, p, func(ctx context.Context) (int64, error) { return s.store.CountDeliveries(ctx, webhookID) },
		func(ctx context.Context, p page.Request) (*page.List[*models.WebhookDelivery], error) {
			return s.store.ListDeliveries(ctx, webhookID, p)
		})
}

// Retry sends a failed (or pending) delivery again from scratch.
func (s *Service) Retry(ctx context.Context, deliveryID uint64) (*models.WebhookDelivery, error) {
	d, err := s.store.DeliveryByID(ctx, deliveryID)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, &apperr.Error{Kind: apperr.NotFound, Field: "id", Message: "no such delivery"}
	}
	if d.Status == models.DeliveryDelivered {
		return nil, apperr.Invalidf("id", "the delivery has already landed")
	}
	d.Status, d.Attempts, d.NextAttemptAt, d.LockedUntil = models.DeliveryPending, 0, s.cfg.Now().UTC(), nil
	return d, s.store.FinishDelivery(ctx, d)
}

// errorf wraps delivery failures.
func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
