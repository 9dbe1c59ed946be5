package store

import (
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/models"
)

// What a viewer may see of the articles, in its two forms side by side: as
// SQL conditions for queries (applyVisibility) and as Go for an article
// already loaded (Allows). TestVisibilityFormsAgree holds them equal on the
// same rows on both engines. The content service chooses the Visibility
// (readers: PublishedOnly at its clock's now; editors: the zero value);
// related lists, search, tags and live updates all go through it.

// Visibility limits which articles a query may return.
type Visibility struct {
	// PublishedOnly restricts to articles readers may see at Now: status
	// PUBLISHED, publishedAt not after Now, not expired (expiresAt, when
	// set, after Now), not deleted.
	PublishedOnly bool
	// Now is the instant PublishedOnly compares publishedAt with.
	Now time.Time
	// IncludeDeleted lets soft-deleted articles through (editors restoring).
	IncludeDeleted bool
}

// Readers is the visibility of a reader at now.
func Readers(now time.Time) Visibility { return Visibility{PublishedOnly: true, Now: now} }

// applyVisibility adds the visibility conditions on the articles table,
// referenced by alias (e.g. "articles").
func applyVisibility(q *gorm.DB, alias string, v Visibility) *gorm.DB {
	for _, c := range visibilityConds(alias, v) {
		q = q.Where(c.SQL, c.Vars...)
	}
	return q
}

// visibilityConds are the conditions of v on the articles table named
// alias, each with its arguments: applyVisibility's, for a statement
// written by hand (visibilitySQL).
func visibilityConds(alias string, v Visibility) []clause.Expr {
	var out []clause.Expr
	if !v.IncludeDeleted || v.PublishedOnly {
		out = append(out, clause.Expr{SQL: alias + ".deleted_at IS NULL"})
	}
	if v.PublishedOnly {
		now := v.Now.UTC()
		out = append(out,
			clause.Expr{SQL: alias + ".status = ? AND " + alias + ".published_at <= ?", Vars: []any{"PUBLISHED", now}},
			clause.Expr{SQL: "(" + alias + ".expires_at IS NULL OR " + alias + ".expires_at > ?)", Vars: []any{now}})
	}
	return out
}

// visibilitySQL is visibilityConds as one condition ("1=1" when v lets
// everything through) and its arguments. The condition's text depends on
// alias and v's flags alone, and is written once for each: an article
// page's statement is written out on every request (see written).
func visibilitySQL(alias string, v Visibility) (string, []any) {
	var args []any
	if v.PublishedOnly { // visibilityConds's arguments (TestVisibilitySQLAsConds)
		now := v.Now.UTC()
		args = []any{"PUBLISHED", now, now}
	}
	shape := visibilityShape{alias, v.PublishedOnly, v.IncludeDeleted}
	if text, ok := visibilityTexts.Load(shape); ok {
		return text.(string), args
	}
	text, _ := joinConds(visibilityConds(alias, v))
	visibilityTexts.Store(shape, text)
	return text, args
}

// visibilityShape is what visibilitySQL's text depends on.
type visibilityShape struct {
	alias                         string
	publishedOnly, includeDeleted bool
}

var visibilityTexts sync.Map // visibilityShape → string

// joinConds is conds as one condition and its arguments.
func joinConds(conds []clause.Expr) (string, []any) {
	if len(conds) == 0 {
		return "1=1", nil
	}
	var sql []string
	var args []any
	for _, c := range conds {
		sql = append(sql, "("+c.SQL+")")
		args = append(args, c.Vars...)
	}
	return strings.Join(sql, " AND "), args
}

// Allows is applyVisibility for an article already loaded.
func (v Visibility) Allows(a *models.Article) bool {
	if a == nil {
		return false
	}
	if a.DeletedAt != nil && (!v.IncludeDeleted || v.PublishedOnly) {
		return false
	}
	if v.PublishedOnly {
		return a.Status == models.StatusPublished && a.PublishedAt != nil && !a.PublishedAt.After(v.Now) &&
			(a.ExpiresAt == nil || a.ExpiresAt.After(v.Now))
	}
	return true
}

// eligibleSQL is the rule for articles that may be suggested as related
// (on alias a): published or scheduled, with a publication time, not
// deleted. Readers still see a suggestion only once it passes their
// Visibility; drafts and archived articles are never suggested
// (publishing one refreshes it).
const eligibleSQL = "a.status IN ('PUBLISHED', 'SCHEDULED') AND a.published_at IS NOT NULL AND a.deleted_at IS NULL"

// sectionPeerSQL is the stricter rule for a section's neighbours in time
// (on alias a): published by status, whatever the time, not deleted. It
// names one status so that the (category_id, status, published_at) index
// gives both sides of an article in order.
const sectionPeerSQL = "a.status = 'PUBLISHED' AND a.published_at IS NOT NULL AND a.deleted_at IS NULL"

// SectionPeer is sectionPeerSQL for a loaded article.
func SectionPeer(status models.ArticleStatus, publishedAt, deletedAt *time.Time) bool {
	return status == models.StatusPublished && publishedAt != nil && deletedAt == nil
}

// Eligible is eligibleSQL for a loaded article.
func Eligible(status models.ArticleStatus, publishedAt, deletedAt *time.Time) bool {
	return (status == models.StatusPublished || status == models.StatusScheduled) && publishedAt != nil && deletedAt == nil
}

// relatableSQL is the rule for which eligible articles (on alias a) may be
// suggested as related to an article, with its locale and translation
// group as arguments: only articles in the same locale, and never one of
// the article's own translations (a translation is the same story, not a
// story to read next).
const relatableSQL = "a.locale = ? AND (a.translation_group = 0 OR a.translation_group <> ?)"

// Relatable is relatableSQL for loaded features: whether y may be
// suggested for x.
func Relatable(x, y *RelatedFeatures) bool {
	return x.Locale == y.Locale && (y.Group == 0 || y.Group != x.Group)
}
