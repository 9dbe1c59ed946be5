package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// RecordOldSlug remembers that slug was an address of the article in
// locale: it points there until another article of locale takes it.
func (s *Store) RecordOldSlug(ctx context.Context, articleID uint64, locale, slug string, at time.Time) error {
	q := s.q(ctx)
	if err := q.Where("locale = ? AND slug = ?", locale, slug).Delete(&models.ArticleSlug{}).Error; err != nil {
		return fmt.Errorf("record old slug %s/%q: %w", locale, slug, err)
	}
	if err := q.Create(&models.ArticleSlug{Locale: locale, Slug: slug, ArticleID: articleID, CreatedAt: at}).Error; err != nil {
		return fmt.Errorf("record old slug %s/%q: %w", locale, slug, err)
	}
	return nil
}

// ForgetOldSlug drops slug from locale's history: an article of that
// locale has it now. Other locales keep theirs.
func (s *Store) ForgetOldSlug(ctx context.Context, locale, slug string) error {
	if err := s.q(ctx).Where("locale = ? AND slug = ?", locale, slug).Delete(&models.ArticleSlug{}).Error; err != nil {
		return fmt.Errorf("forget old slug %s/%q: %w", locale, slug, err)
	}
	return nil
}

// ArticleIDByOldSlug returns the article that had slug before in locale,
// or 0. With anyLocale, locale is only preferred: an article of another
// locale that had slug is returned when locale has none (the addresses
// without a locale in them).
func (s *Store) ArticleIDByOldSlug(ctx context.Context, locale, slug string, anyLocale bool) (uint64, error) {
	q := s.q(ctx).Model(&models.ArticleSlug{}).Where("slug = ?", slug)
	if anyLocale {
		q = q.Order(clause.OrderBy{Expression: clause.Expr{SQL: "CASE WHEN locale = ? THEN 0 ELSE 1 END, created_at DESC, locale", Vars: []any{locale}}})
	} else {
		q = q.Where("locale = ?", locale)
	}
	var ids []uint64
	if err := q.Limit(1).Pluck("article_id", &ids).Error; err != nil {
		return 0, fmt.Errorf("look up old slug %s/%q: %w", locale, slug, err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// OldSlugs returns an article's earlier slugs, oldest first.
func (s *Store) OldSlugs(ctx context.Context, articleID uint64) ([]string, error) {
	var out []string
	if err := s.q(ctx).Model(&models.ArticleSlug{}).Where("article_id = ?", articleID).Order("created_at, slug").Pluck("slug", &out).Error; err != nil {
		return nil, fmt.Errorf("old slugs of article %d: %w", articleID, err)
	}
	return out, nil
}

var redirectKey = SortKey{Name: "redirects", Column: "redirects.id", IDColumn: "redirects.id", Int: true}

// RedirectFrom returns the editor's redirect of path, or nil.
func (s *Store) RedirectFrom(ctx context.Context, path string) (*models.Redirect, error) {
	var r models.Redirect
	r2, err := notFound(&r, s.q(ctx).Where("from_path = ?", path).Take(&r).Error)
	if err != nil {
		return nil, fmt.Errorf("look up redirect of %q: %w", path, err)
	}
	return r2, nil
}

// RedirectByID returns a redirect, or nil.
func (s *Store) RedirectByID(ctx context.Context, id uint64) (*models.Redirect, error) {
	var r models.Redirect
	r2, err := notFound(&r, s.q(ctx).Where("id = ?", id).Take(&r).Error)
	if err != nil {
		return nil, fmt.Errorf("load redirect %d: %w", id, err)
	}
	return r2, nil
}

// CreateRedirect stores r; a taken from path is a Conflict.
func (s *Store) CreateRedirect(ctx context.Context, r *models.Redirect) error {
	return translate(fmt.Sprintf("create redirect from %q", r.FromPath), s.q(ctx).Create(r).Error)
}

// RetargetRedirects points every redirect to from at to instead, so
// that no chain is left once a redirect from `from` exists.
func (s *Store) RetargetRedirects(ctx context.Context, from, to string) error {
	if err := s.q(ctx).Model(&models.Redirect{}).Where("location = ?", from).Update("location", to).Error; err != nil {
		return fmt.Errorf("retarget redirects to %q: %w", from, err)
	}
	return nil
}

// DeleteRedirect removes a redirect; false when there was none.
func (s *Store) DeleteRedirect(ctx context.Context, id uint64) (bool, error) {
	res := s.q(ctx).Where("id = ?", id).Delete(&models.Redirect{})
	if res.Error != nil {
		return false, fmt.Errorf("delete redirect %d: %w", id, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// ListRedirects returns a page of redirects, newest first.
func (s *Store) ListRedirects(ctx context.Context, p page.Request) (*page.List[*models.Redirect], error) {
	l, err := listNewest(s.q(ctx).Table("redirects"), redirectKey, p, func(r *models.Redirect) uint64 { return r.ID })
	if err != nil {
		return nil, fmt.Errorf("list redirects: %w", err)
	}
	return l, nil
}

// CountRedirects counts the redirects.
func (s *Store) CountRedirects(ctx context.Context) (int64, error) {
	var n int64
	if err := s.q(ctx).Model(&models.Redirect{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count redirects: %w", err)
	}
	return n, nil
}

// AddCorrection stores a correction and sets the article's updated_at to
// its time (the article's dateModified).
func (s *Store) AddCorrection(ctx context.Context, c *models.Correction) error {
	q := s.q(ctx)
	if err := q.Create(c).Error; err != nil {
		return fmt.Errorf("add correction to article %d: %w", c.ArticleID, err)
	}
	if err := q.Model(&models.Article{}).Where("id = ?", c.ArticleID).Update("updated_at", c.CreatedAt).Error; err != nil {
		return fmt.Errorf("touch article %d: %w", c.ArticleID, err)
	}
	return nil
}

// CorrectionsOf returns the corrections of each article, oldest first.
func (s *Store) CorrectionsOf(ctx context.Context, articleIDs []uint64) (map[uint64][]*models.Correction, error) {
	var rows []*models.Correction
	if err := s.q(ctx).Where("article_id IN ?", articleIDs).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load corrections: %w", err)
	}
	out := make(map[uint64][]*models.Correction, len(articleIDs))
	for _, c := range rows {
		out[c.ArticleID] = append(out[c.ArticleID], c)
	}
	return out, nil
}
