package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/models"
)

// Queries of feeds and sitemaps. Sitemaps are read row by row (Rows and
// a callback) so that an archive of any size is served in constant memory;
// feeds are a bounded list of whole articles. Every query applies the
// Visibility it is given (the content service passes Readers).

// NewestArticles returns at most limit articles f matches, newest
// publication first (ties by id), with their bodies unless ctx is
// WithoutBodies.
func (s *Store) NewestArticles(ctx context.Context, f ArticleFilter, limit int) ([]*models.Article, error) {
	rows, err := scanArticles(s.filteredArticles(ctx, f).Select(s.articleColumns(ctx, f.Visibility)).
		Order("articles.published_at DESC, articles.id DESC").Limit(limit))
	if err != nil {
		return nil, fmt.Errorf("list newest articles: %w", err)
	}
	return rows, nil
}

// SitemapArticle is what a sitemap entry shows of an article.
type SitemapArticle struct {
	ID          uint64
	Slug        string
	Title       string
	PublishedAt time.Time
	UpdatedAt   time.Time
	CoverURL    string
	CoverAlt    string
	CategoryID  *uint64
	// SectionSlug is the slug of the article's section ("" without one).
	SectionSlug string
	// Locale and Group (translation group, 0: none) find the article's
	// translations among the sitemap's alternates (SitemapAlternates).
	Locale string
	Group  uint64
	// CoverImage is the cover's library picture (ID 0: none), with what
	// a rendition's URL needs; reused between rows like the rest.
	CoverImage models.Image
}

// Period is a half-open range of publication times [From, To).
type Period struct{ From, To time.Time }

// articlesIn selects the articles v lets through published in p that
// search engines may index: an article an editor marked noindex stays out
// of sitemaps (a listed URL that asks not to be indexed is an error in
// Search Console), though readers still see it.
func (s *Store) articlesIn(ctx context.Context, v Visibility, p Period) *gorm.DB {
	q := applyVisibility(s.q(ctx).Table("articles"), "articles", v).Where("articles.seo_noindex = ?", false)
	if !p.From.IsZero() {
		q = q.Where("articles.published_at >= ?", p.From.UTC())
	}
	if !p.To.IsZero() {
		q = q.Where("articles.published_at < ?", p.To.UTC())
	}
	return q
}

// EachSitemapArticle calls fn for each article v lets through published
// in p, oldest first, skipping offset of them and stopping after limit
// (0: no limit). The SitemapArticle is reused between calls.
func (s *Store) EachSitemapArticle(ctx context.Context, v Visibility, p Period, offset, limit int, fn func(*SitemapArticle) error) error {
	q := s.articlesIn(ctx, v, p).
		Select("articles.id, articles.slug, articles.title, articles.published_at, articles.updated_at, " +
			"articles.cover_url, articles.cover_alt, articles.category_id, COALESCE(c.slug, '') AS section_slug, " +
			"articles.locale, articles.translation_group, COALESCE(i.id, 0), COALESCE(i.width, 0), COALESCE(i.height, 0), " +
			"COALESCE(i.focal_x, 0.5), COALESCE(i.focal_y, 0.5), COALESCE(i.mime_type, '')").
		Joins("LEFT JOIN categories c ON c.id = articles.category_id").
		Joins("LEFT JOIN images i ON i.id = articles.cover_image_id").
		Order("articles.published_at, articles.id")
	if offset > 0 || limit > 0 {
		if limit <= 0 {
			limit = 1 << 62
		}
		q = q.Offset(offset).Limit(limit)
	}
	return s.stream(q, "sitemap articles", func(rows *sql.Rows) error {
		var a SitemapArticle
		var cat sql.NullInt64
		var pub, upd timeValue
		for rows.Next() {
			if err := rows.Scan(&a.ID, &a.Slug, &a.Title, &pub, &upd, &a.CoverURL, &a.CoverAlt, &cat, &a.SectionSlug, &a.Locale, &a.Group,
				&a.CoverImage.ID, &a.CoverImage.Width, &a.CoverImage.Height, &a.CoverImage.FocalX, &a.CoverImage.FocalY, &a.CoverImage.MimeType); err != nil {
				return err
			}
			a.PublishedAt, a.UpdatedAt = pub.t, upd.t
			a.CategoryID = nil
			if cat.Valid {
				id := uint64(cat.Int64)
				a.CategoryID = &id
			}
			if err := fn(&a); err != nil {
				return err
			}
		}
		return nil
	})
}

// stream runs q and hands its rows to each, closing them after.
func (s *Store) stream(q *gorm.DB, what string, each func(*sql.Rows) error) error {
	rows, err := q.Rows()
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	if err := each(rows); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}

// ArticleStats summarises a set of articles: how many, and when the
// newest change to the set happened (the latest publication or update).
type ArticleStats struct {
	Count        int64
	LastModified time.Time
	// MaxLen holds the longest slug, section slug and cover URL in the set
	// (in bytes), so that a sitemap can bound the size of its entries.
	MaxLen struct{ Slug, Section, Cover int }
	// Sum adds up the ids and versions of the set: with Count and
	// LastModified it changes whenever an article joins, leaves or is
	// edited, even within one second (for ETags).
	Sum int64
	// Expires is the earliest take-down time (expiresAt) in the set, zero
	// for none: a document listing the set must not be served from then
	// on (it would name an article taken down).
	Expires time.Time
}

// statsColumns are the aggregates scanned by scanStats, over articles. The
// longest section slug is that of any section (one lookup, not a join per
// row): a bound is all the sitemap needs.
const statsColumns = "COUNT(*), MAX(articles.updated_at), MAX(articles.published_at), " +
	"COALESCE(MAX(LENGTH(articles.slug)), 0), (SELECT COALESCE(MAX(LENGTH(c.slug)), 0) FROM categories c), " +
	"COALESCE(MAX(LENGTH(articles.cover_url)), 0), " +
	"COALESCE(SUM(articles.id + articles.version + articles.translation_group), 0), MIN(articles.expires_at)"

// scanStats reads statsColumns after the leading columns in dest.
func scanStats(scan func(...any) error, out *ArticleStats, dest ...any) error {
	var upd, pub, exp timeValue
	dest = append(dest, &out.Count, &upd, &pub, &out.MaxLen.Slug, &out.MaxLen.Section, &out.MaxLen.Cover, &out.Sum, &exp)
	if err := scan(dest...); err != nil {
		return err
	}
	out.LastModified, out.Expires = later(upd.t, pub.t), exp.t
	return nil
}

// StatsOfArticles summarises the articles v lets through published in p.
func (s *Store) StatsOfArticles(ctx context.Context, v Visibility, p Period) (ArticleStats, error) {
	var out ArticleStats
	row := s.articlesIn(ctx, v, p).Select(statsColumns).Row()
	if err := scanStats(row.Scan, &out); err != nil {
		return out, fmt.Errorf("summarise articles: %w", err)
	}
	return out, nil
}

// MonthStats is ArticleStats of the articles published in one month (UTC).
type MonthStats struct {
	Month time.Time // the first instant of the month, UTC
	ArticleStats
}

// ArticleMonths summarises the articles v lets through, month by month of
// publication (UTC), oldest month first; months without any are left out.
func (s *Store) ArticleMonths(ctx context.Context, v Visibility) ([]MonthStats, error) {
	month := "substr(articles.published_at, 1, 7)"
	if s.db.Dialect == dbconn.MySQL {
		month = "DATE_FORMAT(articles.published_at, '%Y-%m')"
	}
	var out []MonthStats
	q := s.articlesIn(ctx, v, Period{}).
		Select(month + " AS month, " + statsColumns).
		Group("month").Order("month")
	err := s.stream(q, "article months", func(rows *sql.Rows) error {
		for rows.Next() {
			var m MonthStats
			var name string
			if err := scanStats(rows.Scan, &m.ArticleStats, &name); err != nil {
				return err
			}
			t, err := time.Parse("2006-01", name)
			if err != nil {
				return fmt.Errorf("month %q: %w", name, err)
			}
			m.Month = t
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// Kinds of listing pages a sitemap names.
const (
	ListingSections = "sections"
	ListingTags     = "tags"
	ListingAuthors  = "authors"
)

// Listing is a section, tag or author page as a sitemap entry shows it.
type Listing struct {
	ID   uint64
	Slug string
	Name string
	// LastModified is the later of the object's own last change and the
	// newest publication among its visible articles.
	LastModified time.Time
}

// listingQuery selects the sections, tags or authors with at least one
// article v lets through (an empty listing page is not worth crawling, and
// a tag only of drafts would name an embargoed story), grouped by object.
func (s *Store) listingQuery(ctx context.Context, kind string, v Visibility) (*gorm.DB, string, error) {
	q := s.q(ctx)
	var own string
	switch kind {
	case ListingSections:
		q = q.Table("categories o").Joins("JOIN articles a ON a.category_id = o.id")
		own = "o.updated_at"
	case ListingTags:
		q = q.Table("tags o").Joins("JOIN article_tags l ON l.tag_id = o.id").Joins("JOIN articles a ON a.id = l.article_id")
		own = "o.created_at"
	case ListingAuthors:
		q = q.Table("authors o").Joins("JOIN article_authors l ON l.author_id = o.id").Joins("JOIN articles a ON a.id = l.article_id").
			Where("o.deleted_at IS NULL")
		own = "o.updated_at"
	default:
		return nil, "", fmt.Errorf("unknown listing %q", kind)
	}
	return applyVisibility(q, "a", v), own, nil
}

// CountListings counts the sections, tags or authors (kind) with an
// article v lets through, and the latest change among them.
func (s *Store) CountListings(ctx context.Context, kind string, v Visibility) (ArticleStats, error) {
	q, own, err := s.listingQuery(ctx, kind, v)
	if err != nil {
		return ArticleStats{}, err
	}
	var out ArticleStats
	var upd, pub, exp timeValue
	err = q.Select("COUNT(DISTINCT o.id), MAX("+own+"), MAX(a.published_at), COALESCE(MAX(LENGTH(o.slug)), 0), MIN(a.expires_at)").Row().
		Scan(&out.Count, &upd, &pub, &out.MaxLen.Slug, &exp)
	if err != nil {
		return out, fmt.Errorf("count %s: %w", kind, err)
	}
	out.LastModified, out.Expires = later(upd.t, pub.t), exp.t
	return out, nil
}

// EachListing calls fn for the sections, tags or authors (kind) with an
// article v lets through, by id, skipping offset and stopping after limit
// (0: no limit). The Listing is reused between calls.
func (s *Store) EachListing(ctx context.Context, kind string, v Visibility, offset, limit int, fn func(*Listing) error) error {
	q, own, err := s.listingQuery(ctx, kind, v)
	if err != nil {
		return err
	}
	q = q.Select("o.id, o.slug, o.name, " + own + ", MAX(a.published_at)").
		Group("o.id, o.slug, o.name, " + own).Order("o.id")
	if offset > 0 || limit > 0 {
		if limit <= 0 {
			limit = 1 << 62
		}
		q = q.Offset(offset).Limit(limit)
	}
	return s.stream(q, kind, func(rows *sql.Rows) error {
		var l Listing
		var upd, pub timeValue
		for rows.Next() {
			if err := rows.Scan(&l.ID, &l.Slug, &l.Name, &upd, &pub); err != nil {
				return err
			}
			l.LastModified = later(upd.t, pub.t)
			if err := fn(&l); err != nil {
				return err
			}
		}
		return nil
	})
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// timeValue scans a time column or aggregate: MySQL gives a time.Time,
// SQLite a time.Time for a DATETIME column but text for MAX() of one; NULL
// (an empty set) gives the zero time.
type timeValue struct{ t time.Time }

// Scan implements sql.Scanner.
func (v *timeValue) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		v.t = time.Time{}
	case time.Time:
		v.t = x.UTC()
	case string:
		return v.parse(x)
	case []byte:
		return v.parse(string(x))
	default:
		return fmt.Errorf("scan time from %T", src)
	}
	return nil
}

func (v *timeValue) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			v.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("scan time from %q", s)
}

// SitemapAlternate is an article of a translation group as a sitemap's
// hreflang alternates name it.
type SitemapAlternate struct {
	ID          uint64
	Slug        string
	SectionSlug string
	PublishedAt time.Time
	Locale      string
}

// SitemapAlternates returns the indexable articles v lets through that
// belong to a translation group, by group: one statement, held for the
// length of one sitemap (it grows with the translated articles only).
func (s *Store) SitemapAlternates(ctx context.Context, v Visibility) (map[uint64][]SitemapAlternate, error) {
	q := s.articlesIn(ctx, v, Period{}).Where("articles.translation_group <> 0").
		Select("articles.translation_group, articles.id, articles.slug, COALESCE(c.slug, '') AS section_slug, articles.published_at, articles.locale").
		Joins("LEFT JOIN categories c ON c.id = articles.category_id").
		Order("articles.translation_group, articles.locale")
	out := map[uint64][]SitemapAlternate{}
	err := s.stream(q, "sitemap alternates", func(rows *sql.Rows) error {
		for rows.Next() {
			var g uint64
			var a SitemapAlternate
			var pub timeValue
			if err := rows.Scan(&g, &a.ID, &a.Slug, &a.SectionSlug, &pub, &a.Locale); err != nil {
				return err
			}
			a.PublishedAt = pub.t
			out[g] = append(out[g], a)
		}
		return nil
	})
	return out, err
}

// LastDeparture returns the latest time an article may have left what
// readers see (zero for none): the latest change (updated_at, deleted_at)
// to an article readers cannot see now, and the latest take-down time
// already passed. Unpublishing clears published_at, so which sitemap an
// article left cannot be told: a sitemap's Last-Modified takes this as a
// floor (a change to a draft moves it too, which costs a client a full
// download, never a stale 304).
func (s *Store) LastDeparture(ctx context.Context, now time.Time) (time.Time, error) {
	var upd, del, exp timeValue
	row := s.q(ctx).Raw(`SELECT MAX(updated_at), MAX(deleted_at), MAX(CASE WHEN expires_at <= ? THEN expires_at END)
		FROM articles WHERE status <> ? OR deleted_at IS NOT NULL OR expires_at <= ?`, now, models.StatusPublished, now).Row()
	if err := row.Scan(&upd, &del, &exp); err != nil {
		return time.Time{}, fmt.Errorf("latest departure from readers' articles: %w", err)
	}
	return later(later(upd.t, del.t), exp.t), nil
}
