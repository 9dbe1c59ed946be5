package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/models"
)

// ObjectID is the resolver for the objectId field.
func (r *contentChangeResolver) ObjectID(ctx context.Context, obj *live.Change) (string, error) {
	return globalid.ID(obj.ObjectType, obj.ObjectRowID), nil
}

// Object is the resolver for the object field.
func (r *contentChangeResolver) Object(ctx context.Context, obj *live.Change) (model.Node, error) {
	n, _ := obj.Object.(model.Node)
	return n, nil
}

// ArticlePublished is the resolver for the articlePublished field.
func (r *subscriptionResolver) ArticlePublished(ctx context.Context, category *string, tags []string, locale *string) (<-chan graphql.Event[*models.Article], error) {
	loc, err := r.Content.CheckLocale("locale", locale)
	if err != nil {
		return nil, err
	}
	return subscribeArticles(ctx, r.Live, live.Filter{Kind: live.Published, Category: deref(category), Tags: tags, Locale: loc})
}

// ArticleUpdated is the resolver for the articleUpdated field.
func (r *subscriptionResolver) ArticleUpdated(ctx context.Context, id string) (<-chan graphql.Event[*models.Article], error) {
	articleID, err := globalid.ParseAs(globalid.TypeArticle, id)
	if err != nil {
		return nil, err
	}
	return subscribeArticles(ctx, r.Live, live.Filter{Kind: live.Updated, ArticleID: articleID})
}

// ContentChanged is the resolver for the contentChanged field.
func (r *subscriptionResolver) ContentChanged(ctx context.Context) (<-chan graphql.Event[*live.Change], error) {
	return subscribe(ctx, r.Live, live.Filter{Kind: live.Changed}, func(d live.Delivery) *live.Change { return d.Change })
}

// ContentChange returns ContentChangeResolver implementation.
func (r *Resolver) ContentChange() ContentChangeResolver { return &contentChangeResolver{r} }

// Subscription returns SubscriptionResolver implementation.
func (r *Resolver) Subscription() SubscriptionResolver { return &subscriptionResolver{r} }

type (
	contentChangeResolver struct{ *Resolver }
	subscriptionResolver  struct{ *Resolver }
)
