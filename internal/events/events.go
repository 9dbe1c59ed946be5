// Package events is Broadsheet's event outbox: the events a change writes in
// its own transaction, their wire form, and the relay that hands them on to
// the broker. Other consumers (webhooks) read the same outbox under their own
// name: every event gets a pending mark per consumer, and each consumer
// clears only its own.
package events

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Event types. Article events follow what readers see: published when an
// article becomes visible to them, unpublished when it stops being visible,
// deleted when it is deleted, updated for every other saved change (visible
// or not: ArticleState.ReaderVisible tells), created for a new unpublished
// article.
const (
	ArticleCreated     = "article.created"
	ArticlePublished   = "article.published"
	ArticleUpdated     = "article.updated"
	ArticleUnpublished = "article.unpublished"
	ArticleDeleted     = "article.deleted"
	// ArticleReviewChanged follows review: submitted, changes requested,
	// approved, or back in review after an edit (Payload.Review).
	ArticleReviewChanged = "article.review_changed"
	AuthorCreated        = "author.created"
	AuthorUpdated        = "author.updated"
	AuthorDeleted        = "author.deleted"
	CategoryCreated      = "category.created"
	CategoryUpdated      = "category.updated"
	// NewsletterConfirmed and NewsletterRemoved follow newsletter subscriptions.
	NewsletterConfirmed = "newsletter.confirmed"
	NewsletterRemoved   = "newsletter.removed"
	// LiveBlogChanged is every change to a live blog: an entry posted,
	// updated, deleted, pinned or unpinned, the blog started or ended
	// (LiveState.Kind says which). Its object is the blog's article, so a
	// blog's changes are one ordered range of the outbox.
	LiveBlogChanged = "liveblog.changed"
	// ImageUpdated and ImageDeleted follow the media library: a picture's
	// description or focal point changed (so its rendition URLs), or the
	// picture went. Every replica purges its cached answers showing it.
	ImageUpdated = "image.updated"
	ImageDeleted = "image.deleted"
	// RedirectCreated and RedirectDeleted follow editors' redirects: every
	// replica purges its cached route answers.
	RedirectCreated = "redirect.created"
	RedirectDeleted = "redirect.deleted"
)

// Object types, as in the audit log.
const (
	ObjectArticle    = "Article"
	ObjectAuthor     = "Author"
	ObjectCategory   = "Category"
	ObjectSubscriber = "NewsletterSubscriber"
	ObjectLiveBlog   = store.ObjectLiveBlog
	ObjectImage      = "Image"
	ObjectRedirect   = "Redirect"
)

// Consumers of the outbox. Each name gets its own pending mark per event.
const (
	// ConsumerBroker, given to the outbox, stands for every registered
	// broker: each gets its own mark (see Relay).
	ConsumerBroker = store.BrokerConsumers
	// ConsumerWebhooks turns events into webhook deliveries.
	ConsumerWebhooks = "webhooks"
)

// ArticleState is an article as of the event: enough to tell a reader it
// went away without showing them anything they may no longer see.
type ArticleState struct {
	Slug        string               `json:"slug"`
	Status      models.ArticleStatus `json:"status"`
	Version     int                  `json:"version"`
	PublishedAt *time.Time           `json:"publishedAt,omitempty"`
	DeletedAt   *time.Time           `json:"deletedAt,omitempty"`
	UpdatedAt   time.Time            `json:"updatedAt"`
	CategoryID  *uint64              `json:"categoryId,omitempty"`
	// Locale is the article's language (a configured BCP 47 tag).
	Locale string `json:"locale,omitempty"`
	// WasReaderVisible and ReaderVisible say whether readers could see the
	// article before and after the change, by the content service's rule at
	// the time of the change.
	WasReaderVisible bool `json:"wasReaderVisible"`
	ReaderVisible    bool `json:"readerVisible"`
}

// LiveState is a live-blog change: its kind (POSTED, UPDATED, DELETED,
// PINNED, UNPINNED, STARTED, ENDED, as the schema's LiveBlogChangeKind) and
// the entry it is about (none for STARTED and ENDED).
type LiveState struct {
	Kind    string `json:"kind"`
	EntryID uint64 `json:"entryId,omitempty"`
}

// SubscriberState is a newsletter subscription as of the event.
type SubscriberState struct {
	Email  string   `json:"email"`
	Status string   `json:"status"`
	Topics []string `json:"topics"`
}

// ReviewChange is one review transition as events carry it.
type ReviewChange struct {
	State models.ReviewState `json:"state"`
	Note  string             `json:"note"`
	// AccountID is who made it (0 for an accountless token).
	AccountID uint64 `json:"accountId,omitempty"`
	// NoteID is the stored review note.
	NoteID uint64 `json:"noteId"`
}

// Payload is an event's details (OutboxEvent.Payload, as JSON).
type Payload struct {
	// Action is the audited action that caused the event, e.g. article.update.
	Action string `json:"action"`
	// ChangedFields lists what the change touched, when known.
	ChangedFields []string `json:"changedFields,omitempty"`
	// Article is set on article events.
	Article *ArticleState `json:"article,omitempty"`
	// Subscriber is set on newsletter events.
	Subscriber *SubscriberState `json:"subscriber,omitempty"`
	// Review is set on review events.
	Review *ReviewChange `json:"review,omitempty"`
	// Live is set on live-blog events.
	Live *LiveState `json:"live,omitempty"`
	// At is when the change was saved, to the nanosecond (the row's
	// created_at has the database's precision: whole seconds on SQLite).
	At time.Time `json:"at"`
}

// Event is one outbox event as it travels from the outbox to subscribers.
type Event struct {
	ID         string    `json:"id"`
	Seq        uint64    `json:"seq"`
	Type       string    `json:"type"`
	ObjectType string    `json:"objectType"`
	ObjectID   uint64    `json:"objectId"`
	Actor      string    `json:"actor"`
	OccurredAt time.Time `json:"occurredAt"`
	Payload    Payload   `json:"payload"`
	// Meta is filled in by the receiving hub (extensions.event); it does
	// not travel.
	Meta map[string]any `json:"-"`
}

// NewRow builds the outbox row of a new event with a fresh id.
func NewRow(typ, objectType string, objectID uint64, actor string, at time.Time, p Payload) (*models.OutboxEvent, error) {
	p.At = at.UTC()
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", typ, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("event id: %w", err)
	}
	return &models.OutboxEvent{
		EventID: id.String(), Type: typ, ObjectType: objectType, ObjectID: objectID,
		Actor: actor, Payload: string(b), CreatedAt: at.UTC(),
	}, nil
}

// FromRow decodes an outbox row.
func FromRow(r *models.OutboxEvent) (Event, error) {
	e := Event{ID: r.EventID, Seq: r.Seq, Type: r.Type, ObjectType: r.ObjectType, ObjectID: r.ObjectID, Actor: r.Actor, OccurredAt: r.CreatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Payload), &e.Payload); err != nil {
		return e, fmt.Errorf("decode event %s payload: %w", r.EventID, err)
	}
	if !e.Payload.At.IsZero() {
		e.OccurredAt = e.Payload.At
	}
	return e, nil
}

// Marshal encodes e for the broker.
func (e Event) Marshal() ([]byte, error) { return json.Marshal(e) }

// Decode reads an event the broker delivered.
func Decode(b []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("decode event: %w", err)
	}
	if e.ID == "" || e.Type == "" {
		return e, fmt.Errorf("decode event: missing id or type")
	}
	return e, nil
}

// ArticleEventType names the event of an article change from what readers
// could see before and after it.
func ArticleEventType(action string, created, deleted, wasVisible, visible bool) string {
	switch {
	case deleted:
		return ArticleDeleted
	case visible && !wasVisible:
		return ArticlePublished
	case wasVisible && !visible:
		return ArticleUnpublished
	case created:
		return ArticleCreated
	}
	return ArticleUpdated
}
