package content

import (
	"context"

	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// WithOutbox makes every change write its events to the outbox, in the
// change's own transaction, pending for each of consumers; committed is
// called after each commit that wrote events (it wakes the relay, and must
// not block).
func WithOutbox(consumers []string, committed func()) Option {
	return func(s *Service) {
		s.consumers = append([]string(nil), consumers...)
		s.committed = committed
	}
}

// objectEvents maps the audited actions on authors, sections and redirects to their
// event types; change() records these itself.
var objectEvents = map[string]string{
	ActionAuthorCreate:   events.AuthorCreated,
	ActionAuthorUpdate:   events.AuthorUpdated,
	ActionAuthorDelete:   events.AuthorDeleted,
	ActionCategoryCreate: events.CategoryCreated,
	ActionCategoryUpdate: events.CategoryUpdated,
	// A section's name in another locale is a change of the section.
	ActionCategoryTranslation: events.CategoryUpdated,
	// Editors' redirects: route answers on every replica depend on them.
	ActionRedirectCreate: events.RedirectCreated,
	ActionRedirectDelete: events.RedirectDeleted,
}

// recordEvent appends one event inside tx.
func (s *Service) recordEvent(ctx context.Context, tx TxStorage, typ, objectType string, id uint64, p events.Payload) error {
	if len(s.consumers) == 0 {
		return nil
	}
	if err := s.fail("outbox"); err != nil {
		return err
	}
	// The clock to the nanosecond, not to the database's precision (Now):
	// occurredAt is what clients measure commit-to-client latency from.
	row, err := events.NewRow(typ, objectType, id, actor(ctx), s.now().UTC(), p)
	if err != nil {
		return err
	}
	return tx.AppendEvents(ctx, s.consumers, row)
}

// recordArticle appends the event of a saved article change: its type
// follows what readers could see before (wasVisible) and can see now, by
// the one visibility rule (ReaderVisible).
func (s *Service) recordArticle(ctx context.Context, tx TxStorage, action string, a *models.Article, created, wasVisible bool, changed []string) error {
	visible := ReaderVisible(a, s.Now())
	typ := events.ArticleEventType(action, created, action == ActionDelete, wasVisible, visible)
	return s.recordEvent(ctx, tx, typ, events.ObjectArticle, a.ID, events.Payload{
		Action:        action,
		ChangedFields: changed,
		Article:       articleState(a, wasVisible, visible),
	})
}

// articleState is a as events carry it.
func articleState(a *models.Article, wasVisible, visible bool) *events.ArticleState {
	return &events.ArticleState{
		Slug: a.Slug, Status: a.Status, Version: a.Version, PublishedAt: a.PublishedAt,
		DeletedAt: a.DeletedAt, UpdatedAt: a.UpdatedAt, CategoryID: a.CategoryID, Locale: a.Locale,
		WasReaderVisible: wasVisible, ReaderVisible: visible,
	}
}

// notifyCommitted tells the relay that events were committed.
func (s *Service) notifyCommitted() {
	if s.committed != nil && len(s.consumers) > 0 {
		s.committed()
	}
}

// ArticleForEvent loads an article in whatever state it is (deleted ones
// included) with its byline, section and tags, for live updates: four
// queries per event, however many subscribers there are. Callers decide
// per viewer with CanSee. Nil when there is no such article.
func (s *Service) ArticleForEvent(ctx context.Context, id uint64) (*models.Article, error) {
	a, err := s.store.ArticleByID(ctx, store.Visibility{IncludeDeleted: true}, id)
	if err != nil || a == nil {
		return nil, err
	}
	ids := []uint64{id}
	authors, err := s.AuthorsOfArticles(ctx, ids)
	if err != nil {
		return nil, err
	}
	tags, err := s.TagsOfArticles(ctx, ids)
	if err != nil {
		return nil, err
	}
	rel := &models.ArticleRelations{Authors: authors[0], Tags: tags[0], Loaded: models.AllRelations}
	if a.CategoryID != nil {
		cats, err := s.CategoriesByIDs(ctx, []uint64{*a.CategoryID})
		if err != nil {
			return nil, err
		}
		rel.Category = cats[0]
	}
	a.Relations = rel
	return a, nil
}

// AuthorForEvent loads an author, deleted or not, for live updates.
func (s *Service) AuthorForEvent(ctx context.Context, id uint64) (*models.Author, error) {
	return s.store.AuthorByIDAny(ctx, id)
}

// CategoryForEvent loads a section for live updates.
func (s *Service) CategoryForEvent(ctx context.Context, id uint64) (*models.Category, error) {
	return s.store.CategoryByID(ctx, id)
}
