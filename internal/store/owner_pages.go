package store

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// bylineColumns are the author's columns as AuthorPage reads them beside
// each article of the page: a byline's, as AuthorsByArticleIDs reads
// them (no timestamps).
const bylineColumns = "byline.id AS byline_id, byline.slug AS byline_slug, byline.name AS byline_name, byline.bio AS byline_bio, " +
	"byline.avatar_url AS byline_avatar_url, byline.job_title AS byline_job_title"

// AuthorPage returns the author with slug and the page p of their articles
// matching f (whose AuthorID and AuthorSlug it sets). A reader's page,
// which the author index answers, is read in one statement with the
// author's columns on every row, where reading the author first took a
// round trip of its own (the author so read has no timestamps: CreatedAt,
// UpdatedAt and DeletedAt are zero); a page with no rows reads the author
// alone after it. Other lists (an editor's) read the author, then the
// page. Nil, with a nil list, when there is no such author.
func (s *Store) AuthorPage(ctx context.Context, slug string, f ArticleFilter, order models.ArticleSort, p page.Request) (*models.Author, *page.List[*models.Article], error) {
	f.AuthorID, f.AuthorSlug = 0, ""
	if !onlyReaders(f) || ArticleSortKey(order).Name != indexSortKey.Name {
		a, err := s.AuthorBySlug(ctx, slug)
		if a == nil {
			return nil, nil, err
		}
		f.AuthorID = a.ID
		l, err := s.ListArticles(ctx, f, order, p)
		if err != nil {
			return nil, nil, err
		}
		return a, l, nil
	}
	var a struct {
		id                                uintCol
		slug, name, bio, avatar, jobTitle strCol
	}
	byline := ownerColumns(bylineColumns, map[string]sql.Scanner{
		"byline_id": &a.id, "byline_slug": &a.slug, "byline_name": &a.name, "byline_bio": &a.bio,
		"byline_avatar_url": &a.avatar, "byline_job_title": &a.jobTitle,
	})
	author := gorm.Expr("(SELECT au.id FROM authors au WHERE au.slug = ? AND au.deleted_at IS NULL)", slug)
	l, err := s.pageByIndex(ctx, authorIndex, f, author, &byline, "JOIN authors AS byline ON byline.id = x.author_id", order, p)
	if err != nil {
		return nil, nil, fmt.Errorf("load author page %q: %w", slug, err)
	}
	return ownerOfPage(l,
		func() *models.Author {
			return &models.Author{ID: uint64(a.id), Slug: string(a.slug), Name: string(a.name), Bio: string(a.bio), AvatarURL: string(a.avatar),
				JobTitle: string(a.jobTitle)}
		},
		func() (*models.Author, error) { return s.AuthorBySlug(ctx, slug) })
}

// tagColumns are the tag's columns a tag page reads beside each article
// of the page (a tag's timestamp is no reader's business either).
const tagColumns = "owner_tag.id AS tag_id, owner_tag.slug AS tag_slug, owner_tag.name AS tag_name"

// TagPage returns the tag with slug and the page p of its articles
// matching f (whose TagSlugs and TagID it sets), in one statement, as
// SectionFront reads a section's: the tag's columns ride on every row, and
// the tag read so has no timestamp. A reader's page in publication order
// is read from the tag index (tag_articles), as an author's is; other
// lists (an editor's) from articles through article_tags. A page with
// rows holds articles f lets through, so the tag is one the viewer may
// see; a page with no rows (a tag with no article the viewer sees, a page
// past the end, or no such tag) reads the tag after it as TagBySlug does
// for f's viewer: nil, with a nil list, when it does not find it.
func (s *Store) TagPage(ctx context.Context, slug string, f ArticleFilter, order models.ArticleSort, p page.Request) (*models.Tag, *page.List[*models.Article], error) {
	var t struct {
		id         uintCol
		slug, name strCol
	}
	owner := ownerColumns(tagColumns, map[string]sql.Scanner{"tag_id": &t.id, "tag_slug": &t.slug, "tag_name": &t.name})
	var l *page.List[*models.Article]
	var err error
	if f.TagSlugs, f.TagID = nil, 0; onlyReaders(f) && ArticleSortKey(order).Name == indexSortKey.Name {
		tag := gorm.Expr("(SELECT t.id FROM tags t WHERE t.slug = ?)", slug)
		l, err = s.pageByIndex(ctx, tagIndex, f, tag, &owner, "JOIN tags AS owner_tag ON owner_tag.id = x.tag_id", order, p)
	} else {
		f.TagSlugs = []string{slug}
		q := s.filteredArticles(ctx, f).Joins("JOIN tags AS owner_tag ON owner_tag.slug = ?", slug)
		l, err = pageOfArticles(q, s.articleColumns(ctx, f.Visibility), &owner, s.countQuery(ctx, f), ArticleSortKey(order), order, p)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load tag page %q: %w", slug, err)
	}
	return ownerOfPage(l,
		func() *models.Tag { return &models.Tag{ID: uint64(t.id), Slug: string(t.slug), Name: string(t.name)} },
		func() (*models.Tag, error) { return s.TagBySlug(ctx, f.Visibility, slug) })
}
