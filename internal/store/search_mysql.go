package store

import (
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/fulltext"
)

// mysqlSearch searches with InnoDB FULLTEXT indexes (migration 00003):
// ft_articles_text over (title, subtitle, body_text) selects and scores,
// ft_articles_title over the headline adds weight to headline hits.
type mysqlSearch struct{}

const mysqlTextMatch = "MATCH (articles.title, articles.subtitle, articles.body_text) AGAINST (? IN BOOLEAN MODE)"

func (mysqlSearch) match(q *gorm.DB, query fulltext.Query) (*gorm.DB, string, []any) {
	all := mysqlBoolean(query, true)
	title := mysqlBoolean(fulltext.Query{Terms: query.Include()}, false)
	rel := mysqlTextMatch + " + 2 * MATCH (articles.title) AGAINST (? IN BOOLEAN MODE)"
	return q.Where(mysqlTextMatch, all), rel, []any{all, title}
}

func (mysqlSearch) recency(ref time.Time) (string, []any) {
	return "COALESCE(1 + 0.5 / (1 + GREATEST(TIMESTAMPDIFF(SECOND, articles.published_at, ?), 0) / 86400.0 / ?), 1)",
		[]any{ref, recencyHalfDays}
}

func (mysqlSearch) articlesBy(alias, index string) string {
	return "articles " + alias + " FORCE INDEX (" + index + ")"
}

// mysqlBoolean renders query in boolean-mode syntax: +word, +word*,
// +"a phrase", -word. Words hold only letters, digits and marks
// (fulltext.Parse guarantees it), so nothing in them is an operator. With
// required false the included terms are optional (for scoring only).
func mysqlBoolean(query fulltext.Query, required bool) string {
	var b strings.Builder
	for _, t := range query.Terms {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		switch {
		case t.Exclude:
			b.WriteByte('-')
		case required:
			b.WriteByte('+')
		}
		if t.Phrase() {
			b.WriteByte('"')
		}
		b.WriteString(strings.Join(t.Words, " "))
		if t.Phrase() {
			b.WriteByte('"')
		}
		if t.Prefix {
			b.WriteByte('*')
		}
	}
	return b.String()
}
