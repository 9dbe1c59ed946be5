package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/models"
)

// ArticleSortKey returns the keyset for an ordering.
func ArticleSortKey(f models.ArticleSort) SortKey {
	switch f {
	case models.SortUpdatedAt:
		return SortKey{Name: "updated_at", Column: "articles.updated_at", IDColumn: "articles.id", Time: true}
	case models.SortTitle:
		return SortKey{Name: "title", Column: "articles.title", IDColumn: "articles.id"}
	default:
		return SortKey{Name: "published_at", Column: "articles.published_at", IDColumn: "articles.id", Time: true, Nullable: true}
	}
}

// ArticleFilter narrows an article list. Slug filters match nothing when the
// slug does not exist; id filters serve nested lists (an author's articles).
type ArticleFilter struct {
	Visibility      Visibility
	CategorySlug    string
	CategoryID      uint64
	TagSlugs        []string // any of them
	TagID           uint64
	AuthorSlug      string
	AuthorID        uint64
	Statuses        []models.ArticleStatus
	ReviewStates    []models.ReviewState
	PublishedAfter  *time.Time
	PublishedBefore *time.Time
	ExcludeIDs      []uint64
	// Locale keeps the articles in one locale; empty means every locale.
	Locale string
}

// filteredArticles selects the articles f matches. Tag and author filters
// are IN (subquery) rather than correlated EXISTS: the planner can then
// start from the link table's index, where EXISTS made SQLite probe it once
// per published article (an author page's count took 50 times longer).
func (s *Store) filteredArticles(ctx context.Context, f ArticleFilter) *gorm.DB {
	return s.filteredArticlesFrom(ctx, "articles", f)
}

// filteredArticlesFrom is filteredArticles reading table, an expression
// that names the articles table as "articles" (with an index hint, say).
func (s *Store) filteredArticlesFrom(ctx context.Context, table string, f ArticleFilter) *gorm.DB {
	q := s.q(ctx)
	// A statement of a fixed shape (no list of the client's length: a
	// client could make a shape of each length) is prepared, except, on
	// MySQL, one that finds its section, tag or author by slug in a
	// subquery. Prepared, MariaDB plans a section front without the
	// section's id and walks every section's newest articles, rows and
	// all (18 ms of its CPU per request, not 0.8); forced onto the
	// section's index, it still cost MariaDB more under load than
	// parsing the text (docs/benchmarks.md).
	bySlug := f.CategorySlug != "" || len(f.TagSlugs) > 0 || f.AuthorSlug != ""
	fixed := len(f.TagSlugs) <= 1 && len(f.Statuses) <= 1 && len(f.ReviewStates) <= 1 && len(f.ExcludeIDs) == 0
	if fixed && (!bySlug || s.db.Dialect == dbconn.SQLite) {
		q = s.prepared(ctx)
	}
	q = applyVisibility(q.Table(table), "articles", f.Visibility)
	if f.CategorySlug != "" {
		q = q.Where("articles.category_id = (SELECT c.id FROM categories c WHERE c.slug = ?)", f.CategorySlug)
	}
	if f.CategoryID != 0 {
		q = q.Where("articles.category_id = ?", f.CategoryID)
	}
	if len(f.TagSlugs) > 0 {
		q = q.Where("articles.id IN (SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.slug IN ?)", f.TagSlugs)
	}
	if f.TagID != 0 {
		q = q.Where("articles.id IN (SELECT at.article_id FROM article_tags at WHERE at.tag_id = ?)", f.TagID)
	}
	if f.AuthorSlug != "" {
		q = q.Where("articles.id IN (SELECT aa.article_id FROM article_authors aa JOIN authors au ON au.id = aa.author_id WHERE au.slug = ?)", f.AuthorSlug)
	}
	if f.AuthorID != 0 {
		q = q.Where("articles.id IN (SELECT aa.article_id FROM article_authors aa WHERE aa.author_id = ?)", f.AuthorID)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("articles.status IN ?", f.Statuses)
	}
	if len(f.ReviewStates) > 0 {
		q = q.Where("articles.review_state IN ?", f.ReviewStates)
	}
	if f.PublishedAfter != nil {
		q = q.Where("articles.published_at > ?", f.PublishedAfter.UTC())
	}
	if f.PublishedBefore != nil {
		q = q.Where("articles.published_at < ?", f.PublishedBefore.UTC())
	}
	if f.Locale != "" {
		q = q.Where("articles.locale = ?", f.Locale)
	}
	if len(f.ExcludeIDs) > 0 {
		q = q.Where("articles.id NOT IN ?", f.ExcludeIDs)
	}
	return q
}

type noBodiesKey struct{}

// WithoutBodies returns ctx in which article lists leave out the bodies
// (Markdown, HTML and blocks), for pages of teasers that do not show them: they
// are most of an article row's bytes.
func WithoutBodies(ctx context.Context) context.Context {
	return context.WithValue(ctx, noBodiesKey{}, true)
}

type noMarkdownKey struct{}

// WithoutMarkdown returns ctx in which articles are read without their
// Markdown source (the body column): for an article page that shows the
// body's HTML (stored as HTML, and as blocks for the articles and
// pictures it links to), not its source. The source is a fifth of an
// article row's bytes.
func WithoutMarkdown(ctx context.Context) context.Context {
	return context.WithValue(ctx, noMarkdownKey{}, true)
}

type cardsKey struct{}

// WithCardColumns returns ctx in which article lists read only CardColumns
// (and so no bodies): for a page of cards whose selection asks nothing
// else of its articles. A row of them is about a third of a teaser's
// columns, four timestamps of six; reading and scanning the others was a
// tenth of a section front's CPU.
func WithCardColumns(ctx context.Context) context.Context {
	return context.WithValue(ctx, cardsKey{}, true)
}

// CardColumns are the article columns WithCardColumns reads: what the
// API's card fields show (content.CardFields) and what reading a list
// needs of every article whatever it shows: its id, its status, times and
// locale for links and for the cache's expiry (expires_at), its section
// for the byline's relations, and the columns lists are sorted by
// (published_at, updated_at, title) for cursors.
var CardColumns = []string{"id", "slug", "title", "subtitle", "excerpt", "status", "published_at", "created_at",
	"updated_at", "expires_at", "reading_time_minutes", "word_count", "category_id", "version", "locale"}

// articleColumns lists the article columns a query for v reads: every
// column GORM reads into models.Article (so never the write-only
// plain-text body, as long as the body itself), under WithoutBodies not
// the bodies either, under WithoutMarkdown not the Markdown body, and
// under WithCardColumns only CardColumns. Readers'
// queries read live_version as the version: a staged edit bumps only the
// editors' version, so it shows in no reader's answer, not even as a new
// version number.
func (s *Store) articleColumns(ctx context.Context, v Visibility) string {
	cols := articleColumnLists()
	teasers, _ := ctx.Value(noBodiesKey{}).(bool)
	cards, _ := ctx.Value(cardsKey{}).(bool)
	html, _ := ctx.Value(noMarkdownKey{}).(bool)
	switch {
	case v.PublishedOnly && cards:
		return cols.readerCard
	case cards:
		return cols.card
	case v.PublishedOnly && teasers:
		return cols.readerTeaser
	case teasers:
		return cols.teaser
	case v.PublishedOnly && html:
		return cols.readerHTML
	case html:
		return cols.html
	case v.PublishedOnly:
		return cols.reader
	}
	return cols.all
}

var articleColumnLists = sync.OnceValue(func() (cols struct{ all, teaser, card, html, reader, readerTeaser, readerCard, readerHTML string }) {
	sch, err := schema.Parse(&models.Article{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		panic(fmt.Sprintf("parse the article model: %v", err)) // a programming error, caught by every test
	}
	var all, teaser, card, html []string
	for _, f := range sch.Fields {
		if f.DBName == "" || !f.Readable {
			continue
		}
		all = append(all, "articles."+f.DBName)
		if f.DBName != "body" {
			html = append(html, "articles."+f.DBName)
		}
		if f.DBName != "body" && f.DBName != "body_html" && f.DBName != "body_blocks" {
			teaser = append(teaser, "articles."+f.DBName)
		}
		if slices.Contains(CardColumns, f.DBName) {
			card = append(card, "articles."+f.DBName)
		}
	}
	if len(card) != len(CardColumns) {
		panic(fmt.Sprintf("CardColumns %v: not all of them are the article model's (%v)", CardColumns, card)) // a programming error, caught by every test
	}
	cols.all, cols.teaser, cols.card, cols.html = strings.Join(all, ", "), strings.Join(teaser, ", "), strings.Join(card, ", "), strings.Join(html, ", ")
	readerVersion := strings.NewReplacer("articles.version,", "articles.live_version AS version,")
	for _, c := range []struct {
		from string
		to   *string
	}{{cols.all, &cols.reader}, {cols.teaser, &cols.readerTeaser}, {cols.card, &cols.readerCard}, {cols.html, &cols.readerHTML}} {
		*c.to = strings.TrimSuffix(readerVersion.Replace(c.from+","), ",")
		if !strings.Contains(*c.to, "live_version AS version") {
			panic("the article model has no version column") // a programming error, caught by every test
		}
	}
	return cols
})

// ListArticles returns one page of the articles matching f in the given
// order; with p.Total, the count of them all is read in the same statement.
func (s *Store) ListArticles(ctx context.Context, f ArticleFilter, order models.ArticleSort, p page.Request) (*page.List[*models.Article], error) {
	if ix, owner, ok := byIndex(f, order); ok {
		return s.listByIndex(ctx, ix, owner, f, order, p)
	}
	l, err := pageOfArticles(s.filteredArticles(ctx, f), s.articleColumns(ctx, f.Visibility), nil, s.countQuery(ctx, f), ArticleSortKey(order), order, p)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	return l, nil
}

// sectionColumns are the section's columns as SectionFront reads them
// beside each article of the page: not its timestamps, which no reader
// is shown and which the driver would decode again on every row.
const sectionColumns = "section.id AS section_id, section.slug AS section_slug, section.name AS section_name, " +
	"section.description AS section_description, section.position AS section_position"

// SectionFront returns the section with slug and the page p of its articles
// matching f (whose CategorySlug and CategoryID it sets), in one statement:
// the section's columns ride on every row of the page, where reading the
// section first took a round trip of its own. The section read so has no
// timestamps (CreatedAt and UpdatedAt are zero). A page with no rows (an
// empty section, a page past the end, or no such section) reads the
// section alone after it; nil, with a nil list, when there is none.
func (s *Store) SectionFront(ctx context.Context, slug string, f ArticleFilter, order models.ArticleSort, p page.Request) (*models.Category, *page.List[*models.Article], error) {
	f.CategorySlug, f.CategoryID = slug, 0
	var c struct {
		id               uintCol
		slug, name, desc strCol
		position         intCol
	}
	section := ownerColumns(sectionColumns, map[string]sql.Scanner{
		"section_id": &c.id, "section_slug": &c.slug, "section_name": &c.name, "section_description": &c.desc,
		"section_position": &c.position,
	})
	q := s.filteredArticles(ctx, f).Joins("JOIN categories AS section ON section.id = articles.category_id")
	l, err := pageOfArticles(q, s.articleColumns(ctx, f.Visibility), &section, s.countQuery(ctx, f), ArticleSortKey(order), order, p)
	if err != nil {
		return nil, nil, fmt.Errorf("load section front %q: %w", slug, err)
	}
	return ownerOfPage(l,
		func() *models.Category {
			return &models.Category{ID: uint64(c.id), Slug: string(c.slug), Name: string(c.name), Description: string(c.desc), Position: int(c.position)}
		},
		func() (*models.Category, error) { return s.CategoryBySlug(ctx, slug) })
}

// ownerOfPage returns the owner of the page l: read (from the columns of
// its first row) where l has rows, else looked up alone, after the page;
// nil, with a nil list, when the lookup finds none.
func ownerOfPage[T comparable](l *page.List[*models.Article], read func() T, lookup func() (T, error)) (T, *page.List[*models.Article], error) {
	if len(l.Items) > 0 {
		return read(), l, nil
	}
	var none T
	owner, err := lookup()
	if err != nil || owner == none {
		return none, nil, err
	}
	return owner, l, nil
}

// extraColumns are columns a page of articles reads beside the articles'
// own (cols, a select list), scanned into dest by name: the same
// destination for every row.
type extraColumns struct {
	cols string
	dest map[string]any
}

// ownerColumns are the columns of a page's owner, the same on every row,
// scanned from the first row only: converting them again for each row
// would allocate as many strings.
func ownerColumns(cols string, dest map[string]sql.Scanner) extraColumns {
	out := extraColumns{cols: cols, dest: make(map[string]any, len(dest))}
	for name, d := range dest {
		out.dest[name] = &firstRow{dest: d}
	}
	return out
}

// firstRow scans the first value it is given into dest and ignores the rest.
type firstRow struct {
	dest sql.Scanner
	done bool
}

func (f *firstRow) Scan(v any) error {
	if f.done {
		return nil
	}
	f.done = true
	return f.dest.Scan(v)
}

// pageOfArticles reads the page p of q, the articles' columns cols, in
// key's order. With p.Total, count (a query of one COUNT) is read too, as
// a column of every row: an uncorrelated subquery, which both engines run
// once per statement, and one round trip where the lazy COUNT takes two.
// A list with no rows from either end counts 0 without asking: the total
// of the page shown (an archive index's kept count could only disagree
// if it had drifted, which the archive drift checks report).
func pageOfArticles(q *gorm.DB, cols string, extra *extraColumns, count *gorm.DB, key SortKey, order models.ArticleSort, p page.Request) (*page.List[*models.Article], error) {
	find := scanArticles
	var total intCol
	var other map[string]any
	if extra != nil {
		cols += ", " + extra.cols
		other = maps.Clone(extra.dest)
	}
	if p.Total {
		q = q.Select(cols+", (?) AS total_count", count)
		if other == nil {
			other = map[string]any{}
		}
		other["total_count"] = &total
	} else {
		q = q.Select(cols)
	}
	if len(other) > 0 {
		find = func(q *gorm.DB) ([]*models.Article, error) {
			var out []*models.Article
			err := scanArticlesWith(q, other, func(a *models.Article) { out = append(out, a) })
			return out, err
		}
	}
	l, err := listWith(q, key, p, find, func(a *models.Article) any { return order.SortValue(a) }, func(a *models.Article) uint64 { return a.ID })
	if err != nil {
		return nil, err
	}
	switch {
	case !p.Total:
	case len(l.Items) > 0: // every row carried the total
		l.Count = page.Counted(int64(total))
	case p.After == nil && p.Before == nil:
		// No row from either end: the list is empty.
		l.Count = page.Counted(0)
	}
	return l, nil
}

// CountArticles counts the articles matching f.
func (s *Store) CountArticles(ctx context.Context, f ArticleFilter) (int64, error) {
	var n int64
	if err := s.countQuery(ctx, f).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	return n, nil
}

// countQuery is the statement that counts the articles matching f.
func (s *Store) countQuery(ctx context.Context, f ArticleFilter) *gorm.DB {
	if ix, owner, ok := countFor(f); ok {
		return s.countByIndex(ctx, ix, f, owner)
	}
	table := "articles"
	if s.db.Dialect == dbconn.MySQL && (f.AuthorID != 0 || f.AuthorSlug != "" || f.TagID != 0 || len(f.TagSlugs) > 0) {
		// An author's or a tag's articles are found through the link table
		// and checked one by one; MySQL looks each up in the table itself,
		// whose rows carry the bodies, although ix_articles_search (id,
		// status, published_at, deleted_at, …) has all the count needs.
		// Read from disk, a columnist's 300 articles cost 114 ms that way
		// and 8 ms from the index.
		table = "articles FORCE INDEX (ix_articles_search)"
	}
	return s.filteredArticlesFrom(ctx, table, f).Select("COUNT(*)")
}

// ArticleByID returns the article with id, or nil.
func (s *Store) ArticleByID(ctx context.Context, v Visibility, id uint64) (*models.Article, error) {
	r, err := takeArticle(applyVisibility(s.q(ctx).Table("articles"), "articles", v).Select(s.articleColumns(ctx, v)).Where("articles.id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("load article %d: %w", id, err)
	}
	return r, nil
}

// ArticleBySlug returns the article with slug in locale, or nil (slugs
// are unique per locale).
func (s *Store) ArticleBySlug(ctx context.Context, v Visibility, locale, slug string) (*models.Article, error) {
	// Written out (see written): an article page's first statement.
	visible, args := visibilitySQL("articles", v)
	rows, err := scanArticles(s.written(ctx, "SELECT "+s.articleColumns(ctx, v)+" FROM articles WHERE "+visible+
		" AND articles.locale = ? AND articles.slug = ? LIMIT 1", append(args, locale, slug)...))
	if err != nil {
		return nil, fmt.Errorf("load article %s/%q: %w", locale, slug, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0], nil
}

// ArticlesByIDs returns the visible articles among ids, keyed by id.
func (s *Store) ArticlesByIDs(ctx context.Context, v Visibility, ids []uint64) (map[uint64]*models.Article, error) {
	rows, err := scanArticles(applyVisibility(s.q(ctx).Table("articles"), "articles", v).Select(s.articleColumns(ctx, v)).Where("articles.id IN ?", ids))
	if err != nil {
		return nil, fmt.Errorf("load articles by id: %w", err)
	}
	out := make(map[uint64]*models.Article, len(rows))
	for _, a := range rows {
		out[a.ID] = a
	}
	return out, nil
}

// bySlug names the articles table (as alias, when given) read through
// ix_articles_slug, for lookups by slug alone (links name no locale, and
// slugs are unique per locale only). Without statistics SQLite prefers the
// readers' range of ix_articles_status_published, which holds every
// published article; MySQL chooses the slug index itself.
func (s *Store) bySlug(alias string) string {
	table := "articles"
	if alias != "" {
		table += " AS " + alias
	}
	if s.db.Dialect == dbconn.SQLite {
		table += " INDEXED BY ix_articles_slug"
	}
	return table
}

// ArticlesBySlugs returns the visible articles among slugs, keyed by slug.
// Slugs are unique per locale only: where several locales have a slug, the
// article in preferred is the one, else the oldest (the rule of
// ArticleBySlugAnyLocale, by which route reads an address without a
// locale, so that a body's link and the page it leads to agree).
func (s *Store) ArticlesBySlugs(ctx context.Context, v Visibility, slugs []string, preferred string) (map[string]*models.Article, error) {
	rows, err := scanArticles(applyVisibility(s.q(ctx).Table(s.bySlug("")), "articles", v).Select(s.articleColumns(ctx, v)).Where("articles.slug IN ?", slugs))
	if err != nil {
		return nil, fmt.Errorf("load articles by slug: %w", err)
	}
	// before reports whether a wins over b: in preferred, else older.
	before := func(a, b *models.Article) bool {
		if (a.Locale == preferred) != (b.Locale == preferred) {
			return a.Locale == preferred
		}
		return a.ID < b.ID
	}
	out := make(map[string]*models.Article, len(rows))
	for _, a := range rows {
		if cur, ok := out[a.Slug]; !ok || before(a, cur) {
			out[a.Slug] = a
		}
	}
	return out, nil
}

type authorOfArticle struct {
	ArticleID uint64
	Position  int
	models.Author
}

// AuthorsByArticleIDs returns each article's authors in byline order,
// without their timestamps (CreatedAt, UpdatedAt and DeletedAt are zero).
func (s *Store) AuthorsByArticleIDs(ctx context.Context, articleIDs []uint64) (map[uint64][]*models.Author, error) {
	// The byline's columns only: the timestamps are not shown, and parsing
	// them is a good part of the cost of a page of teasers. The rows are
	// put in byline order here rather than by the database, which would
	// sort them in a temporary table on every page. They are scanned by
	// hand: GORM's reflection over each row was most of this query's cost
	// in the server (issue 18).
	rs, err := s.q(ctx).Table("authors").
		Select("article_authors.article_id, article_authors.position, authors.id, authors.slug, authors.name, authors.bio, authors.avatar_url, authors.job_title").
		Joins("JOIN article_authors ON article_authors.author_id = authors.id").
		Where("article_authors.article_id IN ? AND authors.deleted_at IS NULL", articleIDs).
		Rows()
	if err != nil {
		return nil, fmt.Errorf("load authors of %d articles: %w", len(articleIDs), err)
	}
	defer rs.Close()
	rows := make([]authorOfArticle, 0, len(articleIDs))
	for rs.Next() {
		rows = append(rows, authorOfArticle{})
		r := &rows[len(rows)-1]
		if err := rs.Scan(&r.ArticleID, &r.Position, &r.ID, &r.Slug, &r.Name, &r.Bio, &r.AvatarURL, &r.JobTitle); err != nil {
			return nil, fmt.Errorf("load authors of %d articles: %w", len(articleIDs), err)
		}
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("load authors of %d articles: %w", len(articleIDs), err)
	}
	slices.SortFunc(rows, bylineOrder)
	out := make(map[uint64][]*models.Author, len(articleIDs))
	for i := range rows {
		out[rows[i].ArticleID] = append(out[rows[i].ArticleID], &rows[i].Author)
	}
	return out, nil
}

type tagOfArticle struct {
	ArticleID uint64
	models.Tag
}

// TagsByArticleIDs returns each article's tags, by name, without their
// creation time (CreatedAt is zero).
func (s *Store) TagsByArticleIDs(ctx context.Context, articleIDs []uint64) (map[uint64][]*models.Tag, error) {
	// Sorted here, not by the database, and scanned by hand: see
	// AuthorsByArticleIDs.
	rs, err := s.q(ctx).Table("tags").
		Select("article_tags.article_id, tags.id, tags.slug, tags.name").
		Joins("JOIN article_tags ON article_tags.tag_id = tags.id").
		Where("article_tags.article_id IN ?", articleIDs).
		Rows()
	if err != nil {
		return nil, fmt.Errorf("load tags of %d articles: %w", len(articleIDs), err)
	}
	defer rs.Close()
	rows := make([]tagOfArticle, 0, 4*len(articleIDs))
	for rs.Next() {
		rows = append(rows, tagOfArticle{})
		r := &rows[len(rows)-1]
		if err := rs.Scan(&r.ArticleID, &r.ID, &r.Slug, &r.Name); err != nil {
			return nil, fmt.Errorf("load tags of %d articles: %w", len(articleIDs), err)
		}
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("load tags of %d articles: %w", len(articleIDs), err)
	}
	slices.SortFunc(rows, tagOrder)
	out := make(map[uint64][]*models.Tag, len(articleIDs))
	for i := range rows {
		out[rows[i].ArticleID] = append(out[rows[i].ArticleID], &rows[i].Tag)
	}
	return out, nil
}

// compareNames orders names case-insensitively, then bytewise: the same
// order on every engine.
func compareNames(a, b string) int {
	return cmp.Or(compareLower(a, b), strings.Compare(a, b))
}

// compareLower compares strings.ToLower(a) with strings.ToLower(b) without
// building them (a page's tags are sorted with it: two strings per
// comparison were most of the sort's cost). Lowered UTF-8 compares bytewise
// as its runes compare by code point, and ToLower turns an invalid byte
// into utf8.RuneError, as decoding does.
func compareLower(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra < utf8.RuneSelf && rb < utf8.RuneSelf {
			if 'A' <= ra && ra <= 'Z' {
				ra += 'a' - 'A'
			}
			if 'A' <= rb && rb <= 'Z' {
				rb += 'a' - 'A'
			}
		} else {
			ra, rb = unicode.ToLower(ra), unicode.ToLower(rb)
		}
		if c := cmp.Compare(ra, rb); c != 0 {
			return c
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// CreateArticle inserts a and credits its authors (in order) and tags.
func (s *Store) CreateArticle(ctx context.Context, a *models.Article, authorIDs, tagIDs []uint64) error {
	a.LiveVersion = a.Version
	if err := s.q(ctx).Create(a).Error; err != nil {
		return translate(fmt.Sprintf("create article %q", a.Slug), err)
	}
	return s.SetArticleLinks(ctx, a.ID, authorIDs, tagIDs)
}

// SetArticleLinks replaces an article's authors and tags (and its rows
// of the archive indexes).
func (s *Store) SetArticleLinks(ctx context.Context, articleID uint64, authorIDs, tagIDs []uint64) error {
	if err := s.replaceLinks(ctx, articleID, authorIDs, tagIDs); err != nil {
		return err
	}
	return s.syncArchives(ctx, articleID)
}

// replaceLinks is SetArticleLinks without the archive indexes.
func (s *Store) replaceLinks(ctx context.Context, articleID uint64, authorIDs, tagIDs []uint64) error {
	q := s.q(ctx)
	if err := q.Where("article_id = ?", articleID).Delete(&models.ArticleAuthor{}).Error; err != nil {
		return fmt.Errorf("clear authors of article %d: %w", articleID, err)
	}
	if len(authorIDs) > 0 {
		links := make([]models.ArticleAuthor, len(authorIDs))
		for i, id := range authorIDs {
			links[i] = models.ArticleAuthor{ArticleID: articleID, AuthorID: id, Position: i}
		}
		if err := q.Create(&links).Error; err != nil {
			return translate(fmt.Sprintf("credit authors of article %d", articleID), err)
		}
	}
	if err := q.Where("article_id = ?", articleID).Delete(&models.ArticleTag{}).Error; err != nil {
		return fmt.Errorf("clear tags of article %d: %w", articleID, err)
	}
	if len(tagIDs) > 0 {
		links := make([]models.ArticleTag, len(tagIDs))
		for i, id := range tagIDs {
			links[i] = models.ArticleTag{ArticleID: articleID, TagID: id}
		}
		if err := q.Create(&links).Error; err != nil {
			return translate(fmt.Sprintf("tag article %d", articleID), err)
		}
	}
	return nil
}

// InsertArticles inserts many articles in batches (synthetic seeding), with
// their rows of the section index; ids are set on the structs.
func (s *Store) InsertArticles(ctx context.Context, articles []*models.Article) error {
	for _, a := range articles {
		if a.LiveVersion == 0 {
			a.LiveVersion = a.Version
		}
	}
	if err := s.q(ctx).CreateInBatches(articles, 500).Error; err != nil {
		return translate("insert articles", err)
	}
	ids := make([]uint64, len(articles))
	for i, a := range articles {
		ids[i] = a.ID
	}
	// Their sections' index; links come after (InsertArticleLinks).
	return s.syncIndexes(ctx, []archiveIndex{sectionIndex}, ids)
}

// InsertArticleLinks inserts author credits and tags in batches (and the
// linked articles' rows of the archive indexes).
func (s *Store) InsertArticleLinks(ctx context.Context, authors []models.ArticleAuthor, tags []models.ArticleTag) error {
	var ids []uint64
	if len(authors) > 0 {
		if err := s.q(ctx).CreateInBatches(authors, 1000).Error; err != nil {
			return translate("insert article authors", err)
		}
		for _, l := range authors {
			ids = append(ids, l.ArticleID)
		}
	}
	if len(tags) > 0 {
		if err := s.q(ctx).CreateInBatches(tags, 1000).Error; err != nil {
			return translate("insert article tags", err)
		}
		for _, l := range tags {
			ids = append(ids, l.ArticleID)
		}
	}
	slices.Sort(ids)
	return s.syncArchives(ctx, slices.Compact(ids)...)
}
