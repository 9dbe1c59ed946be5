package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/models"
)

// An author page lists the author's articles a reader may see, newest
// first, with their total. Found through article_authors and checked one
// by one in articles, a page of 20 read the author's whole archive and its
// total counted it again. author_articles (migration 00024) keeps, for
// each credit, a copy of the article's columns the reader rule looks at
// (status, published_at, expires_at, deleted_at: applyVisibility reads
// nothing else), so that ix_author_articles_page (author_id, status,
// deleted_at, published_at, article_id, expires_at) gives a page in index
// order: about 20 entries read for a page of 20, whatever the archive.
//
// The copy is written by the store itself, in the transaction of every
// write of an article's visibility columns or byline: CreateArticle,
// UpdateArticleIfVersion, SetArticleLinks, InsertArticleLinks,
// PublishIfScheduled and TakeDownIfExpired call syncAuthorArticles.
// AuthorArticlesDrift lists any row that disagrees with the articles;
// tests hold it empty after every kind of write (and every testserver
// checks it when its test ends). Should the reader rule come to read
// another column, that column must join the copy: applyVisibility on x
// would name it, and the author page would fail in every test until then.
//
// The total is exact without counting the archive: author_article_counts
// keeps each author's published credits (status PUBLISHED, not deleted,
// with a publication time), whatever the time, rewritten with the copy.
// Time alone changes what readers see without a write: an article dated
// in the future shows when its time comes, and one whose take-down time
// passed hides before the scheduler takes it down. The reader's total is
// the kept number less those two kinds, which the two indexes find by
// range (usually none).
//
// author_articles is no content table for the response cache: its writes
// purge nothing (httpcache.WriteKeys), since every one of them goes with
// a write of articles or article_authors that purges what it must.

// authorArticle is a row of author_articles.
type authorArticle struct {
	ArticleID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	AuthorID    uint64 `gorm:"primaryKey;autoIncrement:false"`
	Status      models.ArticleStatus
	PublishedAt *time.Time
	ExpiresAt   *time.Time
	DeletedAt   *time.Time
}

func (authorArticle) TableName() string { return "author_articles" }

// same reports whether two copies of a credit are equal.
func (r authorArticle) same(o authorArticle) bool {
	eq := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	return r.ArticleID == o.ArticleID && r.AuthorID == o.AuthorID && r.Status == o.Status &&
		eq(r.PublishedAt, o.PublishedAt) && eq(r.ExpiresAt, o.ExpiresAt) && eq(r.DeletedAt, o.DeletedAt)
}

// authorArticleCount is a row of author_article_counts.
type authorArticleCount struct {
	AuthorID  uint64 `gorm:"primaryKey;autoIncrement:false"`
	Published int64
}

func (authorArticleCount) TableName() string { return "author_article_counts" }

// countedSQL is what author_article_counts counts, on author_articles x:
// the credits readers see or will see at their time.
const countedSQL = "x.status = 'PUBLISHED' AND x.deleted_at IS NULL AND x.published_at IS NOT NULL"

// syncBatch bounds the ids of one statement of syncAuthorArticles.
const syncBatch = 500

// syncAuthorArticles rewrites the author_articles rows of the articles ids
// from article_authors and articles as they now are in this transaction,
// and the counts of the authors whose published credits changed. Rows
// already right are left alone (a save that changes neither the byline
// nor the visibility columns writes nothing here).
func (s *Store) syncAuthorArticles(ctx context.Context, ids ...uint64) error {
	q := s.q(ctx)
	var recount []uint64
	for chunk := range slices.Chunk(ids, syncBatch) {
		var before, after []authorArticle
		if err := q.Where("article_id IN ?", chunk).Order("article_id, author_id").Find(&before).Error; err != nil {
			return fmt.Errorf("read the author index of %d articles: %w", len(chunk), err)
		}
		err := q.Table("article_authors l").
			Select("l.article_id, l.author_id, a.status, a.published_at, a.expires_at, a.deleted_at").
			Joins("JOIN articles a ON a.id = l.article_id").
			Where("l.article_id IN ?", chunk).Order("l.article_id, l.author_id").Find(&after).Error
		if err != nil {
			return fmt.Errorf("read the bylines of %d articles: %w", len(chunk), err)
		}
		if slices.EqualFunc(before, after, authorArticle.same) {
			continue
		}
		if err := q.Where("article_id IN ?", chunk).Delete(&authorArticle{}).Error; err != nil {
			return fmt.Errorf("clear the author index of %d articles: %w", len(chunk), err)
		}
		if len(after) > 0 {
			if err := q.CreateInBatches(after, 1000).Error; err != nil {
				return fmt.Errorf("write the author index of %d articles: %w", len(chunk), err)
			}
		}
		for _, r := range slices.Concat(before, after) {
			recount = append(recount, r.AuthorID)
		}
	}
	slices.Sort(recount)
	return s.recountAuthors(ctx, slices.Compact(recount))
}

// recountAuthors rewrites the published counts of authors (sorted) from
// author_articles. The count is taken by the UPDATE itself, which reads
// the latest committed rows (on InnoDB a locking read), not an older
// snapshot.
func (s *Store) recountAuthors(ctx context.Context, authors []uint64) error {
	q := s.q(ctx)
	for chunk := range slices.Chunk(authors, syncBatch) {
		rows := make([]authorArticleCount, len(chunk))
		for i, id := range chunk {
			rows[i].AuthorID = id
		}
		if err := q.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
			return fmt.Errorf("add article counts of %d authors: %w", len(chunk), err)
		}
		err := q.Model(&authorArticleCount{}).Where("author_id IN ?", chunk).
			Update("published", gorm.Expr("(SELECT COUNT(*) FROM author_articles x WHERE x.author_id = author_article_counts.author_id AND "+countedSQL+")")).Error
		if err != nil {
			return fmt.Errorf("count articles of %d authors: %w", len(chunk), err)
		}
	}
	return nil
}

// byAuthorIndex reports whether f is a list author_articles answers: a
// reader's list of one author's articles (the author page's), with no
// other condition. TestByAuthorIndexFields fails when ArticleFilter gains
// a field this does not look at.
func byAuthorIndex(f ArticleFilter) bool {
	return f.AuthorID != 0 && authorIndexAnswers(f)
}

// authorIndexAnswers is byAuthorIndex but for the author: whether f, for
// one author, is a list author_articles answers.
func authorIndexAnswers(f ArticleFilter) bool {
	return f.Visibility.PublishedOnly && !f.Visibility.IncludeDeleted &&
		f.AuthorSlug == "" && f.CategorySlug == "" && f.CategoryID == 0 && len(f.TagSlugs) == 0 && f.TagID == 0 &&
		len(f.Statuses) == 0 && len(f.ReviewStates) == 0 && f.PublishedAfter == nil && f.PublishedBefore == nil &&
		len(f.ExcludeIDs) == 0 && f.Locale == ""
}

// authorSortKey is the publication-time order read from author_articles
// (x): the same values, and so the same cursors, as ArticleSortKey's.
var authorSortKey = SortKey{Name: "published_at", Column: "x.published_at", IDColumn: "x.article_id", Time: true, Nullable: true}

// listByAuthor is ListArticles for a byAuthorIndex filter in publication
// order: the page is read from ix_author_articles_page, and its articles
// by primary key. The reader rule is applied to the copy (which chooses
// the rows) and again to the articles themselves.
func (s *Store) listByAuthor(ctx context.Context, f ArticleFilter, order models.ArticleSort, p page.Request) (*page.List[*models.Article], error) {
	l, err := s.pageByAuthor(ctx, f, f.AuthorID, nil, order, p)
	if err != nil {
		return nil, fmt.Errorf("list articles of author %d: %w", f.AuthorID, err)
	}
	return l, nil
}

// pageByAuthor reads the page p of author's articles from the author index
// for a byAuthorIndex filter f; author is the author's id, or an
// expression that finds it. extra are columns read beside the articles'.
func (s *Store) pageByAuthor(ctx context.Context, f ArticleFilter, author any, extra *extraColumns, order models.ArticleSort, p page.Request) (*page.List[*models.Article], error) {
	q := applyVisibility(s.prepared(ctx).Table("author_articles x"), "x", f.Visibility).Where("x.author_id = ?", author).
		Joins("JOIN articles ON articles.id = x.article_id")
	if extra != nil {
		q = q.Joins("JOIN authors AS byline ON byline.id = x.author_id")
	}
	// Scanned as ListArticles scans: straight into the struct, no reflection per row.
	return pageOfArticles(applyVisibility(q, "articles", f.Visibility), s.articleColumns(ctx, f.Visibility), extra, s.countByAuthor(ctx, f, author), authorSortKey, order, p)
}

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
	if !authorIndexAnswers(f) || ArticleSortKey(order).Name != authorSortKey.Name {
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
	l, err := s.pageByAuthor(ctx, f, author, &byline, order, p)
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

// countByAuthor counts for a byAuthorIndex filter: the author's published
// count less the published credits not out yet at now and those already
// expired, each a range of an index, in one statement. author is the
// author's id, or an expression that finds it.
func (s *Store) countByAuthor(ctx context.Context, f ArticleFilter, author any) *gorm.DB {
	now := f.Visibility.Now.UTC()
	// Each subquery names its index: by their equal prefix the planners
	// take either for both, and one of them then reads the whole archive.
	page, expiry := "author_articles x INDEXED BY ix_author_articles_page", "author_articles x INDEXED BY ix_author_articles_expiry"
	if s.db.Dialect == dbconn.MySQL {
		page, expiry = "author_articles x FORCE INDEX (ix_author_articles_page)", "author_articles x FORCE INDEX (ix_author_articles_expiry)"
	}
	return s.q(ctx).Raw("SELECT COALESCE((SELECT c.published FROM author_article_counts c WHERE c.author_id = ?), 0)"+
		" - (SELECT COUNT(*) FROM "+page+" WHERE x.author_id = ? AND "+countedSQL+" AND x.published_at > ?)"+
		" - (SELECT COUNT(*) FROM "+expiry+" WHERE x.author_id = ? AND "+countedSQL+" AND x.expires_at <= ? AND x.published_at <= ?)",
		author, author, now, author, now, now)
}

// AuthorArticlesDrift returns the ids of articles whose author_articles
// rows disagree with article_authors and articles, and of authors whose
// count disagrees with author_articles: empty unless a write forgot
// syncAuthorArticles. For tests and the consistency check.
func (s *Store) AuthorArticlesDrift(ctx context.Context) (articles, authors []uint64, err error) {
	q := s.q(ctx)
	var want, have []authorArticle
	if err := q.Table("article_authors l").Select("l.article_id, l.author_id, a.status, a.published_at, a.expires_at, a.deleted_at").
		Joins("JOIN articles a ON a.id = l.article_id").Order("l.article_id, l.author_id").Find(&want).Error; err != nil {
		return nil, nil, fmt.Errorf("read bylines: %w", err)
	}
	if err := q.Order("article_id, author_id").Find(&have).Error; err != nil {
		return nil, nil, fmt.Errorf("read the author index: %w", err)
	}
	bad := map[uint64]bool{}
	key := func(r authorArticle) [2]uint64 { return [2]uint64{r.ArticleID, r.AuthorID} }
	byKey := map[[2]uint64]authorArticle{}
	for _, r := range have {
		byKey[key(r)] = r
	}
	for _, w := range want {
		if h, ok := byKey[key(w)]; !ok || !h.same(w) {
			bad[w.ArticleID] = true
		}
		delete(byKey, key(w))
	}
	for k := range byKey {
		bad[k[0]] = true
	}
	for id := range bad {
		articles = append(articles, id)
	}
	slices.Sort(articles)

	type count struct {
		AuthorID uint64
		N        int64
	}
	var counted []count
	if err := q.Table("author_articles x").Select("x.author_id, COUNT(*) AS n").Where(countedSQL).Group("x.author_id").Find(&counted).Error; err != nil {
		return nil, nil, fmt.Errorf("count the author index: %w", err)
	}
	var kept []authorArticleCount
	if err := q.Find(&kept).Error; err != nil {
		return nil, nil, fmt.Errorf("read author counts: %w", err)
	}
	keptBy := map[uint64]int64{}
	for _, k := range kept {
		keptBy[k.AuthorID] = k.Published
	}
	for _, c := range counted {
		if keptBy[c.AuthorID] != c.N {
			authors = append(authors, c.AuthorID)
		}
		delete(keptBy, c.AuthorID)
	}
	for id, n := range keptBy {
		if n != 0 {
			authors = append(authors, id)
		}
	}
	slices.Sort(authors)
	return articles, authors, nil
}
