package feeds

import (
	"time"

	"github.com/broadsheet/broadsheet/internal/permalink"
)

// ArticleRef is what an article's URL is built from.
type ArticleRef struct {
	ID          uint64
	Slug        string
	SectionSlug string
	PublishedAt time.Time
	Locale      string
}

// links gives the public URLs that feeds and sitemaps name, by the
// publication's URL pattern (the same addresses as Article.url in GraphQL).
type links struct{ l *permalink.Links }

// Home is the publication's public URL (no trailing slash); feeds and
// sitemaps are served under it.
func (x links) Home() string { return x.l.Base() }

func (x links) Article(a ArticleRef) string {
	u, _ := x.l.Article(permalink.Fields{Section: a.SectionSlug, Slug: a.Slug, ID: a.ID, Published: a.PublishedAt.UTC(), Locale: a.Locale})
	return u
}

func (x links) Section(slug string) string { u, _ := x.l.Section(slug); return u }
func (x links) Tag(slug string) string     { u, _ := x.l.Tag(slug); return u }
func (x links) Author(slug string) string  { u, _ := x.l.Author(slug); return u }

// Image is an image's absolute URL (covers may be site paths).
func (x links) Image(ref string) string { return x.l.Absolute(ref) }
