package store

import (
	"context"
	"fmt"
	"time"

	"github.com/broadsheet/broadsheet/internal/searchindex"
)

// The rows the in-process search index (internal/searchindex) is built
// from and kept in step with, and the page of hits it found, read by id.

type searchDocRow struct {
	ID          uint64
	Title       string
	Subtitle    string
	BodyText    string `gorm:"column:body_text"`
	Status      string
	PublishedAt *time.Time
	ExpiresAt   *time.Time
	DeletedAt   *time.Time
	Locale      string
	CategoryID  *uint64
	ReviewState string
}

const searchDocColumns = "id, title, subtitle, body_text, status, published_at, expires_at, deleted_at, locale, category_id, review_state"

// SearchDocs returns up to limit articles with ids above afterID, in id
// order, deleted ones too, with their tags and authors (3 statements).
func (s *Store) SearchDocs(ctx context.Context, afterID uint64, limit int) ([]searchindex.Doc, error) {
	var rows []searchDocRow
	if err := s.q(ctx).Table("articles").Select(searchDocColumns).Where("id > ?", afterID).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read articles for the search index: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return s.searchDocs(ctx, rows, "BETWEEN ? AND ?", rows[0].ID, rows[len(rows)-1].ID)
}

// SearchDocsByIDs returns the articles among ids that exist, in any order.
func (s *Store) SearchDocsByIDs(ctx context.Context, ids []uint64) ([]searchindex.Doc, error) {
	var rows []searchDocRow
	if err := s.q(ctx).Table("articles").Select(searchDocColumns).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read articles for the search index: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return s.searchDocs(ctx, rows, "IN ?", ids)
}

// searchDocs adds the tags and authors of rows, read with the condition
// cond on article_id.
func (s *Store) searchDocs(ctx context.Context, rows []searchDocRow, cond string, args ...any) ([]searchindex.Doc, error) {
	type link struct{ ArticleID, OtherID uint64 }
	var tags, authors []link
	if err := s.q(ctx).Table("article_tags").Select("article_id, tag_id AS other_id").Where("article_id "+cond, args...).Find(&tags).Error; err != nil {
		return nil, fmt.Errorf("read tags for the search index: %w", err)
	}
	if err := s.q(ctx).Table("article_authors").Select("article_id, author_id AS other_id").Where("article_id "+cond, args...).Find(&authors).Error; err != nil {
		return nil, fmt.Errorf("read authors for the search index: %w", err)
	}
	docs := make([]searchindex.Doc, len(rows))
	at := make(map[uint64]int, len(rows))
	for i, r := range rows {
		d := searchindex.Doc{ID: r.ID, Title: r.Title, Subtitle: r.Subtitle, Body: r.BodyText, Status: r.Status,
			PublishedAt: r.PublishedAt, ExpiresAt: r.ExpiresAt, DeletedAt: r.DeletedAt, Locale: r.Locale, ReviewState: r.ReviewState}
		if r.CategoryID != nil {
			d.CategoryID = *r.CategoryID
		}
		docs[i] = d
		at[r.ID] = i
	}
	for _, l := range tags {
		if i, ok := at[l.ArticleID]; ok {
			docs[i].TagIDs = append(docs[i].TagIDs, l.OtherID)
		}
	}
	for _, l := range authors {
		if i, ok := at[l.ArticleID]; ok {
			docs[i].AuthorIDs = append(docs[i].AuthorIDs, l.OtherID)
		}
	}
	return docs, nil
}

// SearchHitsByIDs reads the articles of a page the index found, with
// their plain-text bodies, if v still lets the viewer see them (one
// statement), keyed by id.
func (s *Store) SearchHitsByIDs(ctx context.Context, v Visibility, ids []uint64) (map[uint64]*SearchHit, error) {
	out := make(map[uint64]*SearchHit, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []*SearchHit
	q := applyVisibility(s.q(ctx).Table("articles"), "articles", v)
	err := q.Select(s.articleColumns(ctx, v)+", articles.body_text AS search_text").Where("articles.id IN ?", ids).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read the page of search hits: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// SlugIDs resolves the slugs of an article filter to ids, for the search
// index (one statement per kind given; an unknown slug gives no id).
func (s *Store) SlugIDs(ctx context.Context, category string, tags []string, author string) (categoryID uint64, tagIDs []uint64, authorID uint64, err error) {
	if category != "" {
		if err = s.q(ctx).Table("categories").Select("id").Where("slug = ?", category).Limit(1).Scan(&categoryID).Error; err != nil {
			return 0, nil, 0, fmt.Errorf("resolve section %q: %w", category, err)
		}
	}
	if len(tags) > 0 {
		if err = s.q(ctx).Table("tags").Where("slug IN ?", tags).Pluck("id", &tagIDs).Error; err != nil {
			return 0, nil, 0, fmt.Errorf("resolve tags %v: %w", tags, err)
		}
	}
	if author != "" {
		if err = s.q(ctx).Table("authors").Select("id").Where("slug = ?", author).Limit(1).Scan(&authorID).Error; err != nil {
			return 0, nil, 0, fmt.Errorf("resolve author %q: %w", author, err)
		}
	}
	return categoryID, tagIDs, authorID, nil
}
