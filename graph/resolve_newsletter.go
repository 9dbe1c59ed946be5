package graph

import (
	"context"
	"strconv"

	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/newsletter"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// SubscribeNewsletter is the resolver for the subscribeNewsletter field.
func (r *mutationResolver) SubscribeNewsletter(ctx context.Context, email string, topics []string) (*model.NewsletterSignupPayload, error) {
	err := r.Newsletter.Subscribe(ctx, email, topics)
	p, err := subscriptionPayload(nil, err)
	if err != nil {
		return nil, err
	}
	if len(p.UserErrors) > 0 {
		return &model.NewsletterSignupPayload{Message: p.UserErrors[0].Message, UserErrors: p.UserErrors}, nil
	}
	return &model.NewsletterSignupPayload{Ok: true, Message: newsletter.SignupMessage, UserErrors: p.UserErrors}, nil
}

// ConfirmNewsletterSubscription is the resolver for the confirmNewsletterSubscription field.
func (r *mutationResolver) ConfirmNewsletterSubscription(ctx context.Context, token string) (*model.NewsletterSubscriptionPayload, error) {
	return subscriptionPayload(r.Newsletter.Confirm(ctx, token))
}

// UnsubscribeNewsletter is the resolver for the unsubscribeNewsletter field.
func (r *mutationResolver) UnsubscribeNewsletter(ctx context.Context, token string) (*model.NewsletterSubscriptionPayload, error) {
	return subscriptionPayload(r.Newsletter.Unsubscribe(ctx, token))
}

// UpdateNewsletterTopics is the resolver for the updateNewsletterTopics field.
func (r *mutationResolver) UpdateNewsletterTopics(ctx context.Context, token string, topics []string) (*model.NewsletterSubscriptionPayload, error) {
	return subscriptionPayload(r.Newsletter.UpdateTopics(ctx, token, topics))
}

// ID is the resolver for the id field.
func (r *newsletterSubscriberResolver) ID(ctx context.Context, obj *models.NewsletterSubscriber) (string, error) {
	return strconv.FormatUint(obj.ID, 10), nil
}

// Status is the resolver for the status field.
func (r *newsletterSubscriberResolver) Status(ctx context.Context, obj *models.NewsletterSubscriber) (model.NewsletterStatus, error) {
	return model.NewsletterStatus(obj.Status), nil
}

// Topics is the resolver for the topics field.
func (r *newsletterSubscriberResolver) Topics(ctx context.Context, obj *models.NewsletterSubscriber) ([]string, error) {
	return newsletter.Topics(obj), nil
}

// Status is the resolver for the status field.
func (r *newsletterSubscriptionResolver) Status(ctx context.Context, obj *models.NewsletterSubscriber) (model.NewsletterStatus, error) {
	return model.NewsletterStatus(obj.Status), nil
}

// Topics is the resolver for the topics field.
func (r *newsletterSubscriptionResolver) Topics(ctx context.Context, obj *models.NewsletterSubscriber) ([]string, error) {
	return newsletter.Topics(obj), nil
}

// NewsletterSubscribers is the resolver for the newsletterSubscribers field.
func (r *queryResolver) NewsletterSubscribers(ctx context.Context, first *int, after *string, filter *model.NewsletterSubscriberFilter) (*model.Connection[*models.NewsletterSubscriber], error) {
	f := newsletter.SubscriberFilter{}
	if filter != nil {
		if filter.Status != nil {
			f.Status = string(*filter.Status)
		}
		f.Topic = deref(filter.Topic)
	}
	list, err := r.Newsletter.List(ctx, f, page.Args{First: first, After: after})
	if err != nil {
		return nil, err
	}
	return &model.NewsletterSubscriberConnection{List: list}, nil
}

// NewsletterTopicCounts is the resolver for the newsletterTopicCounts field.
func (r *queryResolver) NewsletterTopicCounts(ctx context.Context) ([]*newsletter.TopicCount, error) {
	counts, err := r.Newsletter.TopicCounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*newsletter.TopicCount, len(counts))
	for i := range counts {
		out[i] = &counts[i]
	}
	return out, nil
}

// NewsletterSubscriber returns NewsletterSubscriberResolver implementation.
func (r *Resolver) NewsletterSubscriber() NewsletterSubscriberResolver {
	return &newsletterSubscriberResolver{r}
}

// NewsletterSubscription returns NewsletterSubscriptionResolver implementation.
func (r *Resolver) NewsletterSubscription() NewsletterSubscriptionResolver {
	return &newsletterSubscriptionResolver{r}
}

type (
	newsletterSubscriberResolver   struct{ *Resolver }
	newsletterSubscriptionResolver struct{ *Resolver }
)
