package store

import (
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/fulltext"
)

// sqliteSearch searches with the FTS5 table articles_fts (migration 00003),
// an external-content index of (title, subtitle, body_text) kept in sync by
// triggers. Relevance is bm25 with the headline weighing 4 and the
// standfirst 2 against the body's 1 (bm25 is lower for better matches, so
// it is negated).
type sqliteSearch struct{}

func (sqliteSearch) match(q *gorm.DB, query fulltext.Query) (*gorm.DB, string, []any) {
	// CROSS JOIN makes SQLite walk the full-text matches and look up each
	// article; left to itself it may scan articles and run the MATCH once
	// per row, hundreds of times slower. The lookup reads the covering index
	// ix_articles_search (visibility and filter columns), not the table,
	// whose rows hold the bodies (overflow pages) before those columns.
	q = q.Table("articles_fts CROSS JOIN "+sqliteSearch{}.articlesBy("articles", ixArticlesSearch)+" ON articles.id = articles_fts.rowid").Where("articles_fts MATCH ?", fts5Expr(query))
	return q, "-bm25(articles_fts, 4.0, 2.0, 1.0)", nil
}

func (sqliteSearch) recency(ref time.Time) (string, []any) {
	return "COALESCE(1 + 0.5 / (1 + max(julianday(?) - julianday(articles.published_at), 0) / ?), 1)",
		[]any{ref.UTC().Format("2006-01-02 15:04:05"), float64(recencyHalfDays)}
}

func (sqliteSearch) articlesBy(alias, index string) string {
	return "articles " + alias + " INDEXED BY " + index
}

// fts5Expr renders query in FTS5 syntax: every word or phrase as a quoted
// string ("word", "word"*, "a phrase"), joined by AND, then NOT for each
// excluded term. Quoting makes FTS5 keywords (AND, OR, NOT, NEAR) and column
// filters plain words; words cannot contain a double quote.
func fts5Expr(query fulltext.Query) string {
	quote := func(t fulltext.Term) string {
		s := `"` + strings.Join(t.Words, " ") + `"`
		if t.Prefix {
			s += "*"
		}
		return s
	}
	var inc []string
	for _, t := range query.Include() {
		inc = append(inc, quote(t))
	}
	expr := "(" + strings.Join(inc, " AND ") + ")"
	for _, t := range query.Exclude() {
		expr += " NOT " + quote(t)
	}
	return expr
}
