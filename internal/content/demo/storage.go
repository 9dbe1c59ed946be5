package demo

import (
	"context"

	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Storage is what seeding uses beside the content service: whether the
// database is still empty, and a transaction for synthetic articles, which
// go in by the thousand in bulk rather than one audited change at a time.
// StorageOf adapts the database's store to it.
type Storage interface {
	IsEmpty(ctx context.Context) (bool, error)

	// Tx runs fn in one transaction: a batch of articles and their links
	// commit together.
	Tx(ctx context.Context, fn func(tx BulkStorage) error) error
}

// BulkStorage is what synthetic seeding writes inside a transaction.
type BulkStorage interface {
	EnsureTags(ctx context.Context, slugs []string, names []string) ([]*models.Tag, error)
	InsertArticles(ctx context.Context, articles []*models.Article) error
	InsertArticleLinks(ctx context.Context, authors []models.ArticleAuthor, tags []models.ArticleTag) error
	InsertArticleIndex(ctx context.Context, rows store.ArticleIndexRows) error
}

// StorageOf is seeding's view of st.
func StorageOf(st *store.Store) Storage { return storeView{st} }

// storeView narrows *store.Store; its Tx hands fn the transaction's store
// as a BulkStorage.
type storeView struct{ st *store.Store }

var _ BulkStorage = (*store.Store)(nil)

func (v storeView) IsEmpty(ctx context.Context) (bool, error) { return v.st.IsEmpty(ctx) }

func (v storeView) Tx(ctx context.Context, fn func(tx BulkStorage) error) error {
	return v.st.Tx(ctx, func(tx *store.Store) error { return fn(tx) })
}
