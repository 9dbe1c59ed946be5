package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// SaveWebhook inserts or updates a webhook.
func (s *Store) SaveWebhook(ctx context.Context, w *models.Webhook) error {
	if w.ID == 0 {
		return translate("create webhook", s.q(ctx).Create(w).Error)
	}
	return translate("update webhook", s.q(ctx).Model(w).Select("*").Omit("id", "created_at").Updates(w).Error)
}

// WebhookByID returns a live webhook, or nil.
func (s *Store) WebhookByID(ctx context.Context, id uint64) (*models.Webhook, error) {
	var w models.Webhook
	r, err := notFound(&w, s.q(ctx).Where("id = ? AND deleted_at IS NULL", id).Take(&w).Error)
	if err != nil {
		return nil, fmt.Errorf("load webhook %d: %w", id, err)
	}
	return r, nil
}

// ListWebhooks returns the live webhooks, oldest first.
func (s *Store) ListWebhooks(ctx context.Context, activeOnly bool) ([]*models.Webhook, error) {
	var rows []*models.Webhook
	q := s.q(ctx).Where("deleted_at IS NULL")
	if activeOnly {
		q = q.Where("active = ?", true)
	}
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return rows, nil
}

// AddDeliveries queues deliveries (see QueueDeliveries) as they are.
func (s *Store) AddDeliveries(ctx context.Context, ds []*models.WebhookDelivery) error {
	return s.QueueDeliveries(ctx, ds, nil)
}

// QueueDeliveries queues deliveries, giving each the next sequence number
// of its webhook, in the order given, and then calling render (when not
// nil) to set its body. One that exists already (the same event for the
// same webhook) is left alone and takes no number, so handing an event on
// twice is harmless; deliveries to a webhook that no longer exists are
// dropped. The webhook's row is locked while numbering, so concurrent
// dispatchers never hand out one number twice.
func (s *Store) QueueDeliveries(ctx context.Context, ds []*models.WebhookDelivery, render func(*models.WebhookDelivery) error) error {
	if len(ds) == 0 {
		return nil
	}
	byHook := map[uint64][]*models.WebhookDelivery{}
	var hooks []uint64
	for _, d := range ds {
		if _, ok := byHook[d.WebhookID]; !ok {
			hooks = append(hooks, d.WebhookID)
		}
		byHook[d.WebhookID] = append(byHook[d.WebhookID], d)
	}
	slices.Sort(hooks) // one locking order for every dispatcher
	return s.Tx(ctx, func(tx *Store) error {
		var queue []*models.WebhookDelivery
		for _, id := range hooks {
			var last []uint64
			q := tx.q(ctx).Table("webhooks").Where("id = ?", id)
			if s.db.Dialect == "mysql" {
				q = q.Clauses(clause.Locking{Strength: "UPDATE"})
			}
			if err := q.Pluck("last_sequence", &last).Error; err != nil {
				return fmt.Errorf("lock webhook %d: %w", id, err)
			}
			if len(last) == 0 {
				continue // deleted meanwhile
			}
			eventIDs := make([]string, 0, len(byHook[id]))
			for _, d := range byHook[id] {
				eventIDs = append(eventIDs, d.EventID)
			}
			var have []string
			if err := tx.q(ctx).Model(&models.WebhookDelivery{}).Where("webhook_id = ? AND event_id IN ?", id, eventIDs).
				Pluck("event_id", &have).Error; err != nil {
				return fmt.Errorf("find queued deliveries of webhook %d: %w", id, err)
			}
			seq := last[0]
			for _, d := range byHook[id] {
				if slices.Contains(have, d.EventID) {
					continue
				}
				have = append(have, d.EventID)
				seq++
				d.Sequence = seq
				if render != nil {
					if err := render(d); err != nil {
						return err
					}
				}
				queue = append(queue, d)
			}
			if seq != last[0] {
				if err := tx.q(ctx).Table("webhooks").Where("id = ?", id).Update("last_sequence", seq).Error; err != nil {
					return fmt.Errorf("number deliveries of webhook %d: %w", id, err)
				}
			}
		}
		if len(queue) == 0 {
			return nil
		}
		return translate("queue webhook deliveries", tx.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(queue).Error)
	})
}

// ClaimDeliveries takes up to limit due deliveries for lease, the longest
// due first, each with a conditional update, so two workers never send the
// same one at once.
//
// perWebhook > 0 caps how many deliveries of one webhook may be claimed at
// once: busy counts those the caller already has in flight, by webhook; a
// webhook at the cap is skipped, so one receiver's backlog cannot crowd
// out the others. On an error the deliveries claimed so far are returned
// with it (they are leased: send them or let the lease run out).
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit, perWebhook int, busy map[uint64]int) ([]*models.WebhookDelivery, error) {
	held := maps.Clone(busy)
	if held == nil {
		held = map[uint64]int{}
	}
	var claimed []*models.WebhookDelivery
	for len(claimed) < limit {
		want := limit - len(claimed)
		q := s.q(ctx).Where("status = ? AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)", models.DeliveryPending, now, now)
		if perWebhook > 0 {
			var full []uint64
			for id, n := range held {
				if n >= perWebhook {
					full = append(full, id)
				}
			}
			if len(full) > 0 {
				q = q.Where("webhook_id NOT IN ?", full)
			}
		}
		var due []*models.WebhookDelivery
		if err := q.Order("next_attempt_at, id").Limit(want).Find(&due).Error; err != nil {
			return claimed, fmt.Errorf("find due deliveries: %w", err)
		}
		took := 0
		for _, d := range due {
			if perWebhook > 0 && held[d.WebhookID] >= perWebhook {
				continue // its turn comes when one of its deliveries ends
			}
			res := s.q(ctx).Model(&models.WebhookDelivery{}).
				Where("id = ? AND status = ? AND (locked_until IS NULL OR locked_until < ?)", d.ID, models.DeliveryPending, now).
				Updates(map[string]any{"locked_until": now.Add(lease), "attempts": gorm.Expr("attempts + 1")})
			if res.Error != nil {
				return claimed, fmt.Errorf("claim delivery %d: %w", d.ID, res.Error)
			}
			if res.RowsAffected == 1 {
				d.Attempts++
				held[d.WebhookID]++
				claimed = append(claimed, d)
				took++
			}
		}
		// Fewer rows than asked for: nothing else is due. Rows skipped for
		// the cap: look again past the webhooks that are now full.
		if len(due) < want || took == 0 {
			break
		}
	}
	return claimed, nil
}

// FinishDelivery records the outcome of an attempt.
func (s *Store) FinishDelivery(ctx context.Context, d *models.WebhookDelivery) error {
	return translate("update delivery", s.q(ctx).Model(d).
		Select("status", "next_attempt_at", "locked_until", "last_status_code", "last_error", "delivered_at", "attempts").Updates(d).Error)
}

// DeliveryByID returns a delivery, or nil.
func (s *Store) DeliveryByID(ctx context.Context, id uint64) (*models.WebhookDelivery, error) {
	var d models.WebhookDelivery
	r, err := notFound(&d, s.q(ctx).Where("id = ?", id).Take(&d).Error)
	if err != nil {
		return nil, fmt.Errorf("load delivery %d: %w", id, err)
	}
	return r, nil
}

var deliveryKey = SortKey{Name: "delivery", Column: "webhook_deliveries.id", IDColumn: "webhook_deliveries.id", Int: true}

// ListDeliveries returns a page of a webhook's deliveries, newest first.
func (s *Store) ListDeliveries(ctx context.Context, webhookID uint64, p page.Request) (*page.List[*models.WebhookDelivery], error) {
	q := s.q(ctx).Table("webhook_deliveries").Where("webhook_id = ?", webhookID)
	l, err := listNewest(q, deliveryKey, p, func(d *models.WebhookDelivery) uint64 { return d.ID })
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return l, nil
}

// CountDeliveries counts a webhook's deliveries.
func (s *Store) CountDeliveries(ctx context.Context, webhookID uint64) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&models.WebhookDelivery{}).Where("webhook_id = ?", webhookID).Count(&n).Error
	return n, err
}
