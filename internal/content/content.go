// Package content holds the newsroom's rules: who may see what, how lists are
// paged, and how articles are written. Resolvers call it; it calls the store.
package content

import (
	"context"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/locale"
	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/internal/searchindex"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/models"
)

// Service is the content API used by the GraphQL layer, the CLI and seeding.
type Service struct {
	store       Storage
	md          *markdown.Renderer
	now         func() time.Time
	failpoint   func(step string) error
	scheduled   chan struct{} // wakes the scheduler when an article is scheduled
	consumers   []string      // outbox consumers each event is pending for (WithOutbox)
	committed   func()        // called after a commit that wrote events
	precision   time.Duration // what the database keeps of a time (see Now)
	preview     PreviewConfig // preview links (preview.go)
	previewKeys previewKeys
	locales     *locale.Set // the configured locales, default first
	// maxEntryBytes caps a live entry's Markdown body (WithMaxEntryBytes).
	maxEntryBytes int
	pub           Publication // who publishes, and the public addresses
	// search is this replica's search index (search_index.go).
	search *searchindex.Keeper
	// reloaded holds the ids of the events of this replica's changes, each
	// with the change's reload of its article into search right after the
	// commit: when the events come back through the broker, the hub waits
	// for that reload instead of reloading again (RefreshSearch).
	reloaded *lru.Cache[string, *searchReload]
}

// Option configures a Service.
type Option func(*Service)

// WithClock replaces time.Now, for tests of scheduled publishing.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLocales sets the publication's locales (default: English only).
func WithLocales(set *locale.Set) Option { return func(s *Service) { s.locales = set } }

// Locales returns the configured locales.
func (s *Service) Locales() *locale.Set { return s.locales }

// New returns a Service over st.
func New(st Storage, opts ...Option) *Service {
	s := &Service{store: st, md: markdown.New(), now: time.Now, scheduled: make(chan struct{}, 1), precision: time.Microsecond,
		pub: DefaultPublication(), locales: locale.Default(), maxEntryBytes: DefaultMaxEntryBytes}
	if st.Dialect() == dbconn.SQLite {
		s.precision = time.Second
	}
	for _, o := range opts {
		o(s)
	}
	if s.search == nil {
		s.search = searchindex.NewKeeper(st, nil)
	}
	// Events come back within milliseconds; the bound only matters while
	// the broker is away, and a forgotten id costs one reload.
	s.reloaded, _ = lru.New[string, *searchReload](reloadedEvents)
	return s
}

// Now returns the service clock's current time in UTC, to the precision
// the database stores (a microsecond on MySQL, a second on SQLite), so a
// time a mutation returns is the time a later read returns.
func (s *Service) Now() time.Time { return s.now().UTC().Truncate(s.precision) }

// visibility is the one place that decides which articles a viewer may see:
// readers get only published articles whose publication time has passed;
// editors and admins see every article that is not deleted. The rule
// itself, in SQL and in Go, is store.Visibility.
func (s *Service) visibility(ctx context.Context) store.Visibility {
	if auth.ViewerFrom(ctx).SeesDrafts() {
		return store.Visibility{}
	}
	return store.Readers(s.Now())
}

// CanSee reports whether the viewer in ctx may see a (for events and other
// paths that hold an article already loaded).
func (s *Service) CanSee(ctx context.Context, a *models.Article) bool {
	return s.visibility(ctx).Allows(a)
}

// ReaderVisible reports whether a reader may see a at now.
func ReaderVisible(a *models.Article, now time.Time) bool { return store.Readers(now).Allows(a) }
