package webhooks

import (
	"context"
	"time"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Store is the storage of webhooks and their deliveries, and the outbox
// the worker reads events from (*store.Store).
type Store interface {
	SaveWebhook(ctx context.Context, w *models.Webhook) error
	WebhookByID(ctx context.Context, id uint64) (*models.Webhook, error)
	ListWebhooks(ctx context.Context, activeOnly bool) ([]*models.Webhook, error)

	QueueDeliveries(ctx context.Context, ds []*models.WebhookDelivery, render func(*models.WebhookDelivery) error) error
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit, perWebhook int, busy map[uint64]int) ([]*models.WebhookDelivery, error)
	FinishDelivery(ctx context.Context, d *models.WebhookDelivery) error
	DeliveryByID(ctx context.Context, id uint64) (*models.WebhookDelivery, error)
	ListDeliveries(ctx context.Context, webhookID uint64, p page.Request) (*page.List[*models.WebhookDelivery], error)
	CountDeliveries(ctx context.Context, webhookID uint64) (int64, error)

	HandlePending(ctx context.Context, consumer string, limit int, fn func([]*models.OutboxEvent) error) (int, error)
}

var _ Store = (*store.Store)(nil)
