package content

import (
	"context"
	"time"

	"github.com/broadsheet/broadsheet/internal/fulltext"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/searchindex"
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
	if idx := s.search.Ready(ctx); idx != nil {
		res, ok, err := s.searchIndexed(teasers(ctx, q), idx, f, parsed, sp)
		if err != nil {
			return nil, err
		}
		if ok {
			return s.searchList(parsed, res, nil), nil
		}
	}
	count := func(ctx context.Context) (int64, error) {
		return s.store.CountSearchResults(ctx, f, parsed)
	}
	if sp.First == 0 {
		return &SearchList{count: count}, nil
	}
	res, err := s.store.SearchArticles(teasers(ctx, q), f, parsed, sp)
	if err != nil {
		return nil, err
	}
	return s.searchList(parsed, res, count), nil
}

// searchList is a page of results with snippets; res.Total, when known
// (>= 0), answers totalCount, else the count is asked for when wanted.
func (s *Service) searchList(parsed fulltext.Query, res *store.SearchResultPage, count func(context.Context) (int64, error)) *SearchList {
	list := &SearchList{count: count}
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
	return list
}

// searchIndexed answers a search from the index: the page's ids and the
// total from it, the page's rows (bodies for snippets) from the database
// by id, one statement. ok is false when the index cannot answer.
func (s *Service) searchIndexed(ctx context.Context, idx *searchindex.Index, f store.ArticleFilter, parsed fulltext.Query, sp store.SearchPage) (*store.SearchResultPage, bool, error) {
	sf, any, err := s.searchFilter(ctx, f)
	if err != nil {
		return nil, false, err
	}
	ref := sp.Ref.UTC().Truncate(time.Second)
	var after *searchindex.Cursor
	if sp.After != nil {
		ref = sp.After.Ref
		after = &searchindex.Cursor{Score: sp.After.Score, ID: sp.After.ID}
	}
	out := &store.SearchResultPage{PageInfo: page.Info{HasPreviousPage: sp.After != nil}}
	if !any {
		return out, true, nil
	}
	res := idx.Search(parsed, sf, sp.First, after, ref)
	out.Total = res.Total
	out.PageInfo.HasNextPage = res.More
	ids := make([]uint64, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	rows, err := s.store.SearchHitsByIDs(ctx, f.Visibility, ids)
	if err != nil {
		return nil, false, err
	}
	hash := parsed.Hash()
	for _, h := range res.Hits {
		row := rows[h.ID]
		if row == nil {
			continue // changed in the database since the index saw it
		}
		row.Score = h.Score
		out.Hits = append(out.Hits, row)
		out.Cursors = append(out.Cursors, store.SearchCursor{Score: h.Score, ID: h.ID, Ref: ref, Query: hash})
	}
	return out, true, nil
}
