package content

import (
	"context"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/fulltext"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/related"
	"github.com/broadsheet/broadsheet/internal/searchindex"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/models"
)

// The storage content uses, by concern. The method sets list what the
// service calls, no more: a new call adds its method to the interface of
// its concern. Rows and filters stay the store's own types.

// Storage is what the Service holds: everything it reads, the database's
// dialect (for the precision of times) and the door to a transaction.
// StorageOf adapts the database's store to it.
type Storage interface {
	TxStorage

	Dialect() dbconn.Dialect

	// Tx runs fn in one transaction: a change, its revision, its audit
	// entry and its outbox events commit together or not at all.
	Tx(ctx context.Context, fn func(tx TxStorage) error) error
}

// TxStorage is what content reads and writes, inside a transaction or out
// of one (a read outside a transaction is the same query on the pool).
type TxStorage interface {
	ArticleStorage
	PeopleStorage
	SectionStorage
	EditorialStorage
	SchedulerStorage
	StagingStorage
	OutboxStorage
	RelatedStorage
	MediaStorage
	TranslationStorage
	DistributionStorage
	RoutingStorage
	LiveBlogStorage
	ImportStorage
}

// StorageOf is content's view of st.
func StorageOf(st *store.Store) Storage { return storeView{TxStorage: st, st: st} }

// storeView narrows *store.Store to TxStorage, plus the dialect and a Tx
// that hands fn the transaction's store as a TxStorage.
type storeView struct {
	TxStorage
	st *store.Store
}

var _ TxStorage = (*store.Store)(nil)

func (v storeView) Dialect() dbconn.Dialect { return v.st.Dialect() }

func (v storeView) Tx(ctx context.Context, fn func(tx TxStorage) error) error {
	return v.st.Tx(ctx, func(tx *store.Store) error { return fn(tx) })
}

// ArticleStorage is the storage of articles: reading them for a viewer,
// creating and versioned updates, their credits and tags, slugs, and search.
type ArticleStorage interface {
	ArticleByID(ctx context.Context, v store.Visibility, id uint64) (*models.Article, error)
	ArticleBySlug(ctx context.Context, v store.Visibility, locale string, slug string) (*models.Article, error)
	ArticleBySlugAnyLocale(ctx context.Context, v store.Visibility, slug string, preferred string) (*models.Article, error)
	ArticlesByIDs(ctx context.Context, v store.Visibility, ids []uint64) (map[uint64]*models.Article, error)
	ArticlesBySlugs(ctx context.Context, v store.Visibility, slugs []string, preferred string) (map[string]*models.Article, error)
	CountArticles(ctx context.Context, f store.ArticleFilter) (int64, error)
	ListArticles(ctx context.Context, f store.ArticleFilter, order models.ArticleSort, p page.Request) (*page.List[*models.Article], error)
	SectionFront(ctx context.Context, slug string, f store.ArticleFilter, order models.ArticleSort, p page.Request) (*models.Category, *page.List[*models.Article], error)
	AuthorPage(ctx context.Context, slug string, f store.ArticleFilter, order models.ArticleSort, p page.Request) (*models.Author, *page.List[*models.Article], error)
	ExistingArticleIDs(ctx context.Context, ids []uint64) (map[uint64]bool, error)
	SlugTaken(ctx context.Context, locale string, slug string, exceptID uint64) (bool, error)
	SlugsExist(ctx context.Context, slugs []string) (map[string]bool, error)
	ArticleLinks(ctx context.Context, id uint64) (authorIDs []uint64, tags []string, err error)
	CreateArticle(ctx context.Context, a *models.Article, authorIDs []uint64, tagIDs []uint64) error
	SaveArticleIfVersion(ctx context.Context, a *models.Article, version int, authorIDs []uint64, tagIDs []uint64) (bool, error)
	BumpArticleVersion(ctx context.Context, id uint64, version int) (bool, error)
	EnsureTags(ctx context.Context, slugs []string, names []string) ([]*models.Tag, error)
	SearchArticles(ctx context.Context, f store.ArticleFilter, query fulltext.Query, p store.SearchPage) (*store.SearchResultPage, error)
	CountSearchResults(ctx context.Context, f store.ArticleFilter, query fulltext.Query) (int64, error)
	SearchDocs(ctx context.Context, afterID uint64, limit int) ([]searchindex.Doc, error)
	SearchDocsByIDs(ctx context.Context, ids []uint64) ([]searchindex.Doc, error)
	SearchHitsByIDs(ctx context.Context, v store.Visibility, ids []uint64) (map[uint64]*store.SearchHit, error)
	SlugIDs(ctx context.Context, category string, tags []string, author string) (uint64, []uint64, uint64, error)
}

// PeopleStorage is the storage of the newsroom's people: authors, and the
// accounts (with auth's own account storage, which CreateAccount drives in
// the same transaction).
type PeopleStorage interface {
	auth.AccountStore

	AccountByEmail(ctx context.Context, email string) (*models.Account, error)
	AccountsByIDs(ctx context.Context, ids []uint64) ([]*models.Account, error)
	UpdateAccount(ctx context.Context, a *models.Account) error
	AuthorByID(ctx context.Context, id uint64) (*models.Author, error)
	AuthorByIDAny(ctx context.Context, id uint64) (*models.Author, error)
	AuthorBySlug(ctx context.Context, slug string) (*models.Author, error)
	AuthorSlugTaken(ctx context.Context, slug string) (bool, error)
	AuthorsByArticleIDs(ctx context.Context, articleIDs []uint64) (map[uint64][]*models.Author, error)
	AuthorsByIDs(ctx context.Context, ids []uint64) (map[uint64]*models.Author, error)
	AuthorsExist(ctx context.Context, ids []uint64) (map[uint64]bool, error)
	CountAuthors(ctx context.Context) (int64, error)
	CountPublishedByAuthor(ctx context.Context, authorID uint64) (int64, error)
	CreateAuthor(ctx context.Context, a *models.Author) error
	UpdateAuthor(ctx context.Context, a *models.Author) error
	ListAuthors(ctx context.Context, p page.Request) (*page.List[*models.Author], error)
}

// SectionStorage is the storage of sections and tags.
type SectionStorage interface {
	CategoriesByIDs(ctx context.Context, ids []uint64) (map[uint64]*models.Category, error)
	CategoryByID(ctx context.Context, id uint64) (*models.Category, error)
	CategoryBySlug(ctx context.Context, slug string) (*models.Category, error)
	CategorySlugTaken(ctx context.Context, slug string) (bool, error)
	CreateCategory(ctx context.Context, c *models.Category) error
	UpdateCategory(ctx context.Context, c *models.Category) error
	ListCategories(ctx context.Context) ([]*models.Category, error)
	TagByID(ctx context.Context, v store.Visibility, id uint64) (*models.Tag, error)
	TagBySlug(ctx context.Context, v store.Visibility, slug string) (*models.Tag, error)
	TagPage(ctx context.Context, slug string, f store.ArticleFilter, order models.ArticleSort, p page.Request) (*models.Tag, *page.List[*models.Article], error)
	TagsByArticleIDs(ctx context.Context, articleIDs []uint64) (map[uint64][]*models.Tag, error)
	RelationsOfArticles(ctx context.Context, articleIDs []uint64, authors, tags bool, categoryIDs []uint64) (*store.ArticleRelations, error)
	TagsByIDs(ctx context.Context, v store.Visibility, ids []uint64) (map[uint64]*models.Tag, error)
	ListTags(ctx context.Context, v store.Visibility, locale string, p page.Request) (*page.List[*models.Tag], error)
	CountTags(ctx context.Context, v store.Visibility, locale string) (int64, error)
}

// EditorialStorage is the storage of the editorial record and its locks:
// revisions, the audit log, review notes, corrections.
type EditorialStorage interface {
	LockEditorialWrites(ctx context.Context) error
	LockArticle(ctx context.Context, id uint64) (*models.Article, error)
	AddRevision(ctx context.Context, r *models.ArticleRevision) error
	Revision(ctx context.Context, articleID uint64, revisionID uint64) (*models.ArticleRevision, error)
	Revisions(ctx context.Context, articleID uint64, limit int) ([]*models.ArticleRevision, error)
	AddAudit(ctx context.Context, e *models.AuditEntry) error
	CountAudit(ctx context.Context, f store.AuditFilter) (int64, error)
	ListAudit(ctx context.Context, f store.AuditFilter, p page.Request) (*page.List[*models.AuditEntry], error)
	AddReviewNote(ctx context.Context, n *models.ReviewNote) error
	ReviewNotes(ctx context.Context, articleID uint64, limit int) ([]*models.ReviewNote, error)
	SetReviewState(ctx context.Context, articleID uint64, state models.ReviewState) error
	AddCorrection(ctx context.Context, c *models.Correction) error
	CorrectionsOf(ctx context.Context, articleIDs []uint64) (map[uint64][]*models.Correction, error)
}

// SchedulerStorage is the storage of what the scheduler finds due and
// applies: scheduled publications, staged changes and expiries.
type SchedulerStorage interface {
	NextScheduled(ctx context.Context) (*time.Time, error)
	DueScheduled(ctx context.Context, now time.Time, limit int) ([]uint64, error)
	DuePendingChanges(ctx context.Context, now time.Time, limit int) ([]uint64, error)
	DueExpired(ctx context.Context, now time.Time, limit int) ([]uint64, error)
	PublishIfScheduled(ctx context.Context, id uint64, now time.Time) (bool, error)
	TakeDownIfExpired(ctx context.Context, id uint64, now time.Time) (bool, error)
}

// StagingStorage is the storage of staged (pending) changes and preview
// links.
type StagingStorage interface {
	PendingChange(ctx context.Context, articleID uint64) (*models.PendingChange, error)
	PendingChanges(ctx context.Context, ids []uint64) (map[uint64]*models.PendingChange, error)
	SavePendingChange(ctx context.Context, p *models.PendingChange) error
	DeletePendingChange(ctx context.Context, articleID uint64) (bool, error)
	PreviewGeneration(ctx context.Context, id uint64) (int, bool, error)
	RevokePreviews(ctx context.Context, id uint64) error
	ServerSecret(ctx context.Context, name string) ([]byte, error)
}

// OutboxStorage is the storage of the outbox: events committed with the
// change they describe.
type OutboxStorage interface {
	AppendEvents(ctx context.Context, consumers []string, evs ...*models.OutboxEvent) error
}

// RelatedStorage is the storage of editors' related picks and the stored
// suggestions (with the related engine's own storage, which refreshes run in
// the same transaction).
type RelatedStorage interface {
	related.Store

	RelatedByArticleIDs(ctx context.Context, v store.Visibility, ids []uint64, n int) (map[uint64][]*models.Article, error)
	RelatedPickIDs(ctx context.Context, articleID uint64) ([]uint64, error)
	RelatedPicks(ctx context.Context, v store.Visibility, articleID uint64) ([]*models.Article, error)
	RelatedScoresOf(ctx context.Context, articleID uint64) ([]store.RelatedScore, error)
	SetRelatedPicks(ctx context.Context, articleID uint64, ids []uint64) error
}

// MediaStorage is the storage of images of the media library that articles
// use.
type MediaStorage interface {
	ImageByID(ctx context.Context, id uint64) (*models.Image, error)
	ImagesByIDs(ctx context.Context, ids []uint64) ([]*models.Image, error)
	SetArticleImages(ctx context.Context, articleID uint64, imageIDs []uint64) error
}

// TranslationStorage is the storage of translation groups and localized
// sections and tags.
type TranslationStorage interface {
	GroupMembers(ctx context.Context, g uint64) ([]store.GroupMember, error)
	SetTranslationGroup(ctx context.Context, ids []uint64, g uint64) error
	TranslationsOf(ctx context.Context, v store.Visibility, arts []*models.Article) (map[uint64][]*models.Article, error)
	CategoryTranslations(ctx context.Context, locale string, ids []uint64) (map[uint64]*models.CategoryTranslation, error)
	SaveCategoryTranslation(ctx context.Context, t *models.CategoryTranslation) error
	DeleteCategoryTranslation(ctx context.Context, categoryID uint64, locale string) error
	TagTranslations(ctx context.Context, locale string, ids []uint64) (map[uint64]string, error)
	SaveTagTranslation(ctx context.Context, t *models.TagTranslation) error
	DeleteTagTranslation(ctx context.Context, tagID uint64, locale string) error
}

// DistributionStorage is the storage of feeds, sitemaps and listings.
type DistributionStorage interface {
	NewestArticles(ctx context.Context, f store.ArticleFilter, limit int) ([]*models.Article, error)
	ArticleMonths(ctx context.Context, v store.Visibility) ([]store.MonthStats, error)
	StatsOfArticles(ctx context.Context, v store.Visibility, p store.Period) (store.ArticleStats, error)
	LastDeparture(ctx context.Context, now time.Time) (time.Time, error)
	CountListings(ctx context.Context, kind string, v store.Visibility) (store.ArticleStats, error)
	EachListing(ctx context.Context, kind string, v store.Visibility, offset int, limit int, fn func(*store.Listing) error) error
	EachSitemapArticle(ctx context.Context, v store.Visibility, p store.Period, offset int, limit int, fn func(*store.SitemapArticle) error) error
	SitemapAlternates(ctx context.Context, v store.Visibility) (map[uint64][]store.SitemapAlternate, error)
}

// RoutingStorage is the storage of addresses: redirects and the old slugs of
// moved articles.
type RoutingStorage interface {
	ArticleIDByOldSlug(ctx context.Context, locale, slug string, anyLocale bool) (uint64, error)
	RecordOldSlug(ctx context.Context, articleID uint64, locale, slug string, at time.Time) error
	ForgetOldSlug(ctx context.Context, locale, slug string) error
	RedirectFrom(ctx context.Context, path string) (*models.Redirect, error)
	RedirectByID(ctx context.Context, id uint64) (*models.Redirect, error)
	CreateRedirect(ctx context.Context, r *models.Redirect) error
	DeleteRedirect(ctx context.Context, id uint64) (bool, error)
	RetargetRedirects(ctx context.Context, from string, to string) error
	ListRedirects(ctx context.Context, p page.Request) (*page.List[*models.Redirect], error)
	CountRedirects(ctx context.Context) (int64, error)
}

// LiveBlogStorage is the storage of live blogs, their entries and entry
// history, and their events.
type LiveBlogStorage interface {
	LiveBlog(ctx context.Context, articleID uint64) (*models.LiveBlog, error)
	LiveBlogsOf(ctx context.Context, articleIDs []uint64) (map[uint64]*models.LiveBlog, error)
	NewestLiveEntries(ctx context.Context, articleID uint64, limit int) ([]*models.LiveEntry, error)
	LockLiveBlog(ctx context.Context, articleID uint64) (*models.LiveBlog, error)
	SaveLiveBlog(ctx context.Context, b *models.LiveBlog) error
	LiveEntryByID(ctx context.Context, id uint64) (*models.LiveEntry, error)
	LiveEntriesByIDs(ctx context.Context, ids []uint64) (map[uint64]*models.LiveEntry, error)
	CreateLiveEntry(ctx context.Context, e *models.LiveEntry) error
	SaveLiveEntry(ctx context.Context, e *models.LiveEntry, expected int) error
	SetLiveEntryImages(ctx context.Context, entryID uint64, imageIDs []uint64) error
	AddLiveEntryVersion(ctx context.Context, v *models.LiveEntryVersion) error
	LiveEntryHistory(ctx context.Context, entryID uint64) ([]*models.LiveEntryVersion, error)
	ListLiveEntries(ctx context.Context, f store.LiveEntryFilter, p page.Request) (*page.List[*models.LiveEntry], error)
	CountLiveEntries(ctx context.Context, f store.LiveEntryFilter) (int64, error)
	LiveHighlights(ctx context.Context, f store.LiveEntryFilter) ([]*models.LiveEntry, error)
	LiveBlogEvents(ctx context.Context, articleID uint64, afterSeq uint64, limit int) ([]*models.OutboxEvent, error)
	LatestLiveBlogEvent(ctx context.Context, articleID uint64) (*models.OutboxEvent, error)
}
