// Package model holds the GraphQL-shaped types that have no database table:
// connections, edges and page info, plus the inputs gqlgen generates.
package model

import (
	"context"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/newsletter"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/webhooks"
	"github.com/broadsheet/broadsheet/models"
)

// PageInfo is a Relay page info.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

func pageInfo(info store.PageInfo, cursors []store.Cursor) *PageInfo {
	p := &PageInfo{HasNextPage: info.HasNextPage, HasPreviousPage: info.HasPreviousPage}
	if n := len(cursors); n > 0 {
		start, end := cursors[0].Encode(), cursors[n-1].Encode()
		p.StartCursor, p.EndCursor = &start, &end
	}
	return p
}

// ArticleConnection is a page of articles.
type ArticleConnection struct{ List *content.ArticleList }

// ArticleEdge is an article with its cursor.
type ArticleEdge struct {
	Cursor string
	Node   *models.Article
}

// Edges returns the page's articles with cursors.
func (c *ArticleConnection) Edges() []*ArticleEdge {
	out := make([]*ArticleEdge, len(c.List.Articles))
	for i, a := range c.List.Articles {
		out[i] = &ArticleEdge{Cursor: c.List.Cursors[i].Encode(), Node: a}
	}
	return out
}

// Nodes returns the page's articles.
func (c *ArticleConnection) Nodes() []*models.Article { return c.List.Articles }

// PageInfo describes the page.
func (c *ArticleConnection) PageInfo() *PageInfo { return pageInfo(c.List.PageInfo, c.List.Cursors) }

// TotalCount counts every matching article.
func (c *ArticleConnection) TotalCount(ctx context.Context) (int64, error) {
	return c.List.TotalCount(ctx)
}

// AuthorConnection is a page of authors.
type AuthorConnection struct{ List *content.AuthorList }

// AuthorEdge is an author with its cursor.
type AuthorEdge struct {
	Cursor string
	Node   *models.Author
}

// Edges returns the page's authors with cursors.
func (c *AuthorConnection) Edges() []*AuthorEdge {
	out := make([]*AuthorEdge, len(c.List.Authors))
	for i, a := range c.List.Authors {
		out[i] = &AuthorEdge{Cursor: c.List.Cursors[i].Encode(), Node: a}
	}
	return out
}

// Nodes returns the page's authors.
func (c *AuthorConnection) Nodes() []*models.Author { return c.List.Authors }

// PageInfo describes the page.
func (c *AuthorConnection) PageInfo() *PageInfo { return pageInfo(c.List.PageInfo, c.List.Cursors) }

// TotalCount counts every author.
func (c *AuthorConnection) TotalCount(ctx context.Context) (int64, error) {
	return c.List.TotalCount(ctx)
}

// TagConnection is a page of tags.
type TagConnection struct{ List *content.TagList }

// TagEdge is a tag with its cursor.
type TagEdge struct {
	Cursor string
	Node   *models.Tag
}

// Edges returns the page's tags with cursors.
func (c *TagConnection) Edges() []*TagEdge {
	out := make([]*TagEdge, len(c.List.Tags))
	for i, t := range c.List.Tags {
		out[i] = &TagEdge{Cursor: c.List.Cursors[i].Encode(), Node: t}
	}
	return out
}

// Nodes returns the page's tags.
func (c *TagConnection) Nodes() []*models.Tag { return c.List.Tags }

// PageInfo describes the page.
func (c *TagConnection) PageInfo() *PageInfo { return pageInfo(c.List.PageInfo, c.List.Cursors) }

// TotalCount counts every tag.
func (c *TagConnection) TotalCount(ctx context.Context) (int64, error) {
	return c.List.TotalCount(ctx)
}

// AuditConnection is a page of the audit log.
type AuditConnection struct{ List *content.AuditList }

// AuditEdge is an audit entry with its cursor.
type AuditEdge struct {
	Cursor string
	Node   *models.AuditEntry
}

// Edges returns the page's entries with cursors.
func (c *AuditConnection) Edges() []*AuditEdge {
	out := make([]*AuditEdge, len(c.List.Entries))
	for i, e := range c.List.Entries {
		out[i] = &AuditEdge{Cursor: c.List.Cursors[i].Encode(), Node: e}
	}
	return out
}

// Nodes returns the page's entries.
func (c *AuditConnection) Nodes() []*models.AuditEntry { return c.List.Entries }

// PageInfo describes the page.
func (c *AuditConnection) PageInfo() *PageInfo { return pageInfo(c.List.PageInfo, c.List.Cursors) }

// TotalCount counts every matching entry.
func (c *AuditConnection) TotalCount(ctx context.Context) (int64, error) {
	return c.List.TotalCount(ctx)
}

// NewsletterSubscriberConnection is a page of subscribers.
type NewsletterSubscriberConnection struct{ List *newsletter.SubscriberList }

// NewsletterSubscriberEdge is a subscriber with its cursor.
type NewsletterSubscriberEdge struct {
	Cursor string
	Node   *models.NewsletterSubscriber
}

// Edges returns the page's subscribers with cursors.
func (c *NewsletterSubscriberConnection) Edges() []*NewsletterSubscriberEdge {
	out := make([]*NewsletterSubscriberEdge, len(c.List.Subscribers))
	for i, s := range c.List.Subscribers {
		out[i] = &NewsletterSubscriberEdge{Cursor: c.List.Cursors[i].Encode(), Node: s}
	}
	return out
}

// Nodes returns the page's subscribers.
func (c *NewsletterSubscriberConnection) Nodes() []*models.NewsletterSubscriber {
	return c.List.Subscribers
}

// PageInfo describes the page.
func (c *NewsletterSubscriberConnection) PageInfo() *PageInfo {
	return pageInfo(c.List.PageInfo, c.List.Cursors)
}

// TotalCount counts every matching subscriber.
func (c *NewsletterSubscriberConnection) TotalCount(ctx context.Context) (int64, error) {
	return c.List.TotalCount(ctx)
}

// WebhookDeliveryConnection is a page of deliveries.
type WebhookDeliveryConnection struct{ List *webhooks.DeliveryList }

// WebhookDeliveryEdge is a delivery with its cursor.
type WebhookDeliveryEdge struct {
	Cursor string
	Node   *models.WebhookDelivery
}

// Edges returns the page's deliveries with cursors.
func (c *WebhookDeliveryConnection) Edges() []*WebhookDeliveryEdge {
	out := make([]*WebhookDeliveryEdge, len(c.List.Deliveries))
	for i, d := range c.List.Deliveries {
		out[i] = &WebhookDeliveryEdge{Cursor: c.List.Cursors[i].Encode(), Node: d}
	}
	return out
}

// Nodes returns the page's deliveries.
func (c *WebhookDeliveryConnection) Nodes() []*models.WebhookDelivery { return c.List.Deliveries }

// PageInfo describes the page.
func (c *WebhookDeliveryConnection) PageInfo() *PageInfo {
	return pageInfo(c.List.PageInfo, c.List.Cursors)
}

// TotalCount counts the webhook's deliveries.
func (c *WebhookDeliveryConnection) TotalCount(ctx context.Context) (int64, error) {
	return c.List.TotalCount(ctx)
}
