package graph

import (
	"context"
	"strconv"

	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/webhooks"
	"github.com/broadsheet/broadsheet/models"
)

// CreateWebhook is the resolver for the createWebhook field.
func (r *mutationResolver) CreateWebhook(ctx context.Context, url string, events []model.WebhookEvent, description *string) (*model.WebhookPayload, error) {
	w, secret, err := r.Hooks.Create(ctx, webhooks.Input{URL: &url, Events: webhookEvents(events), Description: description})
	return webhookPayload(w, secret, err)
}

// UpdateWebhook is the resolver for the updateWebhook field.
func (r *mutationResolver) UpdateWebhook(ctx context.Context, id string, url *string, events []model.WebhookEvent, description *string, active *bool) (*model.WebhookPayload, error) {
	hookID, err := plainID("id", id)
	if err != nil {
		return webhookPayload(nil, "", err)
	}
	w, err := r.Hooks.Update(ctx, hookID, webhooks.Input{URL: url, Events: webhookEvents(events), Description: description, Active: active})
	return webhookPayload(w, "", err)
}

// DeleteWebhook is the resolver for the deleteWebhook field.
func (r *mutationResolver) DeleteWebhook(ctx context.Context, id string) (*model.WebhookPayload, error) {
	hookID, err := plainID("id", id)
	if err != nil {
		return webhookPayload(nil, "", err)
	}
	w, err := r.Hooks.Delete(ctx, hookID)
	return webhookPayload(w, "", err)
}

// RetryWebhookDelivery is the resolver for the retryWebhookDelivery field.
func (r *mutationResolver) RetryWebhookDelivery(ctx context.Context, id string) (*model.WebhookDeliveryPayload, error) {
	deliveryID, err := plainID("id", id)
	if err == nil {
		var d *models.WebhookDelivery
		if d, err = r.Hooks.Retry(ctx, deliveryID); err == nil {
			return &model.WebhookDeliveryPayload{Delivery: d, UserErrors: []*model.UserError{}}, nil
		}
	}
	ue, err := topLevel(userErrors(err))
	if err != nil {
		return nil, err
	}
	return &model.WebhookDeliveryPayload{UserErrors: ue}, nil
}

// Webhooks is the resolver for the webhooks field.
func (r *queryResolver) Webhooks(ctx context.Context) ([]*models.Webhook, error) {
	return r.Hooks.List(ctx)
}

// WebhookDeliveries is the resolver for the webhookDeliveries field.
func (r *queryResolver) WebhookDeliveries(ctx context.Context, webhookID string, first *int, after *string) (*model.Connection[*models.WebhookDelivery], error) {
	hookID, err := plainID("webhookId", webhookID)
	if err != nil {
		return nil, err
	}
	list, err := r.Hooks.Deliveries(ctx, hookID, page.Args{First: first, After: after})
	if err != nil {
		return nil, err
	}
	return &model.WebhookDeliveryConnection{List: list}, nil
}

// ID is the resolver for the id field.
func (r *webhookResolver) ID(ctx context.Context, obj *models.Webhook) (string, error) {
	return strconv.FormatUint(obj.ID, 10), nil
}

// Events is the resolver for the events field.
func (r *webhookResolver) Events(ctx context.Context, obj *models.Webhook) ([]model.WebhookEvent, error) {
	out := []model.WebhookEvent{}
	for _, e := range webhooks.Events(obj) {
		out = append(out, model.WebhookEvent(e))
	}
	return out, nil
}

// ID is the resolver for the id field.
func (r *webhookDeliveryResolver) ID(ctx context.Context, obj *models.WebhookDelivery) (string, error) {
	return strconv.FormatUint(obj.ID, 10), nil
}

// Event is the resolver for the event field.
func (r *webhookDeliveryResolver) Event(ctx context.Context, obj *models.WebhookDelivery) (model.WebhookEvent, error) {
	return model.WebhookEvent(obj.EventType), nil
}

// Status is the resolver for the status field.
func (r *webhookDeliveryResolver) Status(ctx context.Context, obj *models.WebhookDelivery) (model.WebhookDeliveryStatus, error) {
	return model.WebhookDeliveryStatus(obj.Status), nil
}

// Webhook returns WebhookResolver implementation.
func (r *Resolver) Webhook() WebhookResolver { return &webhookResolver{r} }

// WebhookDelivery returns WebhookDeliveryResolver implementation.
func (r *Resolver) WebhookDelivery() WebhookDeliveryResolver { return &webhookDeliveryResolver{r} }

type (
	webhookResolver         struct{ *Resolver }
	webhookDeliveryResolver struct{ *Resolver }
)
