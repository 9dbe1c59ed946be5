package store

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/models"
)

// ---- Translations: article groups, localized section and tag names ----

// AssignDefaultLocale gives every article without a locale (the rows that
// existed before migration 00020) the default locale, in batches of a
// thousand so that on MySQL no statement holds many row locks for long,
// and then those articles' old slugs (migration 00023 left them empty).
// It returns how many articles it changed; once done it is two index
// lookups.
func (s *Store) AssignDefaultLocale(ctx context.Context, locale string) (int64, error) {
	var total int64
	for {
		var ids []uint64
		if err := s.q(ctx).Model(&models.Article{}).Where("locale = ''").Order("id").Limit(1000).Pluck("id", &ids).Error; err != nil {
			return total, fmt.Errorf("find articles without a locale: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		res := s.q(ctx).Model(&models.Article{}).Where("id IN ? AND locale = ''", ids).UpdateColumn("locale", locale)
		if res.Error != nil {
			return total, fmt.Errorf("assign locale %s: %w", locale, res.Error)
		}
		total += res.RowsAffected
	}
	if err := s.q(ctx).Model(&models.ArticleSlug{}).Where("locale = ''").UpdateColumn("locale", locale).Error; err != nil {
		return total, fmt.Errorf("assign locale %s to old slugs: %w", locale, err)
	}
	return total, nil
}

// GroupMember is an article of a translation group, as the group's rules
// need it (deleted members are not in the group: deleting unlinks).
type GroupMember struct {
	ID     uint64
	Locale string
}

// GroupMembers returns the articles of translation group g (0: none).
func (s *Store) GroupMembers(ctx context.Context, g uint64) ([]GroupMember, error) {
	var out []GroupMember
	if g == 0 {
		return out, nil
	}
	if err := s.q(ctx).Model(&models.Article{}).Select("id, locale").Where("translation_group = ?", g).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("load translation group %d: %w", g, err)
	}
	return out, nil
}

// SetTranslationGroup puts the articles ids in group g (0 unlinks them).
// Only the group column changes: the link is not an edit of the articles
// (no new version or revision).
func (s *Store) SetTranslationGroup(ctx context.Context, ids []uint64, g uint64) error {
	if len(ids) == 0 {
		return nil
	}
	if err := s.q(ctx).Model(&models.Article{}).Where("id IN ?", ids).UpdateColumn("translation_group", g).Error; err != nil {
		return fmt.Errorf("set translation group of %v: %w", ids, err)
	}
	return nil
}

// TranslationsOf returns, for each article of arts, the other members of
// its translation group that v lets through, ordered by locale.
func (s *Store) TranslationsOf(ctx context.Context, v Visibility, arts []*models.Article) (map[uint64][]*models.Article, error) {
	var groups []uint64
	for _, a := range arts {
		if a.TranslationGroup != 0 {
			groups = append(groups, a.TranslationGroup)
		}
	}
	out := make(map[uint64][]*models.Article, len(arts))
	if len(groups) == 0 {
		return out, nil
	}
	slices.Sort(groups)
	groups = slices.Compact(groups)
	rows, err := scanArticles(applyVisibility(s.q(ctx).Table("articles"), "articles", v).Select(s.articleColumns(ctx, v)).
		Where("articles.translation_group IN ?", groups).Order("articles.locale, articles.id"))
	if err != nil {
		return nil, fmt.Errorf("load translations: %w", err)
	}
	for _, a := range arts {
		if a.TranslationGroup == 0 {
			continue
		}
		for _, m := range rows {
			if m.TranslationGroup == a.TranslationGroup && m.ID != a.ID {
				out[a.ID] = append(out[a.ID], m)
			}
		}
	}
	return out, nil
}

// CategoryTranslations returns the translations of the sections ids in
// locale, keyed by section id (missing where a section has none).
func (s *Store) CategoryTranslations(ctx context.Context, locale string, ids []uint64) (map[uint64]*models.CategoryTranslation, error) {
	var rows []*models.CategoryTranslation
	if err := s.q(ctx).Where("locale = ? AND category_id IN ?", locale, ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load section names in %s: %w", locale, err)
	}
	out := make(map[uint64]*models.CategoryTranslation, len(rows))
	for _, r := range rows {
		out[r.CategoryID] = r
	}
	return out, nil
}

// TagTranslations returns the names of the tags ids in locale, keyed by
// tag id (missing where a tag has none).
func (s *Store) TagTranslations(ctx context.Context, locale string, ids []uint64) (map[uint64]string, error) {
	var rows []*models.TagTranslation
	if err := s.q(ctx).Where("locale = ? AND tag_id IN ?", locale, ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load tag names in %s: %w", locale, err)
	}
	out := make(map[uint64]string, len(rows))
	for _, r := range rows {
		out[r.TagID] = r.Name
	}
	return out, nil
}

// SaveCategoryTranslation creates or replaces a section's name and
// description in one locale.
func (s *Store) SaveCategoryTranslation(ctx context.Context, t *models.CategoryTranslation) error {
	err := s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "category_id"}, {Name: "locale"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "description"}),
	}).Create(t).Error
	if err != nil {
		return fmt.Errorf("save section %d name in %s: %w", t.CategoryID, t.Locale, err)
	}
	return nil
}

// DeleteCategoryTranslation removes a section's translation in locale.
func (s *Store) DeleteCategoryTranslation(ctx context.Context, categoryID uint64, locale string) error {
	if err := s.q(ctx).Where("category_id = ? AND locale = ?", categoryID, locale).Delete(&models.CategoryTranslation{}).Error; err != nil {
		return fmt.Errorf("remove section %d name in %s: %w", categoryID, locale, err)
	}
	return nil
}

// SaveTagTranslation creates or replaces a tag's name in one locale.
func (s *Store) SaveTagTranslation(ctx context.Context, t *models.TagTranslation) error {
	err := s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "tag_id"}, {Name: "locale"}},
		DoUpdates: clause.AssignmentColumns([]string{"name"}),
	}).Create(t).Error
	if err != nil {
		return fmt.Errorf("save tag %d name in %s: %w", t.TagID, t.Locale, err)
	}
	return nil
}

// DeleteTagTranslation removes a tag's name in locale.
func (s *Store) DeleteTagTranslation(ctx context.Context, tagID uint64, locale string) error {
	if err := s.q(ctx).Where("tag_id = ? AND locale = ?", tagID, locale).Delete(&models.TagTranslation{}).Error; err != nil {
		return fmt.Errorf("remove tag %d name in %s: %w", tagID, locale, err)
	}
	return nil
}

// ArticleBySlugAnyLocale returns the article with slug in preferred, or
// else in any locale (the oldest), or nil: for addresses that do not name
// their locale.
func (s *Store) ArticleBySlugAnyLocale(ctx context.Context, v Visibility, slug, preferred string) (*models.Article, error) {
	var a models.Article
	err := applyVisibility(s.q(ctx).Table(s.bySlug("")), "articles", v).Select(s.articleColumns(ctx, v)).
		Where("articles.slug = ?", slug).
		Order(clause.OrderBy{Expression: clause.Expr{SQL: "CASE WHEN articles.locale = ? THEN 0 ELSE 1 END, articles.id", Vars: []any{preferred}}}).
		Take(&a).Error
	r, err := notFound(&a, err)
	if err != nil {
		return nil, fmt.Errorf("load article %q: %w", slug, err)
	}
	return r, nil
}
