package model

import (
	"context"
	"github.com/broadsheet/broadsheet/internal/content"

	"github.com/broadsheet/broadsheet/internal/related"
	"github.com/broadsheet/broadsheet/models"
)

// SearchConnection is a page of search results.
type SearchConnection struct{ List *content.SearchList }

// SearchEdge is a search result.
type SearchEdge struct {
	Cursor  string
	Node    *models.Article
	Score   float64
	Snippet string
}

// Edges returns the results with cursors, scores and snippets.
func (c *SearchConnection) Edges() []*SearchEdge {
	out := make([]*SearchEdge, len(c.List.Hits))
	for i, h := range c.List.Hits {
		out[i] = &SearchEdge{Cursor: h.Cursor.Encode(), Node: h.Article, Score: h.Score, Snippet: h.Snippet}
	}
	return out
}

// Nodes returns the matching articles.
func (c *SearchConnection) Nodes() []*models.Article { return c.List.Articles() }

// PageInfo describes the page.
func (c *SearchConnection) PageInfo() *PageInfo {
	p := &PageInfo{HasNextPage: c.List.PageInfo.HasNextPage, HasPreviousPage: c.List.PageInfo.HasPreviousPage}
	if n := len(c.List.Hits); n > 0 {
		start, end := c.List.Hits[0].Cursor.Encode(), c.List.Hits[n-1].Cursor.Encode()
		p.StartCursor, p.EndCursor = &start, &end
	}
	return p
}

// TotalCount counts every matching article.
func (c *SearchConnection) TotalCount(ctx context.Context) (int64, error) {
	return c.List.TotalCount(ctx)
}

// RelatedCandidate is an automatic related-article suggestion (editors).
type RelatedCandidate struct {
	Article *models.Article
	Score   float64
	Picked  bool
	Reasons []*RelatedReason
}

// RelatedReason is one reason for a suggestion.
type RelatedReason struct {
	Kind   RelatedReasonKind
	Detail string
	Points float64
}

// NewRelatedCandidates converts the content service's suggestions.
func NewRelatedCandidates(cs []related.Candidate) []*RelatedCandidate {
	out := make([]*RelatedCandidate, len(cs))
	for i, c := range cs {
		rc := &RelatedCandidate{Article: c.Article, Score: c.Score, Picked: c.Picked, Reasons: make([]*RelatedReason, len(c.Reasons))}
		for j, r := range c.Reasons {
			rc.Reasons[j] = &RelatedReason{Kind: RelatedReasonKind(r.Kind), Detail: r.Detail, Points: r.Points}
		}
		out[i] = rc
	}
	return out
}
