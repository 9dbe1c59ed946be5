// Package graph is Broadsheet's GraphQL layer: the gqlgen executable schema
// and resolvers of a few lines each that turn arguments into a call on the
// content service (or a loader) and hand back what it returns.
package graph

//go:generate go run ../internal/schemadoc/gen -schema ../schema.graphql -readme ../README.md
//go:generate go run ./internal/execgen

import (
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/newsletter"
	"github.com/broadsheet/broadsheet/internal/webhooks"
)

// Resolver holds the resolvers' dependencies.
type Resolver struct {
	Content    *content.Service
	Newsletter *newsletter.Service
	Hooks      *webhooks.Service
	// Live fans events out to subscriptions; nil disables them.
	Live *live.Hub
	// Media is the media library; nil answers its fields with an error.
	Media *media.Service
}

// Mutation returns MutationResolver implementation.
func (r *Resolver) Mutation() MutationResolver { return &mutationResolver{r} }

// Query returns QueryResolver implementation.
func (r *Resolver) Query() QueryResolver { return &queryResolver{r} }

type (
	mutationResolver struct{ *Resolver }
	queryResolver    struct{ *Resolver }
)
