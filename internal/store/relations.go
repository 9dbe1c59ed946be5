package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/broadsheet/broadsheet/models"
)

// ArticleRelations are the bylines, tags and sections of a page of
// articles, read in one statement (RelationsOfArticles).
type ArticleRelations struct {
	Authors    map[uint64][]*models.Author // by article id, in byline order
	Tags       map[uint64][]*models.Tag    // by article id, by name
	Categories map[uint64]*models.Category // by category id
}

// RelationsOfArticles reads, in one statement, what AuthorsByArticleIDs
// and TagsByArticleIDs return for articleIDs (when authors and tags ask
// for them) and what CategoriesByIDs returns for categoryIDs, without the
// sections' timestamps (CreatedAt and UpdatedAt are zero: no reader field
// shows them). A page of teasers needed three statements for them, each
// costing the server about as much CPU to send and read as the rows it
// brought (issue 18); the three selects are the same, joined by UNION ALL,
// and the rows come back in the same order (sorted here).
func (s *Store) RelationsOfArticles(ctx context.Context, articleIDs []uint64, authors, tags bool, categoryIDs []uint64) (*ArticleRelations, error) {
	out := &ArticleRelations{}
	// Padded, a page's lists take a few lengths, so the statement a few
	// shapes, each prepared once.
	ids, sections := padIDs(articleIDs), padIDs(categoryIDs)
	shape := relationsShape{sections: len(sections)}
	var args []any
	if authors && len(ids) > 0 {
		out.Authors = make(map[uint64][]*models.Author, len(articleIDs))
		args = appendIDs(args, ids)
		shape.authors = len(ids)
	}
	if tags && len(ids) > 0 {
		out.Tags = make(map[uint64][]*models.Tag, len(articleIDs))
		args = appendIDs(args, ids)
		shape.tags = len(ids)
	}
	if len(sections) > 0 {
		out.Categories = make(map[uint64]*models.Category, len(categoryIDs))
		args = appendIDs(args, sections)
	}
	if shape == (relationsShape{}) {
		return out, nil
	}
	rs, err := s.written(ctx, relationsStatement(shape), args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("load relations of %d articles: %w", len(articleIDs), err)
	}
	defer rs.Close()
	var byline []authorOfArticle
	var tagged []tagOfArticle
	// One set of destinations for every row: declared in the loop, they
	// would be allocated anew for each.
	var kind, position intCol
	var articleID, id uintCol
	var slug, name, text1, text2, text3 strCol
	dest := []any{&kind, &articleID, &position, &id, &slug, &name, &text1, &text2, &text3}
	for rs.Next() {
		if err := rs.Scan(dest...); err != nil {
			return nil, fmt.Errorf("load relations of %d articles: %w", len(articleIDs), err)
		}
		switch kind {
		case 0:
			byline = append(byline, authorOfArticle{ArticleID: uint64(articleID), Position: int(position), Author: models.Author{
				ID: uint64(id), Slug: string(slug), Name: string(name), Bio: string(text1), AvatarURL: string(text2), JobTitle: string(text3)}})
		case 1:
			tagged = append(tagged, tagOfArticle{ArticleID: uint64(articleID), Tag: models.Tag{ID: uint64(id), Slug: string(slug), Name: string(name)}})
		case 2:
			out.Categories[uint64(id)] = &models.Category{ID: uint64(id), Slug: string(slug), Name: string(name), Description: string(text1), Position: int(position)}
		}
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("load relations of %d articles: %w", len(articleIDs), err)
	}
	// The orders of AuthorsByArticleIDs and TagsByArticleIDs.
	slices.SortFunc(byline, bylineOrder)
	for i := range byline {
		out.Authors[byline[i].ArticleID] = append(out.Authors[byline[i].ArticleID], &byline[i].Author)
	}
	// Each article's few tags sorted apart, by pointer: sorting a page's
	// whole list of rows by article first moved their structs and compared
	// twice as often (2% of a homepage's CPU).
	for i := range tagged {
		out.Tags[tagged[i].ArticleID] = append(out.Tags[tagged[i].ArticleID], &tagged[i].Tag)
	}
	for _, list := range out.Tags {
		slices.SortFunc(list, tagNameOrder)
	}
	return out, nil
}

// relationsShape is what RelationsOfArticles's statement depends on: the
// lengths of its lists of ids (0: that part left out).
type relationsShape struct{ authors, tags, sections int }

var relationsStatements sync.Map // relationsShape → string

// relationsStatement is RelationsOfArticles's statement of shape, written
// once. Its arguments: the article ids (for bylines, then for tags), then
// the section ids.
func relationsStatement(shape relationsShape) string {
	if q, ok := relationsStatements.Load(shape); ok {
		return q.(string)
	}
	var parts []string
	if shape.authors > 0 {
		parts = append(parts, `SELECT 0 AS kind, article_authors.article_id AS article_id, article_authors.position AS position,
			authors.id AS id, authors.slug AS slug, authors.name AS name, authors.bio AS text1, authors.avatar_url AS text2, authors.job_title AS text3
			FROM authors JOIN article_authors ON article_authors.author_id = authors.id
			WHERE article_authors.article_id IN `+placeholders(shape.authors)+` AND authors.deleted_at IS NULL`)
	}
	if shape.tags > 0 {
		// NULL, not '': the driver hands a NULL over without allocating.
		parts = append(parts, `SELECT 1, article_tags.article_id, 0, tags.id, tags.slug, tags.name, NULL, NULL, NULL
			FROM tags JOIN article_tags ON article_tags.tag_id = tags.id
			WHERE article_tags.article_id IN `+placeholders(shape.tags))
	}
	if shape.sections > 0 {
		parts = append(parts, `SELECT 2, 0, categories.position, categories.id, categories.slug, categories.name, categories.description, NULL, NULL
			FROM categories WHERE categories.id IN `+placeholders(shape.sections))
	}
	q := strings.Join(parts, "\nUNION ALL\n")
	relationsStatements.Store(shape, q)
	return q
}

// bylineOrder orders authors by article, then byline position.
func bylineOrder(a, b authorOfArticle) int {
	return cmp.Or(cmp.Compare(a.ArticleID, b.ArticleID), cmp.Compare(a.Position, b.Position), cmp.Compare(a.ID, b.ID))
}

// tagOrder orders tags by article, then name.
func tagOrder(a, b tagOfArticle) int {
	return cmp.Or(cmp.Compare(a.ArticleID, b.ArticleID), tagNameOrder(&a.Tag, &b.Tag))
}

// tagNameOrder orders one article's tags by name (then id).
func tagNameOrder(a, b *models.Tag) int {
	return cmp.Or(compareNames(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
}
