package models

import (
	"time"

	"github.com/broadsheet/broadsheet/internal/globalid"
)

// ArticleSEO is what an editor sets for search engines and link previews;
// empty fields fall back to the headline, standfirst and cover.
type ArticleSEO struct {
	Title       string `gorm:"column:seo_title"`
	Description string `gorm:"column:seo_description"`
	Image       string `gorm:"column:seo_image"`
	Noindex     bool   `gorm:"column:seo_noindex"`
}

// SEO is an article's effective SEO metadata (the GraphQL ArticleSEO
// type): the editor's values, or the fallbacks.
type SEO struct {
	Title, Description string
	// Image is an absolute URL, or nil when the article has no picture.
	Image   *string
	Noindex bool
}

// ArticleSlug is an earlier slug of an article: its old addresses keep
// working (route redirects them to the current one). Slugs are kept per
// locale, as articles' slugs are unique per locale.
type ArticleSlug struct {
	Locale    string `gorm:"primaryKey"`
	Slug      string `gorm:"primaryKey"`
	ArticleID uint64
	CreatedAt time.Time
}

// Redirect sends a request path elsewhere: an editor's redirect (ID set),
// or one route makes up for an article's earlier address (ID 0).
type Redirect struct {
	ID         uint64 `gorm:"primaryKey"`
	FromPath   string `gorm:"column:from_path"`
	Location   string
	StatusCode int
	CreatedBy  string
	CreatedAt  time.Time
}

// RedirectID is the redirect's global id for the API (as in the audit
// log); nil for the redirects route makes up from earlier slugs.
func (r *Redirect) RedirectID() *string {
	if r.ID == 0 {
		return nil
	}
	s := globalid.ID(globalid.TypeRedirect, r.ID)
	return &s
}

// Correction is a published note that an article was wrong and has been
// corrected.
type Correction struct {
	ID        uint64 `gorm:"primaryKey"`
	ArticleID uint64
	Text      string
	CreatedBy string
	CreatedAt time.Time
}

// TableName is the GORM table of corrections.
func (Correction) TableName() string { return "article_corrections" }

// At is when the correction was made.
func (c *Correction) At() time.Time { return c.CreatedAt }

// IsRoute marks the types a request path may resolve to.
func (Article) IsRoute()  {}
func (Author) IsRoute()   {}
func (Category) IsRoute() {}
func (Tag) IsRoute()      {}
func (Redirect) IsRoute() {}
