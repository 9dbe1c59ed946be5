// Package model holds the GraphQL-shaped types that have no database table:
// connections, edges and page info, plus the inputs gqlgen generates.
package model

import (
	"context"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// PageInfo is a Relay page info.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// NewPageInfo describes a page whose rows have the given cursors.
func NewPageInfo(info page.Info, cursors []page.Cursor) *PageInfo {
	p := &PageInfo{HasNextPage: info.HasNextPage, HasPreviousPage: info.HasPreviousPage}
	if n := len(cursors); n > 0 {
		start, end := cursors[0].Encode(), cursors[n-1].Encode()
		p.StartCursor, p.EndCursor = &start, &end
	}
	return p
}

// Connection is a Relay connection over one page of a service's list; the
// schema's connection types are its instances (gqlgen binds the aliases
// below by name).
type Connection[T any] struct{ List *page.List[T] }

// Edge is a node with its cursor.
type Edge[T any] struct {
	Cursor string
	Node   T
}

// Edges returns the page's nodes with cursors.
func (c *Connection[T]) Edges() []*Edge[T] {
	out := make([]*Edge[T], len(c.List.Items))
	for i, n := range c.List.Items {
		out[i] = &Edge[T]{Cursor: c.List.Cursors[i].Encode(), Node: n}
	}
	return out
}

// Nodes returns the page's nodes.
func (c *Connection[T]) Nodes() []T { return c.List.Items }

// PageInfo describes the page.
func (c *Connection[T]) PageInfo() *PageInfo { return NewPageInfo(c.List.Info, c.List.Cursors) }

// TotalCount counts every node of the list, all pages together.
func (c *Connection[T]) TotalCount(ctx context.Context) (int64, error) {
	return c.List.TotalCount(ctx)
}

// The schema's connections and edges.
type (
	ArticleConnection              = Connection[*models.Article]
	ArticleEdge                    = Edge[*models.Article]
	AuthorConnection               = Connection[*models.Author]
	AuthorEdge                     = Edge[*models.Author]
	TagConnection                  = Connection[*models.Tag]
	TagEdge                        = Edge[*models.Tag]
	AuditConnection                = Connection[*models.AuditEntry]
	AuditEdge                      = Edge[*models.AuditEntry]
	NewsletterSubscriberConnection = Connection[*models.NewsletterSubscriber]
	NewsletterSubscriberEdge       = Edge[*models.NewsletterSubscriber]
	WebhookDeliveryConnection      = Connection[*models.WebhookDelivery]
	WebhookDeliveryEdge            = Edge[*models.WebhookDelivery]
	LiveEntryConnection            = Connection[*models.LiveEntry]
	LiveEntryEdge                  = Edge[*models.LiveEntry]
	ImageConnection                = Connection[*models.Image]
	ImageEdge                      = Edge[*models.Image]
)
