package content

import (
	"context"

	"github.com/broadsheet/broadsheet/internal/fulltext"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// SearchHit is one search result.
type SearchHit struct {
	Article *models.Article
	// Score is relevance times the recency boost (see internal/store/search.go).
	Score float64
	// Snippet is escaped HTML with <mark> around matches.
	Snippet string
	Cursor  page.Cursor
}

// SearchList is a page of search results with a lazily computed total.
type SearchList struct {
	Hits     []SearchHit
	PageInfo page.Info
	count    func(context.Context) (int64, error)
}

// TotalCount counts every article matching the search.
func (l *SearchList) TotalCount(ctx context.Context) (int64, error) { return l.count(ctx) }

// Articles returns the page's articles.
func (l *SearchList) Articles() []*models.Article {
	out := make([]*models.Article, len(l.Hits))
	for i, h := range l.Hits {
		out[i] = h.Article
	}
	return out
}

// Search finds the articles the viewer may see that match query and q's
// filter, best first. The query syntax and its limits are fulltext.Parse's;
// a query it refuses is BAD_USER_INPUT, never a database error. Readers'
// results pass the same visibility rule as every list.
func (s *Service) Search(ctx context.Context, query string, q ArticleQuery, first *int, after *string) (*SearchList, error) {
	parsed, err := fulltext.Parse(query)
	if err != nil {
		return nil, err
	}
	f, err := s.articleFilter(ctx, q)
	if err != nil {
		return nil, err
	}
	p, err := page.Args{First: first}.Request(true)
	if err != nil {
		return nil, err
	}
	sp := store.SearchPage{First: p.First, Ref: s.Now()}
	if after != nil {
		if sp.After, err = store.DecodeSearchCursor("after", *after, parsed.Hash()); err != nil {
			return nil, err
		}
	}
	list := &SearchList{count: func(ctx context.Context) (int64, error) {
		return s.store.CountSearchResults(ctx, f, parsed)
	}}
	if sp.First == 0 {
		return list, nil
	}
	res, err := s.store.SearchArticles(teasers(ctx, q), f, parsed, sp)
	if err != nil {
		return nil, err
	}
	if res.Total >= 0 { // counted with the page: totalCount costs nothing more
		total := res.Total
		list.count = func(context.Context) (int64, error) { return total, nil }
	}
	hl := fulltext.NewHighlighter(parsed)
	list.PageInfo = res.PageInfo
	list.Hits = make([]SearchHit, len(res.Hits))
	for i, h := range res.Hits {
		list.Hits[i] = SearchHit{
			Article: &h.Article,
			Score:   h.Score,
			Snippet: hl.Snippet(h.Text, h.Subtitle, h.Title),
			Cursor:  res.Cursors[i].Cursor(),
		}
	}
	return list, nil
}
