package newsletter

import (
	"context"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Storage is what the newsletter reads outside a transaction, and the
// door to one (Tx). StorageOf adapts the database's store to it.
type Storage interface {
	ListSubscribers(ctx context.Context, f store.SubscriberFilter, p page.Request) (*page.List[*models.NewsletterSubscriber], error)
	CountSubscribers(ctx context.Context, f store.SubscriberFilter) (int64, error)
	ListCategories(ctx context.Context) ([]*models.Category, error)

	// Tx runs fn in one transaction: a sign-up, its token, its mail and
	// its outbox events commit together or not at all.
	Tx(ctx context.Context, fn func(tx TxStorage) error) error
}

// TxStorage is what the newsletter writes inside a transaction.
type TxStorage interface {
	SubscriberByEmail(ctx context.Context, email string) (*models.NewsletterSubscriber, error)
	SubscriberByToken(ctx context.Context, hash, purpose string) (*models.NewsletterToken, *models.NewsletterSubscriber, error)
	SaveSubscriber(ctx context.Context, sub *models.NewsletterSubscriber) error
	AddNewsletterToken(ctx context.Context, t *models.NewsletterToken) error
	DeleteNewsletterTokens(ctx context.Context, subscriberID uint64, purpose string) error
	CategoryBySlug(ctx context.Context, slug string) (*models.Category, error)
	EnqueueMail(ctx context.Context, m *models.Mail) error
	AppendEvents(ctx context.Context, consumers []string, evs ...*models.OutboxEvent) error
}

// StorageOf is the newsletter's view of st.
func StorageOf(st *store.Store) Storage { return storeView{st} }

// storeView narrows *store.Store; its Tx hands fn the transaction's store
// as a TxStorage.
type storeView struct{ st *store.Store }

var _ TxStorage = (*store.Store)(nil)

func (v storeView) ListSubscribers(ctx context.Context, f store.SubscriberFilter, p page.Request) (*page.List[*models.NewsletterSubscriber], error) {
	return v.st.ListSubscribers(ctx, f, p)
}

func (v storeView) CountSubscribers(ctx context.Context, f store.SubscriberFilter) (int64, error) {
	return v.st.CountSubscribers(ctx, f)
}

func (v storeView) ListCategories(ctx context.Context) ([]*models.Category, error) {
	return v.st.ListCategories(ctx)
}

func (v storeView) Tx(ctx context.Context, fn func(tx TxStorage) error) error {
	return v.st.Tx(ctx, func(tx *store.Store) error { return fn(tx) })
}
