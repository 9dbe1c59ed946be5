package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/fulltext"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/models"
)

// Full-text search. One method per question (a page of hits, their count);
// the engine-specific SQL sits side by side in search_mysql.go (InnoDB
// FULLTEXT, MATCH … AGAINST in boolean mode) and search_sqlite.go (FTS5,
// bm25). Both rank by
//
//	score = relevance × recency boost
//
// where relevance is the engine's (headline hits weigh more than standfirst
// hits, which weigh more than body hits) and the recency boost is
// 1 + 0.5 / (1 + age in days / 30): up to 1.5 for an article published at
// the reference instant, 1.25 at a month, about 1.04 at a year, so relevance
// decides and recency only separates comparable hits. Pages are keyset
// pages over (score, id), best first; the reference instant travels in the
// cursor, so every page of one search is scored alike.

// recencyHalfDays is the age, in days, at which the boost has halved.
const recencyHalfDays = 30

// searchEngine is what each dialect provides.
type searchEngine interface {
	// match restricts q, a query on the articles table, to the articles
	// matching query and returns the expression of their relevance (higher
	// is better).
	match(q *gorm.DB, query fulltext.Query) (*gorm.DB, string, []any)
	// recency returns the recency boost expression at ref.
	recency(ref time.Time) (string, []any)
	// articlesBy names the articles table, as alias, read through index:
	// where the planners' own choice reads the article rows, whose bodies
	// make every row lookup costly, or scans the wrong index.
	articlesBy(alias, index string) string
}

// Indexes the store names in hints.
const (
	// ixArticlesSearch covers (id, status, published_at, deleted_at,
	// category_id, created_at, slug): visibility and eligibility checks
	// and related-article features, by id.
	ixArticlesSearch = "ix_articles_search"
	// ixArticlesSection orders a section's articles by publication time.
	ixArticlesSection = "ix_articles_category_status_published"
)

// joinInOrder is the join that keeps its left side first, for reads that
// start from a handful of ids and look up their articles. SQLite's
// planner never reorders a CROSS JOIN; MySQL's treats one as any inner
// join and, with fresh table statistics, may start from articles instead
// (a full scan, and whole rows sorted in an on-disk temporary table), so
// there it is STRAIGHT_JOIN.
func (s *Store) joinInOrder() string {
	if s.db.Dialect == dbconn.MySQL {
		return "STRAIGHT_JOIN"
	}
	return "CROSS JOIN"
}

func (s *Store) searchEngine() searchEngine {
	if s.db.Dialect == dbconn.MySQL {
		return mysqlSearch{}
	}
	return sqliteSearch{}
}

// SearchCursor is a search result's place: its score and id, plus what the
// next page must reuse (the reference instant) and check (the query).
type SearchCursor struct {
	Score float64
	ID    uint64
	Ref   time.Time
	Query string // fulltext.Query.Hash
}

const searchCursorKey = "search"

// Cursor returns the generic cursor form, for encoding.
func (c SearchCursor) Cursor() page.Cursor {
	return page.Cursor{
		Key:   searchCursorKey,
		Value: strconv.FormatFloat(c.Score, 'g', -1, 64) + "|" + strconv.FormatInt(c.Ref.Unix(), 10) + "|" + c.Query,
		ID:    c.ID,
	}
}

// DecodeSearchCursor parses a cursor handed out by a search for query
// (its hash); any other cursor is BAD_USER_INPUT.
func DecodeSearchCursor(field, s, queryHash string) (*SearchCursor, error) {
	c, err := page.DecodeCursor(field, s)
	if err != nil || c == nil {
		return nil, err
	}
	bad := apperr.Invalidf(field, "invalid cursor: pass the cursor of a previous page of the same search")
	parts := strings.Split(c.Value, "|")
	if c.Key != searchCursorKey || len(parts) != 3 {
		return nil, bad
	}
	score, err1 := strconv.ParseFloat(parts[0], 64)
	ref, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, bad
	}
	if parts[2] != queryHash {
		return nil, apperr.Invalidf(field, "cursor belongs to another search query")
	}
	return &SearchCursor{Score: score, ID: c.ID, Ref: time.Unix(ref, 0).UTC(), Query: parts[2]}, nil
}

// SearchPage asks for the first First hits after After.
type SearchPage struct {
	First int
	After *SearchCursor
	// Ref is the instant recency is measured from (taken from After when set).
	Ref time.Time
}

// SearchHit is a matching article with its score and its plain-text body
// (for snippets).
type SearchHit struct {
	models.Article
	Score float64 `gorm:"column:score"`
	// Total is the number of matches, the same on every row.
	Total int64 `gorm:"column:total"`
	// Text is the plain-text body (models.Article.BodyText is write-only).
	Text string `gorm:"column:search_text"`
}

// SearchResultPage is one page of hits, best first.
type SearchResultPage struct {
	Hits     []*SearchHit
	Cursors  []SearchCursor
	PageInfo page.Info
	// Total counts every match (-1 when the page is empty: ask
	// CountSearchResults).
	Total int64
}

// SearchArticles returns a page of the articles matching f and query, best
// first (see the package comment on search for the score).
func (s *Store) SearchArticles(ctx context.Context, f ArticleFilter, query fulltext.Query, p SearchPage) (*SearchResultPage, error) {
	ref := p.Ref.UTC().Truncate(time.Second)
	if p.After != nil {
		ref = p.After.Ref
	}
	// Score every match on narrow rows (id, score, and the number of
	// matches, which comes free with them), keep the page, and only then
	// join the page's articles: sorting whole article rows (bodies
	// included) would cost far more.
	eng := s.searchEngine()
	matches, rel, relArgs := eng.match(s.filteredArticles(ctx, f), query)
	boost, boostArgs := eng.recency(ref)
	scored := matches.Select("articles.id AS id, ("+rel+") * ("+boost+") AS score", append(relArgs, boostArgs...)...)
	// The count is a level up: FTS5 refuses bm25 next to a window function.
	counted := s.q(ctx).Table("(?) AS m", scored).Select("m.id, m.score, COUNT(*) OVER () AS total")
	top := s.q(ctx).Table("(?) AS scored", counted).Select("scored.id, scored.score, scored.total")
	if c := p.After; c != nil {
		top = top.Where("(scored.score < ? OR (scored.score = ? AND scored.id < ?))", c.Score, c.Score, c.ID)
	}
	top = top.Order("scored.score DESC, scored.id DESC").Limit(p.First + 1)
	var rows []*SearchHit
	err := s.q(ctx).Table("(?) AS hits", top).
		Select(s.articleColumns(ctx, f.Visibility) + ", articles.body_text AS search_text, hits.score, hits.total").
		Joins(s.joinInOrder() + " articles ON articles.id = hits.id").
		Order("hits.score DESC, hits.id DESC").
		Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("search articles for %q: %w", query.String(), err)
	}
	more := len(rows) > p.First
	if more {
		rows = rows[:p.First]
	}
	out := &SearchResultPage{
		Hits:     rows,
		Cursors:  make([]SearchCursor, len(rows)),
		PageInfo: page.Info{HasNextPage: more, HasPreviousPage: p.After != nil},
		Total:    -1,
	}
	if len(rows) > 0 {
		out.Total = rows[0].Total
	}
	hash := query.Hash()
	for i, h := range rows {
		out.Cursors[i] = SearchCursor{Score: h.Score, ID: h.ID, Ref: ref, Query: hash}
	}
	return out, nil
}

// CountSearchResults counts the articles matching f and query.
func (s *Store) CountSearchResults(ctx context.Context, f ArticleFilter, query fulltext.Query) (int64, error) {
	q, _, _ := s.searchEngine().match(s.filteredArticles(ctx, f), query)
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count search results for %q: %w", query.String(), err)
	}
	return n, nil
}
