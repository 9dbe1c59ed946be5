package content

import (
	"context"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Feeds and sitemaps are public documents shared through caches, so they
// always show what a reader sees, whoever asks (an editor's token does not
// put drafts in a feed a CDN then serves to everyone).

// Feed sizes.
const (
	DefaultFeedItems = 20
	MaxFeedItems     = 100
)

// News sitemap bounds (Google News: the last two days, 1,000 URLs at most).
const (
	NewsWindow   = 48 * time.Hour
	MaxNewsItems = 1000
)

// Kinds of feed scope.
const (
	ScopeAll     = ""
	ScopeSection = "section"
	ScopeTag     = "tag"
	ScopeAuthor  = "author"
)

// FeedScope names the articles a feed lists: all, or one section's, tag's
// or author's (by slug); with a Locale (as sent: checked by Feed), only
// that locale's articles, its sections and tags named in it.
type FeedScope struct {
	Kind   string
	Slug   string
	Locale string
}

// FeedItem is one article of a feed with its byline, section and tags.
type FeedItem struct {
	Article     *models.Article
	Authors     []*models.Author
	Section     *models.Category
	Tags        []*models.Tag
	Corrections []*models.Correction // oldest first
	// CoverImage is the cover's library picture; nil for none or a cover
	// given by URL.
	CoverImage *models.Image
}

// Feed is the newest articles of a scope; Section, Tag or Author is the
// object the scope named.
type Feed struct {
	// Locale is the locale the feed keeps to ("" for every locale).
	Locale  string
	Items   []FeedItem
	Section *models.Category
	Tag     *models.Tag
	Author  *models.Author
}

// ClampFeedItems turns a requested item count into one a feed serves:
// DefaultFeedItems for none (0 or less), MaxFeedItems at most.
func ClampFeedItems(n int) int {
	switch {
	case n <= 0:
		return DefaultFeedItems
	case n > MaxFeedItems:
		return MaxFeedItems
	}
	return n
}

// readers is the visibility of feeds and sitemaps: a reader's, now.
func (s *Service) readers() store.Visibility { return store.Readers(s.Now()) }

// Feed returns the newest articles of scope a reader may see (limit is
// clamped with ClampFeedItems), with bodies when full. A scope naming an
// unknown section, tag or author is NOT_FOUND.
func (s *Service) Feed(ctx context.Context, scope FeedScope, limit int, full bool) (*Feed, error) {
	v := s.readers()
	f := store.ArticleFilter{Visibility: v}
	feed := &Feed{}
	var err error
	if scope.Locale != "" {
		if f.Locale, err = s.locales.Check("locale", scope.Locale); err != nil {
			return nil, err
		}
		feed.Locale = f.Locale
	}
	switch scope.Kind {
	case ScopeAll:
	case ScopeSection:
		if feed.Section, err = s.store.CategoryBySlug(ctx, scope.Slug); err == nil && feed.Section != nil {
			f.CategoryID = feed.Section.ID
		}
	case ScopeTag:
		if feed.Tag, err = s.store.TagBySlug(ctx, v, scope.Slug); err == nil && feed.Tag != nil {
			f.TagID = feed.Tag.ID
		}
	case ScopeAuthor:
		if feed.Author, err = s.store.AuthorBySlug(ctx, scope.Slug); err == nil && feed.Author != nil {
			f.AuthorID = feed.Author.ID
		}
	default:
		return nil, apperr.Invalidf("scope", "unknown feed scope %q", scope.Kind)
	}
	if err != nil {
		return nil, err
	}
	if scope.Kind != ScopeAll && feed.Section == nil && feed.Tag == nil && feed.Author == nil {
		return nil, apperr.New(apperr.NotFound, "no %s %q", scope.Kind, apperr.Clip(scope.Slug, 64))
	}
	if !full {
		ctx = store.WithoutBodies(ctx)
	}
	articles, err := s.store.NewestArticles(ctx, f, ClampFeedItems(limit))
	if err != nil || len(articles) == 0 {
		return feed, err
	}
	ids := make([]uint64, len(articles))
	var catIDs, imageIDs []uint64
	for i, a := range articles {
		ids[i] = a.ID
		if a.CategoryID != nil {
			catIDs = append(catIDs, *a.CategoryID)
		}
		if a.Cover.ImageID != 0 {
			imageIDs = append(imageIDs, uint64(a.Cover.ImageID))
		}
	}
	images := map[uint64]*models.Image{}
	if len(imageIDs) > 0 {
		found, err := s.store.ImagesByIDs(ctx, imageIDs)
		if err != nil {
			return nil, err
		}
		for _, img := range found {
			images[img.ID] = img
		}
	}
	authors, err := s.store.AuthorsByArticleIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	tags, err := s.store.TagsByArticleIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	corrections, err := s.store.CorrectionsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	cats := map[uint64]*models.Category{}
	if len(catIDs) > 0 {
		if cats, err = s.store.CategoriesByIDs(ctx, catIDs); err != nil {
			return nil, err
		}
	}
	feed.Items = make([]FeedItem, len(articles))
	for i, a := range articles {
		it := FeedItem{Article: a, Authors: authors[a.ID], Tags: tags[a.ID], Corrections: corrections[a.ID], CoverImage: images[uint64(a.Cover.ImageID)]}
		if a.CategoryID != nil {
			it.Section = cats[*a.CategoryID]
		}
		feed.Items[i] = it
	}
	return feed, s.localizeFeed(ctx, feed)
}

// Sitemap types, as the store reads them.
type (
	SitemapArticle = store.SitemapArticle
	ArticleStats   = store.ArticleStats
	MonthStats     = store.MonthStats
	Listing        = store.Listing
	Period         = store.Period
)

// Kinds of listing sitemaps.
const (
	ListingSections = store.ListingSections
	ListingTags     = store.ListingTags
	ListingAuthors  = store.ListingAuthors
)

// ArticleMonths summarises readers' articles month by month of publication.
func (s *Service) ArticleMonths(ctx context.Context) ([]MonthStats, error) {
	return s.store.ArticleMonths(ctx, s.readers())
}

// LastDeparture is the latest time an article may have left readers'
// articles (see store.LastDeparture): documents listing them take it as
// the floor of their Last-Modified.
func (s *Service) LastDeparture(ctx context.Context) (time.Time, error) {
	return s.store.LastDeparture(ctx, s.Now())
}

// ArticleStats summarises readers' articles published in p.
func (s *Service) ArticleStats(ctx context.Context, p Period) (ArticleStats, error) {
	return s.store.StatsOfArticles(ctx, s.readers(), p)
}

// EachSitemapArticle calls fn for readers' articles published in p, oldest
// first, from offset, limit of them at most (0: all).
func (s *Service) EachSitemapArticle(ctx context.Context, p Period, offset, limit int, fn func(*SitemapArticle) error) error {
	return s.store.EachSitemapArticle(ctx, s.readers(), p, offset, limit, fn)
}

// NewsPeriod is the publication window of the news sitemap, ending now.
func (s *Service) NewsPeriod() Period {
	now := s.Now()
	return Period{From: now.Add(-NewsWindow), To: now.Add(time.Second)}
}

// EachNewsArticle calls fn for the articles of the news sitemap: readers'
// articles published in the last NewsWindow, the newest MaxNewsItems (or
// limit, if lower) of them, oldest first.
func (s *Service) EachNewsArticle(ctx context.Context, limit int, fn func(*SitemapArticle) error) error {
	if limit <= 0 || limit > MaxNewsItems {
		limit = MaxNewsItems
	}
	p := s.NewsPeriod()
	st, err := s.store.StatsOfArticles(ctx, s.readers(), p)
	if err != nil {
		return err
	}
	skip := max(0, int(st.Count)-limit)
	return s.store.EachSitemapArticle(ctx, s.readers(), p, skip, limit, fn)
}

// CountListings counts the sections, tags or authors (kind) that have an
// article readers see.
func (s *Service) CountListings(ctx context.Context, kind string) (ArticleStats, error) {
	return s.store.CountListings(ctx, kind, s.readers())
}

// EachListing calls fn for the sections, tags or authors (kind) that have
// an article readers see, from offset, limit at most (0: all).
func (s *Service) EachListing(ctx context.Context, kind string, offset, limit int, fn func(*Listing) error) error {
	return s.store.EachListing(ctx, kind, s.readers(), offset, limit, fn)
}

// localizeFeed names a locale's feed's sections and tags in its locale.
func (s *Service) localizeFeed(ctx context.Context, feed *Feed) error {
	if s.DefaultLocale(feed.Locale) {
		return nil
	}
	var cats []*models.Category
	var tags []*models.Tag
	if feed.Section != nil {
		cs, err := s.CategoriesIn(ctx, feed.Locale, []*models.Category{feed.Section})
		if err != nil {
			return err
		}
		feed.Section = cs[0]
	}
	if feed.Tag != nil {
		ts, err := s.LocalizeTags(ctx, feed.Locale, []*models.Tag{feed.Tag})
		if err != nil {
			return err
		}
		feed.Tag = ts[0]
	}
	for _, it := range feed.Items {
		if it.Section != nil {
			cats = append(cats, it.Section)
		}
		tags = append(tags, it.Tags...)
	}
	cats, err := s.CategoriesIn(ctx, feed.Locale, cats)
	if err != nil {
		return err
	}
	tags, err = s.LocalizeTags(ctx, feed.Locale, tags)
	if err != nil {
		return err
	}
	for i := range feed.Items {
		it := &feed.Items[i]
		if it.Section != nil {
			it.Section, cats = cats[0], cats[1:]
		}
		n := len(it.Tags)
		it.Tags, tags = tags[:n:n], tags[n:]
	}
	return nil
}

// SitemapAlternate is a translation as a sitemap's hreflang alternates
// name it.
type SitemapAlternate = store.SitemapAlternate

// SitemapAlternates returns the readers' indexable articles that have
// translations, by translation group.
func (s *Service) SitemapAlternates(ctx context.Context) (map[uint64][]SitemapAlternate, error) {
	return s.store.SitemapAlternates(ctx, s.readers())
}
