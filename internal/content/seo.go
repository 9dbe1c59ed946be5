package content

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/models"
)

// Limits of the SEO fields: search engines show about 60 characters of a
// title and 160 of a description; these leave room without allowing essays.
const (
	MaxSEOTitleRunes       = 300
	MaxSEODescriptionRunes = 1000
)

// SEOChanges are the SEO fields an update sets; nil leaves one as it is,
// an empty string falls back again.
type SEOChanges struct {
	Title, Description, Image *string
	Noindex                   *bool
}

func (c *SEOChanges) apply(seo *models.ArticleSEO) {
	if c == nil {
		return
	}
	set(&seo.Title, c.Title, strings.TrimSpace)
	set(&seo.Description, c.Description, strings.TrimSpace)
	set(&seo.Image, c.Image, strings.TrimSpace)
	if c.Noindex != nil {
		seo.Noindex = *c.Noindex
	}
}

func trimSEO(seo models.ArticleSEO) models.ArticleSEO {
	seo.Title, seo.Description, seo.Image = strings.TrimSpace(seo.Title), strings.TrimSpace(seo.Description), strings.TrimSpace(seo.Image)
	return seo
}

func validateSEO(seo models.ArticleSEO) apperr.FieldErrors {
	var errs apperr.FieldErrors
	if utf8.RuneCountInString(seo.Title) > MaxSEOTitleRunes {
		errs = append(errs, apperr.Invalidf("seo.title", "SEO title is longer than %d characters", MaxSEOTitleRunes))
	}
	if utf8.RuneCountInString(seo.Description) > MaxSEODescriptionRunes {
		errs = append(errs, apperr.Invalidf("seo.description", "SEO description is longer than %d characters", MaxSEODescriptionRunes))
	}
	if seo.Image != "" && !absoluteHTTPURL(seo.Image) && !(strings.HasPrefix(seo.Image, "/") && len(seo.Image) <= MaxURLLen && !strings.HasPrefix(seo.Image, "//")) {
		errs = append(errs, apperr.Invalidf("seo.image", "SEO image must be an absolute http(s) URL or a site path starting with /"))
	}
	return errs
}

// SEO returns the article's effective search-engine metadata: the
// editor's values, else the headline, the standfirst (or excerpt) and the
// cover image, as an absolute URL.
func (s *Service) SEO(a *models.Article) *models.SEO {
	f := a.SEOFields
	out := &models.SEO{Title: f.Title, Description: f.Description, Noindex: f.Noindex}
	if out.Title == "" {
		out.Title = a.Title
	}
	if out.Description == "" {
		out.Description = a.Subtitle
	}
	if out.Description == "" {
		out.Description = a.Excerpt
	}
	img := f.Image
	if img == "" {
		img = a.Cover.URL
	}
	if img != "" {
		abs := s.pub.Links.Absolute(img)
		out.Image = &abs
	}
	return out
}

// keepOldSlug records the slug an article gave up (its old addresses keep
// working) and forgets the history of the slug it now has, both within
// the article's locale: other locales' old addresses are theirs.
func (s *Service) keepOldSlug(ctx context.Context, tx TxStorage, a *models.Article, oldSlug string) error {
	if oldSlug == a.Slug {
		return nil
	}
	if err := tx.ForgetOldSlug(ctx, a.Locale, a.Slug); err != nil {
		return err
	}
	if oldSlug == "" {
		return nil
	}
	if err := tx.RecordOldSlug(ctx, a.ID, a.Locale, oldSlug, s.Now()); err != nil {
		return fmt.Errorf("keep slug history: %w", err)
	}
	return nil
}
