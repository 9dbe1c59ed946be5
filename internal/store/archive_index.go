package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/models"
)

// An author page and a tag page list the owner's articles a reader may
// see, newest first, with their total. So does a section front, whose
// page articles' own index already gives in order: a section's copy
// serves its total alone. Found through the link table
// (article_authors, article_tags) and checked one by one in articles, a
// page of 20 read the owner's whole archive, sorted it, and its total
// counted it again: a tag of 476 articles cost MariaDB 9–10 ms a page.
//
// An archive index (author_articles, migration 00024; tag_articles,
// migration 00028; category_articles, migration 00029) keeps, for each link, a copy of the article's columns
// the reader rule looks at (status, published_at, expires_at,
// deleted_at: applyVisibility reads nothing else), so that its page index
// (owner, status, deleted_at, published_at, article_id, expires_at)
// gives a page in index order: about 20 entries read for a page of 20,
// whatever the archive.
//
// The copy is written by the store itself, in the transaction of every
// write of an article's visibility columns, section or links:
// CreateArticle, UpdateArticleIfVersion, SaveArticleIfVersion,
// SetArticleLinks, InsertArticles, InsertArticleLinks, PublishIfScheduled
// and TakeDownIfExpired call syncArchives. AuthorArticlesDrift,
// TagArticlesDrift and SectionArticlesDrift list any row that disagrees
// with the articles; tests hold them empty after every kind of write (and
// every testserver checks them when its test ends). Should the reader
// rule come to read another column, that column must join the copy:
// applyVisibility on x would name it, and the pages would fail in every
// test until then.
//
// The total is exact without counting the archive: the counts tables
// (author_article_counts, tag_article_counts, category_article_counts)
// keep each owner's published links (status PUBLISHED, not deleted, with
// a publication time), whatever the time, moved with the copy. Time alone
// changes what readers see without a write: an article dated in the
// future shows when its time comes, and one whose take-down time passed
// hides before the scheduler takes it down. The reader's total is the
// kept number less those two kinds, which the two indexes find by range
// (usually none).
//
// The indexes are no content tables for the response cache: their writes
// purge nothing (httpcache.WriteKeys), since every one of them goes with
// a write of articles or a link table that purges what it must.

// archiveIndex names the tables of one archive index.
type archiveIndex struct {
	kind   string // what owns the articles, for messages: "author"
	owner  string // the owner's column in table and counts: author_id
	table  string // the copy: author_articles (indexes ix_<table>_page and _expiry)
	counts string // the published counts: author_article_counts
	// The links the copy is made of: from (articles as a) gives an
	// article, in column link, to an owner, in ownerOf.
	from, link, ownerOf string
}

var (
	authorIndex = archiveIndex{kind: "author", owner: "author_id", table: "author_articles", counts: "author_article_counts",
		from: "article_authors l JOIN articles a ON a.id = l.article_id", link: "l.article_id", ownerOf: "l.author_id"}
	tagIndex = archiveIndex{kind: "tag", owner: "tag_id", table: "tag_articles", counts: "tag_article_counts",
		from: "article_tags l JOIN articles a ON a.id = l.article_id", link: "l.article_id", ownerOf: "l.tag_id"}
	// A section's articles are in order in articles' own index: its copy
	// is kept for the total alone (countFor).
	sectionIndex = archiveIndex{kind: "section", owner: "category_id", table: "category_articles", counts: "category_article_counts",
		from: "articles a", link: "a.id", ownerOf: "a.category_id"}
	archives = []archiveIndex{authorIndex, tagIndex, sectionIndex}
)

// indexRow is a row of an archive index, its owner's column read as
// owner_id; Which is its index's place among those read together.
type indexRow struct {
	Which       int
	ArticleID   uint64
	OwnerID     uint64
	Status      models.ArticleStatus
	PublishedAt *time.Time
	ExpiresAt   *time.Time
	DeletedAt   *time.Time
}

// same reports whether two copies of a link are equal.
func (r indexRow) same(o indexRow) bool {
	eq := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	return r.Which == o.Which && r.ArticleID == o.ArticleID && r.OwnerID == o.OwnerID && r.Status == o.Status &&
		eq(r.PublishedAt, o.PublishedAt) && eq(r.ExpiresAt, o.ExpiresAt) && eq(r.DeletedAt, o.DeletedAt)
}

// columns returns the row as the index table's columns, for an insert.
func (r indexRow) columns(ix archiveIndex) map[string]any {
	return map[string]any{"article_id": r.ArticleID, ix.owner: r.OwnerID, "status": r.Status,
		"published_at": r.PublishedAt, "expires_at": r.ExpiresAt, "deleted_at": r.DeletedAt}
}

// storedSQL selects the index's rows (x) as indexRows of index i; of the
// articles in a list (one placeholder) when of.
func (ix archiveIndex) storedSQL(i int, of bool) string {
	sql := "SELECT " + strconv.Itoa(i) + " AS which, x.article_id, x." + ix.owner + " AS owner_id, x.status, x.published_at, x.expires_at, x.deleted_at FROM " + ix.table + " x"
	if of {
		sql += " WHERE x.article_id IN ?"
	}
	return sql
}

// wantedSQL selects the rows the index should hold, from the links and
// the articles as they now are, as indexRows of index i; of the articles
// in a list (one placeholder) when of.
func (ix archiveIndex) wantedSQL(i int, of bool) string {
	sql := "SELECT " + strconv.Itoa(i) + " AS which, " + ix.link + " AS article_id, " + ix.ownerOf + " AS owner_id, a.status, a.published_at, a.expires_at, a.deleted_at FROM " +
		ix.from + " WHERE " + ix.ownerOf + " IS NOT NULL"
	if of {
		sql += " AND " + ix.link + " IN ?"
	}
	return sql
}

// rowOrder orders indexRows: by index, article and owner.
const rowOrder = " ORDER BY 1, 2, 3"

// countedSQL is what the counts tables count, on an index x: the links
// readers see or will see at their time (indexRow.counted in Go).
const countedSQL = "x.status = 'PUBLISHED' AND x.deleted_at IS NULL AND x.published_at IS NOT NULL"

// syncBatch bounds the ids of one statement of syncArchives.
const syncBatch = 500

// syncArchives rewrites the archive indexes' rows of the articles ids
// from the links and articles as they now are in this transaction, and
// the counts of the owners whose published links changed.
func (s *Store) syncArchives(ctx context.Context, ids ...uint64) error {
	return s.syncIndexes(ctx, archives, ids)
}

// syncIndexes is syncArchives for the indexes ixs. Each batch of articles
// costs two reads whatever the number of indexes, the rows as stored and
// as they should be, each a UNION of the indexes. Rows already right are
// left alone (a save that changes neither the links nor the visibility
// columns writes nothing here), and the counts move by what changed:
// recounting an owner read its whole archive (a section's, on every save).
func (s *Store) syncIndexes(ctx context.Context, ixs []archiveIndex, ids []uint64) error {
	q := s.q(ctx)
	delta := make([]map[uint64]int64, len(ixs)) // per index, owner → change in its published links
	for i := range delta {
		delta[i] = map[uint64]int64{}
	}
	for chunk := range slices.Chunk(ids, syncBatch) {
		stored, wanted := make([]string, len(ixs)), make([]string, len(ixs))
		args := make([]any, len(ixs))
		for i, ix := range ixs {
			stored[i], wanted[i], args[i] = ix.storedSQL(i, true), ix.wantedSQL(i, true), chunk
			if s.db.Dialect == dbconn.MySQL {
				// The rows as committed, held to the end of the
				// transaction: the counts move by the difference from them.
				stored[i] = "(" + stored[i] + " FOR UPDATE)"
			}
		}
		var before, after []indexRow
		if err := q.Raw(strings.Join(stored, " UNION ALL ")+rowOrder, args...).Scan(&before).Error; err != nil {
			return fmt.Errorf("read the archive indexes of %d articles: %w", len(chunk), err)
		}
		if err := q.Raw(strings.Join(wanted, " UNION ALL ")+rowOrder, args...).Scan(&after).Error; err != nil {
			return fmt.Errorf("read the links of %d articles: %w", len(chunk), err)
		}
		for i, ix := range ixs {
			of := func(r indexRow) bool { return r.Which != i }
			b, a := slices.DeleteFunc(slices.Clone(before), of), slices.DeleteFunc(slices.Clone(after), of)
			if slices.EqualFunc(b, a, indexRow.same) {
				continue
			}
			if err := s.rewriteIndex(ctx, ix, chunk, a); err != nil {
				return err
			}
			for _, r := range b {
				if r.counted() {
					delta[i][r.OwnerID]--
				}
			}
			for _, r := range a {
				if r.counted() {
					delta[i][r.OwnerID]++
				}
			}
		}
	}
	for i, ix := range ixs {
		if err := s.addCounts(ctx, ix, delta[i]); err != nil {
			return err
		}
	}
	return nil
}

// rewriteIndex replaces the index's rows of the articles ids with rows.
// Table-named, with no model: the response cache's purge sees a table
// that is none of its content (httpcache.WriteKeys).
func (s *Store) rewriteIndex(ctx context.Context, ix archiveIndex, ids []uint64, rows []indexRow) error {
	q := s.q(ctx)
	if err := q.Table(ix.table).Where("article_id IN ?", ids).Delete(map[string]any{}).Error; err != nil {
		return fmt.Errorf("clear the %s index of %d articles: %w", ix.kind, len(ids), err)
	}
	if len(rows) == 0 {
		return nil
	}
	cols := make([]map[string]any, len(rows))
	for i, r := range rows {
		cols[i] = r.columns(ix)
	}
	if err := q.Table(ix.table).CreateInBatches(cols, 1000).Error; err != nil {
		return fmt.Errorf("write the %s index of %d articles: %w", ix.kind, len(ids), err)
	}
	return nil
}

// counted reports whether the counts count r: countedSQL in Go.
func (r indexRow) counted() bool {
	return r.Status == models.StatusPublished && r.DeletedAt == nil && r.PublishedAt != nil
}

// addCounts moves the owners' published counts by delta, one statement
// per batch of owners (in id order, as InnoDB locks them).
func (s *Store) addCounts(ctx context.Context, ix archiveIndex, delta map[uint64]int64) error {
	var owners []uint64
	for o, d := range delta {
		if d != 0 {
			owners = append(owners, o)
		}
	}
	slices.Sort(owners)
	q := s.q(ctx)
	for chunk := range slices.Chunk(owners, syncBatch) {
		rows := make([]map[string]any, len(chunk))
		for i, id := range chunk {
			rows[i] = map[string]any{ix.owner: id, "published": 0}
		}
		// An owner already counted keeps its row: "do nothing" spelt as an
		// update of the key to itself, which MySQL's dialect needs where
		// no model names the key.
		owner := clause.Column{Name: ix.owner}
		keep := clause.OnConflict{Columns: []clause.Column{owner}, DoUpdates: []clause.Assignment{{Column: owner, Value: owner}}}
		if err := q.Table(ix.counts).Clauses(keep).Create(rows).Error; err != nil {
			return fmt.Errorf("add article counts of %d %ss: %w", len(chunk), ix.kind, err)
		}
		add, args := new(strings.Builder), make([]any, 0, 2*len(chunk))
		add.WriteString("published + CASE " + ix.owner)
		for _, o := range chunk {
			add.WriteString(" WHEN ? THEN ?")
			args = append(args, o, delta[o])
		}
		add.WriteString(" ELSE 0 END")
		if err := q.Table(ix.counts).Where(ix.owner+" IN ?", chunk).Update("published", gorm.Expr(add.String(), args...)).Error; err != nil {
			return fmt.Errorf("count articles of %d %ss: %w", len(chunk), ix.kind, err)
		}
	}
	return nil
}

// archiveFor returns the index that answers f and f's owner (its id, or
// an expression that finds it by slug, as the old rule's subquery does):
// a reader's list of one author's or one tag's articles (their page's,
// or an articles filter by one of them), with no other condition.
// TestArchiveForFields fails when ArticleFilter gains a field this does
// not look at.
func archiveFor(f ArticleFilter) (archiveIndex, any, bool) {
	var ix archiveIndex
	var owner any
	switch {
	case f.AuthorID != 0 && f.AuthorSlug == "":
		ix, owner, f.AuthorID = authorIndex, f.AuthorID, 0
	case f.AuthorSlug != "" && f.AuthorID == 0:
		ix, owner, f.AuthorSlug = authorIndex, gorm.Expr("(SELECT au.id FROM authors au WHERE au.slug = ?)", f.AuthorSlug), ""
	case f.TagID != 0 && len(f.TagSlugs) == 0:
		ix, owner, f.TagID = tagIndex, f.TagID, 0
	case len(f.TagSlugs) == 1 && f.TagID == 0:
		ix, owner, f.TagSlugs = tagIndex, gorm.Expr("(SELECT t.id FROM tags t WHERE t.slug = ?)", f.TagSlugs[0]), nil
	default:
		return archiveIndex{}, nil, false
	}
	return ix, owner, onlyReaders(f)
}

// onlyReaders reports whether f is a reader's list with no condition: of
// one owner, once the caller has cleared it, a list an archive index
// answers.
func onlyReaders(f ArticleFilter) bool {
	return f.Visibility.PublishedOnly && !f.Visibility.IncludeDeleted &&
		f.AuthorSlug == "" && f.AuthorID == 0 && f.CategorySlug == "" && f.CategoryID == 0 && len(f.TagSlugs) == 0 && f.TagID == 0 &&
		len(f.Statuses) == 0 && len(f.ReviewStates) == 0 && f.PublishedAfter == nil && f.PublishedBefore == nil &&
		len(f.ExcludeIDs) == 0 && f.Locale == ""
}

// countFor returns the index that counts f and f's owner (its id, or an
// expression that finds it): archiveFor's, or a reader's list of one
// section's articles with no other condition. A section's page is read in
// order from articles' own index; its total, counted there, read every
// article of the section on every uncached section front.
func countFor(f ArticleFilter) (archiveIndex, any, bool) {
	if ix, owner, ok := archiveFor(f); ok {
		return ix, owner, ok
	}
	id, slug := f.CategoryID, f.CategorySlug
	f.CategoryID, f.CategorySlug = 0, ""
	switch {
	case !onlyReaders(f) || (id != 0) == (slug != ""):
		return archiveIndex{}, nil, false
	case id != 0:
		return sectionIndex, id, true
	}
	return sectionIndex, gorm.Expr("(SELECT c.id FROM categories c WHERE c.slug = ?)", slug), true
}

// indexSortKey is the publication-time order read from an archive index
// (x): the same values, and so the same cursors, as ArticleSortKey's.
var indexSortKey = SortKey{Name: "published_at", Column: "x.published_at", IDColumn: "x.article_id", Time: true, Nullable: true}

// byIndex reports whether a list of f in order is read from an archive
// index (archiveFor), with the index and the owner.
func byIndex(f ArticleFilter, order models.ArticleSort) (archiveIndex, any, bool) {
	ix, owner, ok := archiveFor(f)
	return ix, owner, ok && ArticleSortKey(order).Name == indexSortKey.Name
}

// listByIndex is ListArticles for a list byIndex answers: the page is
// read from the index's page index, and its articles by primary key.
func (s *Store) listByIndex(ctx context.Context, ix archiveIndex, owner any, f ArticleFilter, order models.ArticleSort, p page.Request) (*page.List[*models.Article], error) {
	l, err := s.pageByIndex(ctx, ix, f, owner, nil, "", order, p)
	if err != nil {
		return nil, fmt.Errorf("list articles of one %s: %w", ix.kind, err)
	}
	return l, nil
}

// pageByIndex reads the page p of an owner's articles from the index ix
// for a list it answers (f, its owner cleared); owner is the owner's id,
// or an expression that finds it. extra are columns read beside the
// articles', from the table join joins. The reader rule is applied to
// the copy (which chooses the rows) and again to the articles themselves.
func (s *Store) pageByIndex(ctx context.Context, ix archiveIndex, f ArticleFilter, owner any, extra *extraColumns, join string, order models.ArticleSort, p page.Request) (*page.List[*models.Article], error) {
	q := applyVisibility(s.prepared(ctx).Table(ix.table+" x"), "x", f.Visibility).Where("x."+ix.owner+" = ?", owner).
		Joins("JOIN articles ON articles.id = x.article_id")
	if extra != nil {
		q = q.Joins(join)
	}
	// Scanned as ListArticles scans: straight into the struct, no reflection per row.
	return pageOfArticles(applyVisibility(q, "articles", f.Visibility), s.articleColumns(ctx, f.Visibility), extra, s.countByIndex(ctx, ix, f, owner), indexSortKey, order, p)
}

// countByIndex counts for a list the index ix answers: the owner's
// published count less the published links not out yet at now and those
// already expired, each a range of an index, in one statement. owner is
// the owner's id, or an expression that finds it.
func (s *Store) countByIndex(ctx context.Context, ix archiveIndex, f ArticleFilter, owner any) *gorm.DB {
	now := f.Visibility.Now.UTC()
	// Each subquery names its index: by their equal prefix the planners
	// take either for both, and one of them then reads the whole archive.
	hint := func(suffix string) string { return ix.table + " x INDEXED BY ix_" + ix.table + suffix }
	if s.db.Dialect == dbconn.MySQL {
		hint = func(suffix string) string { return ix.table + " x FORCE INDEX (ix_" + ix.table + suffix + ")" }
	}
	o := "x." + ix.owner + " = ?"
	return s.q(ctx).Raw("SELECT COALESCE((SELECT c.published FROM "+ix.counts+" c WHERE c."+ix.owner+" = ?), 0)"+
		" - (SELECT COUNT(*) FROM "+hint("_page")+" WHERE "+o+" AND "+countedSQL+" AND x.published_at > ?)"+
		" - (SELECT COUNT(*) FROM "+hint("_expiry")+" WHERE "+o+" AND "+countedSQL+" AND x.expires_at <= ? AND x.published_at <= ?)",
		owner, owner, now, owner, now, now)
}

// AuthorArticlesDrift returns the ids of articles whose author_articles
// rows disagree with article_authors and articles, and of authors whose
// count disagrees with author_articles: empty unless a write forgot
// syncArchives. For tests and the consistency check.
func (s *Store) AuthorArticlesDrift(ctx context.Context) (articles, authors []uint64, err error) {
	return s.archiveDrift(ctx, authorIndex)
}

// TagArticlesDrift is AuthorArticlesDrift for tag_articles and tags.
func (s *Store) TagArticlesDrift(ctx context.Context) (articles, tags []uint64, err error) {
	return s.archiveDrift(ctx, tagIndex)
}

// SectionArticlesDrift is AuthorArticlesDrift for category_articles and
// sections.
func (s *Store) SectionArticlesDrift(ctx context.Context) (articles, sections []uint64, err error) {
	return s.archiveDrift(ctx, sectionIndex)
}

// archiveDrift returns the articles whose rows of the index ix disagree
// with the links and articles, and the owners whose count disagrees with
// the index.
func (s *Store) archiveDrift(ctx context.Context, ix archiveIndex) (articles, owners []uint64, err error) {
	q := s.q(ctx)
	var want, have []indexRow
	if err := q.Raw(ix.wantedSQL(0, false) + rowOrder).Scan(&want).Error; err != nil {
		return nil, nil, fmt.Errorf("read %s links: %w", ix.kind, err)
	}
	if err := q.Raw(ix.storedSQL(0, false) + rowOrder).Scan(&have).Error; err != nil {
		return nil, nil, fmt.Errorf("read the %s index: %w", ix.kind, err)
	}
	bad := map[uint64]bool{}
	key := func(r indexRow) [2]uint64 { return [2]uint64{r.ArticleID, r.OwnerID} }
	byKey := map[[2]uint64]indexRow{}
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
		OwnerID uint64
		N       int64
	}
	var counted, kept []count
	if err := q.Table(ix.table + " x").Select("x." + ix.owner + " AS owner_id, COUNT(*) AS n").Where(countedSQL).Group("x." + ix.owner).Find(&counted).Error; err != nil {
		return nil, nil, fmt.Errorf("count the %s index: %w", ix.kind, err)
	}
	if err := q.Table(ix.counts).Select(ix.owner + " AS owner_id, published AS n").Find(&kept).Error; err != nil {
		return nil, nil, fmt.Errorf("read %s counts: %w", ix.kind, err)
	}
	keptBy := map[uint64]int64{}
	for _, k := range kept {
		keptBy[k.OwnerID] = k.N
	}
	for _, c := range counted {
		if keptBy[c.OwnerID] != c.N {
			owners = append(owners, c.OwnerID)
		}
		delete(keptBy, c.OwnerID)
	}
	for id, n := range keptBy {
		if n != 0 {
			owners = append(owners, id)
		}
	}
	slices.Sort(owners)
	return articles, owners, nil
}
