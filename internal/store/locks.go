package store

import (
	"context"
	"fmt"

	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/models"
)

// LockArticle loads an article for changing it inside a transaction (a row
// lock on MySQL; SQLite transactions here already hold the write lock).
// Deleted articles are included; nil when there is none.
func (s *Store) LockArticle(ctx context.Context, id uint64) (*models.Article, error) {
	var a models.Article
	q := s.q(ctx)
	if s.db.Dialect == "mysql" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	r, err := notFound(&a, q.Where("id = ?", id).Take(&a).Error)
	if err != nil {
		return nil, fmt.Errorf("lock article %d: %w", id, err)
	}
	return r, nil
}

// UpdateArticleIfVersion writes a's columns when the stored version is still
// version, and bumps it (and the article's rows of the archive indexes).
// It reports false when another change got there first.
func (s *Store) UpdateArticleIfVersion(ctx context.Context, a *models.Article, version int) (bool, error) {
	ok, err := s.updateIfVersion(ctx, a, version)
	if err != nil || !ok {
		return ok, err
	}
	return true, s.syncArchives(ctx, a.ID)
}

// SaveArticleIfVersion is UpdateArticleIfVersion with the article's
// authors and tags replaced too (SetArticleLinks): an editor's save, which
// syncs the archive indexes once for both.
func (s *Store) SaveArticleIfVersion(ctx context.Context, a *models.Article, version int, authorIDs, tagIDs []uint64) (bool, error) {
	ok, err := s.updateIfVersion(ctx, a, version)
	if err != nil || !ok {
		return ok, err
	}
	if err := s.replaceLinks(ctx, a.ID, authorIDs, tagIDs); err != nil {
		return false, err
	}
	return true, s.syncArchives(ctx, a.ID)
}

// updateIfVersion is UpdateArticleIfVersion without the archive indexes.
func (s *Store) updateIfVersion(ctx context.Context, a *models.Article, version int) (bool, error) {
	a.Version = version + 1
	a.LiveVersion = a.Version // a save readers see (staged edits bump the version only: BumpArticleVersion)
	res := s.q(ctx).Model(&models.Article{}).
		Where("id = ? AND version = ?", a.ID, version).
		Select("*").Omit("id", "created_at").
		Updates(a)
	if res.Error != nil {
		return false, translate(fmt.Sprintf("update article %d", a.ID), res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ArticleLinks returns an article's author ids (in byline order) and tag names.
func (s *Store) ArticleLinks(ctx context.Context, id uint64) (authorIDs []uint64, tags []string, err error) {
	if err := s.q(ctx).Model(&models.ArticleAuthor{}).Where("article_id = ?", id).Order("position, author_id").Pluck("author_id", &authorIDs).Error; err != nil {
		return nil, nil, fmt.Errorf("authors of article %d: %w", id, err)
	}
	if err := s.q(ctx).Table("tags").Joins("JOIN article_tags ON article_tags.tag_id = tags.id").
		Where("article_tags.article_id = ?", id).Order("tags.name").Pluck("tags.name", &tags).Error; err != nil {
		return nil, nil, fmt.Errorf("tags of article %d: %w", id, err)
	}
	return authorIDs, tags, nil
}

// SlugTaken reports whether another article (not exceptID) of locale uses
// slug: slugs are unique per locale.
func (s *Store) SlugTaken(ctx context.Context, locale, slug string, exceptID uint64) (bool, error) {
	var n int64
	if err := s.q(ctx).Model(&models.Article{}).Where("locale = ? AND slug = ? AND id <> ?", locale, slug, exceptID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("check slug %q: %w", slug, err)
	}
	return n > 0, nil
}

// AuthorsExist returns which of ids are live authors.
func (s *Store) AuthorsExist(ctx context.Context, ids []uint64) (map[uint64]bool, error) {
	var found []uint64
	if err := s.q(ctx).Model(&models.Author{}).Where("id IN ? AND deleted_at IS NULL", ids).Pluck("id", &found).Error; err != nil {
		return nil, fmt.Errorf("check authors: %w", err)
	}
	out := make(map[uint64]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// SlugsExist returns which of slugs name articles that are not deleted
// (drafts included), for the links a body makes.
func (s *Store) SlugsExist(ctx context.Context, slugs []string) (map[string]bool, error) {
	var found []string
	q := applyVisibility(s.q(ctx).Table(s.bySlug("")), "articles", Visibility{})
	if err := q.Where("articles.slug IN ?", slugs).Pluck("articles.slug", &found).Error; err != nil {
		return nil, fmt.Errorf("check article slugs: %w", err)
	}
	out := make(map[string]bool, len(found))
	for _, sl := range found {
		out[sl] = true
	}
	return out, nil
}
