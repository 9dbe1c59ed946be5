package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

var nameKey = func(table string) SortKey {
	return SortKey{Name: "name", Column: table + ".name", IDColumn: table + ".id"}
}

// AuthorByID returns the author with id, or nil.
func (s *Store) AuthorByID(ctx context.Context, id uint64) (*models.Author, error) {
	var a models.Author
	r, err := notFound(&a, s.q(ctx).Where("id = ? AND deleted_at IS NULL", id).Take(&a).Error)
	if err != nil {
		return nil, fmt.Errorf("load author %d: %w", id, err)
	}
	return r, nil
}

// AuthorBySlug returns the author with slug, or nil.
func (s *Store) AuthorBySlug(ctx context.Context, slug string) (*models.Author, error) {
	var a models.Author
	r, err := notFound(&a, s.q(ctx).Where("slug = ? AND deleted_at IS NULL", slug).Take(&a).Error)
	if err != nil {
		return nil, fmt.Errorf("load author %q: %w", slug, err)
	}
	return r, nil
}

// ListAuthors returns a page of authors ordered by name.
func (s *Store) ListAuthors(ctx context.Context, p page.Request) (*page.List[*models.Author], error) {
	l, err := list(s.q(ctx).Table("authors").Where("authors.deleted_at IS NULL"), nameKey("authors"), p,
		func(a *models.Author) any { return a.Name }, func(a *models.Author) uint64 { return a.ID })
	if err != nil {
		return nil, fmt.Errorf("list authors: %w", err)
	}
	return l, nil
}

// CountAuthors counts the authors.
func (s *Store) CountAuthors(ctx context.Context) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&models.Author{}).Where("deleted_at IS NULL").Count(&n).Error
	return n, err
}

// CreateAuthor inserts a.
func (s *Store) CreateAuthor(ctx context.Context, a *models.Author) error {
	return translate(fmt.Sprintf("create author %q", a.Slug), s.q(ctx).Create(a).Error)
}

// CategoriesByIDs returns categories keyed by id.
func (s *Store) CategoriesByIDs(ctx context.Context, ids []uint64) (map[uint64]*models.Category, error) {
	var rows []*models.Category
	if err := s.q(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load categories by id: %w", err)
	}
	out := make(map[uint64]*models.Category, len(rows))
	for _, c := range rows {
		out[c.ID] = c
	}
	return out, nil
}

// CategoryBySlug returns the category with slug, or nil.
func (s *Store) CategoryBySlug(ctx context.Context, slug string) (*models.Category, error) {
	var c models.Category
	r, err := notFound(&c, s.q(ctx).Where("slug = ?", slug).Take(&c).Error)
	if err != nil {
		return nil, fmt.Errorf("load category %q: %w", slug, err)
	}
	return r, nil
}

// CategoryByID returns the category with id, or nil.
func (s *Store) CategoryByID(ctx context.Context, id uint64) (*models.Category, error) {
	var c models.Category
	r, err := notFound(&c, s.q(ctx).Where("id = ?", id).Take(&c).Error)
	if err != nil {
		return nil, fmt.Errorf("load category %d: %w", id, err)
	}
	return r, nil
}

// ListCategories returns every category in menu order.
func (s *Store) ListCategories(ctx context.Context) ([]*models.Category, error) {
	var rows []*models.Category
	if err := s.q(ctx).Order("position, name, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	return rows, nil
}

// CreateCategory inserts c.
func (s *Store) CreateCategory(ctx context.Context, c *models.Category) error {
	return translate(fmt.Sprintf("create category %q", c.Slug), s.q(ctx).Create(c).Error)
}

// visibleTags limits q (on tags) to the tags of an article v lets
// through. A tag first used on an embargoed draft names its story: readers
// must not see it before the story.
func (s *Store) visibleTags(ctx context.Context, q *gorm.DB, v Visibility) *gorm.DB {
	return s.visibleTagsIn(ctx, q, v, "")
}

// visibleTagsIn is visibleTags keeping only the tags used in locale (on an
// article v lets through) when locale is set.
func (s *Store) visibleTagsIn(ctx context.Context, q *gorm.DB, v Visibility, locale string) *gorm.DB {
	if !v.PublishedOnly && locale == "" {
		return q
	}
	used := applyVisibility(s.q(ctx).Table("article_tags AS used").Select("1").
		Joins("JOIN articles ON articles.id = used.article_id").Where("used.tag_id = tags.id"), "articles", v)
	if locale != "" {
		used = used.Where("articles.locale = ?", locale)
	}
	return q.Where("EXISTS (?)", used)
}

// TagBySlug returns the tag with slug that v lets through, or nil.
func (s *Store) TagBySlug(ctx context.Context, v Visibility, slug string) (*models.Tag, error) {
	var t models.Tag
	r, err := notFound(&t, s.visibleTags(ctx, s.q(ctx).Table("tags"), v).Where("tags.slug = ?", slug).Take(&t).Error)
	if err != nil {
		return nil, fmt.Errorf("load tag %q: %w", slug, err)
	}
	return r, nil
}

// TagByID returns the tag with id that v lets through, or nil.
func (s *Store) TagByID(ctx context.Context, v Visibility, id uint64) (*models.Tag, error) {
	var t models.Tag
	r, err := notFound(&t, s.visibleTags(ctx, s.q(ctx).Table("tags"), v).Where("tags.id = ?", id).Take(&t).Error)
	if err != nil {
		return nil, fmt.Errorf("load tag %d: %w", id, err)
	}
	return r, nil
}

// ListTags returns a page of the tags v lets through (used in locale, when
// set), ordered by name.
func (s *Store) ListTags(ctx context.Context, v Visibility, locale string, p page.Request) (*page.List[*models.Tag], error) {
	l, err := list(s.visibleTagsIn(ctx, s.q(ctx).Table("tags"), v, locale), nameKey("tags"), p,
		func(t *models.Tag) any { return t.Name }, func(t *models.Tag) uint64 { return t.ID })
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	return l, nil
}

// CountTags counts the tags ListTags lists.
func (s *Store) CountTags(ctx context.Context, v Visibility, locale string) (int64, error) {
	var n int64
	err := s.visibleTagsIn(ctx, s.q(ctx).Table("tags"), v, locale).Count(&n).Error
	return n, err
}

// EnsureTags returns the tags with the given slugs, creating the missing ones
// with their names. The result follows the order of slugs.
func (s *Store) EnsureTags(ctx context.Context, slugs, names []string) ([]*models.Tag, error) {
	if len(slugs) == 0 {
		return nil, nil
	}
	now := s.db.NowFunc()
	fresh := make([]models.Tag, len(slugs))
	for i := range slugs {
		fresh[i] = models.Tag{Slug: slugs[i], Name: names[i], CreatedAt: now}
	}
	if err := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&fresh).Error; err != nil {
		return nil, fmt.Errorf("create tags: %w", err)
	}
	var rows []*models.Tag
	if err := s.q(ctx).Where("slug IN ?", slugs).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load tags: %w", err)
	}
	bySlug := make(map[string]*models.Tag, len(rows))
	for _, t := range rows {
		bySlug[t.Slug] = t
	}
	out := make([]*models.Tag, 0, len(slugs))
	for _, sl := range slugs {
		if t := bySlug[sl]; t != nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// IsEmpty reports whether no content exists yet (a fresh database).
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	var n int64
	for _, table := range []string{"articles", "categories", "authors"} {
		if err := s.q(ctx).Table(table).Limit(1).Count(&n).Error; err != nil {
			return false, fmt.Errorf("check %s: %w", table, err)
		}
		if n > 0 {
			return false, nil
		}
	}
	return true, nil
}

// UpdateAuthor writes a's columns.
func (s *Store) UpdateAuthor(ctx context.Context, a *models.Author) error {
	return translate(fmt.Sprintf("update author %d", a.ID), s.q(ctx).Model(a).Select("*").Omit("id", "created_at").Updates(a).Error)
}

// CountPublishedByAuthor counts the live published and scheduled articles
// an author is credited on: the bylines readers see or are about to.
func (s *Store) CountPublishedByAuthor(ctx context.Context, authorID uint64) (int64, error) {
	var n int64
	err := s.q(ctx).Table("articles").
		Joins("JOIN article_authors ON article_authors.article_id = articles.id").
		Where("article_authors.author_id = ? AND articles.status IN ? AND articles.deleted_at IS NULL", authorID,
			[]models.ArticleStatus{models.StatusPublished, models.StatusScheduled}).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count articles of author %d: %w", authorID, err)
	}
	return n, nil
}

// UpdateCategory writes c's columns.
func (s *Store) UpdateCategory(ctx context.Context, c *models.Category) error {
	return translate(fmt.Sprintf("update category %d", c.ID), s.q(ctx).Model(c).Select("*").Omit("id", "created_at").Updates(c).Error)
}

// AuthorByIDAny returns an author by id, deleted or not.
func (s *Store) AuthorByIDAny(ctx context.Context, id uint64) (*models.Author, error) {
	var a models.Author
	r, err := notFound(&a, s.q(ctx).Where("id = ?", id).Take(&a).Error)
	if err != nil {
		return nil, fmt.Errorf("load author %d: %w", id, err)
	}
	return r, nil
}

// AuthorsByIDs returns the (not deleted) authors among ids, keyed by id.
func (s *Store) AuthorsByIDs(ctx context.Context, ids []uint64) (map[uint64]*models.Author, error) {
	var rows []*models.Author
	if err := s.q(ctx).Where("id IN ? AND deleted_at IS NULL", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load authors by id: %w", err)
	}
	out := make(map[uint64]*models.Author, len(rows))
	for _, a := range rows {
		out[a.ID] = a
	}
	return out, nil
}

// TagsByIDs returns the tags among ids that v lets through, keyed by id.
func (s *Store) TagsByIDs(ctx context.Context, v Visibility, ids []uint64) (map[uint64]*models.Tag, error) {
	var rows []*models.Tag
	if err := s.visibleTags(ctx, s.q(ctx).Table("tags"), v).Where("tags.id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load tags by id: %w", err)
	}
	out := make(map[uint64]*models.Tag, len(rows))
	for _, t := range rows {
		out[t.ID] = t
	}
	return out, nil
}

// AuthorSlugTaken reports whether any author row, deleted or not, holds
// slug (the unique index covers them all).
func (s *Store) AuthorSlugTaken(ctx context.Context, slug string) (bool, error) {
	return s.slugUsed(ctx, &models.Author{}, slug)
}

// CategorySlugTaken reports whether a section holds slug.
func (s *Store) CategorySlugTaken(ctx context.Context, slug string) (bool, error) {
	return s.slugUsed(ctx, &models.Category{}, slug)
}

func (s *Store) slugUsed(ctx context.Context, model any, slug string) (bool, error) {
	var n int64
	if err := s.q(ctx).Model(model).Where("slug = ?", slug).Count(&n).Error; err != nil {
		return false, fmt.Errorf("check slug %q: %w", slug, err)
	}
	return n > 0, nil
}
