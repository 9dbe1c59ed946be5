package content

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/broadsheet/broadsheet/internal/related"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/models"
)

// Actions recorded in revisions and the audit log.
const (
	ActionCreate          = "article.create"
	ActionUpdate          = "article.update"
	ActionPublish         = "article.publish"
	ActionSchedule        = "article.schedule"
	ActionUnpublish       = "article.unpublish"
	ActionDelete          = "article.delete"
	ActionRestore         = "article.restore"
	ActionRestoreRevision = "article.restore_revision"
	ActionSetRelated      = "article.set_related"
	ActionScheduledPub    = "article.publish_scheduled"
	ActionStage           = "article.stage"
	ActionPublishChanges  = "article.publish_changes"
	ActionScheduleChanges = "article.schedule_changes"
	ActionScheduledChgs   = "article.publish_changes_scheduled"
	ActionDiscardChanges  = "article.discard_changes"
	ActionScheduleExpiry  = "article.schedule_unpublish"
	ActionExpire          = "article.unpublish_scheduled"
	ActionPreviewLink     = "article.preview_link"
	ActionRevokePreviews  = "article.revoke_previews"
	ActionAuthorCreate    = "author.create"
	ActionAuthorUpdate    = "author.update"
	ActionAuthorDelete    = "author.delete"
	ActionCategoryCreate  = "category.create"
	ActionCategoryUpdate  = "category.update"
)

// Snapshot is an article's full editable content, stored with each revision
// so any revision can be restored.
type Snapshot struct {
	Title        string               `json:"title"`
	Slug         string               `json:"slug"`
	Subtitle     string               `json:"subtitle"`
	Body         string               `json:"body"`
	Status       models.ArticleStatus `json:"status"`
	PublishedAt  *time.Time           `json:"publishedAt,omitempty"`
	CategoryID   *uint64              `json:"categoryId,omitempty"`
	Tags         []string             `json:"tags"`
	AuthorIDs    []uint64             `json:"authorIds"`
	Cover        models.CoverImage    `json:"cover"`
	CanonicalURL string               `json:"canonicalUrl"`
	SEO          models.ArticleSEO    `json:"seo"`
	ExpiresAt    *time.Time           `json:"expiresAt,omitempty"`
	EmbargoUntil *time.Time           `json:"embargoUntil,omitempty"`
	// rendered is the body as checked on this save, so it is parsed once.
	rendered *renderedBody
}

// ArticleChanges are the fields an update sets; nil leaves a field as it is.
type ArticleChanges struct {
	Title, Slug, Subtitle, Body, Category, CanonicalURL *string
	Tags                                                *[]string
	AuthorIDs                                           *[]uint64
	// Cover replaces the cover image; one with an empty URL removes it.
	Cover *models.CoverImage
	// SetEmbargo says EmbargoUntil is to be written (nil clears it).
	SetEmbargo   bool
	EmbargoUntil *time.Time
	// IDErrors are ids the caller could not parse; they are reported with
	// every other problem.
	IDErrors apperr.FieldErrors
	// SEO changes the search-engine fields that are set.
	SEO *SEOChanges
}

// actor names who is acting, for revisions and the audit log.
func actor(ctx context.Context) string {
	v := auth.ViewerFrom(ctx)
	if v.TokenName != "" {
		return v.TokenName
	}
	if name, ok := ctx.Value(systemActorKey{}).(string); ok {
		return name
	}
	return "system"
}

type systemActorKey struct{}

// accountOf is the account of the person acting, for revisions, audit
// entries and review notes; nil for accountless tokens and the system.
func accountOf(ctx context.Context) *uint64 {
	if id := auth.ViewerFrom(ctx).AccountID; id != 0 {
		return &id
	}
	return nil
}

// AsSystem marks work done by Broadsheet itself (the scheduler, seeding).
func AsSystem(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, systemActorKey{}, name)
}

// outcome turns a mutation's error into the audit log's outcome word.
func outcome(err error) string {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		return "invalid"
	case apperr.Conflict:
		return "conflict"
	case apperr.NotFound:
		return "not_found"
	case apperr.Forbidden, apperr.Unauthenticated:
		return "denied"
	}
	if err == nil {
		return "ok"
	}
	return "error"
}

// auditTrackerKey carries an *AuditTracker (see TrackAudit).
type auditTrackerKey struct{}

// AuditTracker tells a caller whether a mutation reached the audit log.
type AuditTracker struct{ recorded atomic.Bool }

// Recorded reports whether the service wrote an audit entry.
func (t *AuditTracker) Recorded() bool { return t.recorded.Load() }

// TrackAudit returns ctx whose audited changes mark tracker, so that the
// GraphQL layer can record the attempts refused before they reached the
// service (a role the token lacks, an argument it could not decode).
func TrackAudit(ctx context.Context) (context.Context, *AuditTracker) {
	t := &AuditTracker{}
	return context.WithValue(ctx, auditTrackerKey{}, t), t
}

func markAudited(ctx context.Context) {
	if t, ok := ctx.Value(auditTrackerKey{}).(*AuditTracker); ok {
		t.recorded.Store(true)
	}
}

// RecordRefused writes the audit entry of a mutation refused before it
// reached the service: action is the mutation's name, err why it was
// refused. Only callers with a token are recorded: an anonymous caller's
// refusals would let anyone fill the audit log.
func (s *Service) RecordRefused(ctx context.Context, action string, err error) {
	if !auth.ViewerFrom(ctx).Authenticated() {
		return
	}
	entry := &models.AuditEntry{Actor: actor(ctx), AccountID: accountOf(ctx), Action: action, ObjectType: "", Outcome: outcome(err), Detail: apperr.Clip(err.Error(), 900), CreatedAt: s.Now()}
	if aerr := s.store.AddAudit(context.WithoutCancel(ctx), entry); aerr != nil {
		slog.ErrorContext(ctx, "record refused mutation in the audit log", "action", action, "err", aerr)
	}
}

// change runs one audited mutation: fn's writes and the audit entry commit
// together. When fn fails nothing it wrote survives, and the failed attempt
// is recorded on its own.
func (s *Service) change(ctx context.Context, action, objectType string, objectID uint64, fn func(tx TxStorage) (uint64, error)) error {
	var id uint64
	var reload *searchReload
	err := s.store.Tx(ctx, func(stx TxStorage) error {
		tx := &eventsTx{TxStorage: stx}
		// First, before any row lock: saves take turns (see
		// LockEditorialWrites).
		if err := tx.LockEditorialWrites(ctx); err != nil {
			return err
		}
		var err error
		if id, err = fn(tx); err != nil {
			return err
		}
		if typ, ok := objectEvents[action]; ok {
			if err := s.recordEvent(ctx, tx, typ, objectType, id, events.Payload{Action: action}); err != nil {
				return err
			}
		}
		if err := s.fail("audit"); err != nil {
			return err
		}
		if err := tx.AddAudit(ctx, &models.AuditEntry{Actor: actor(ctx), AccountID: accountOf(ctx), Action: action, ObjectType: objectType, ObjectID: id, Outcome: "ok", CreatedAt: s.Now()}); err != nil {
			return err
		}
		// The change's events (all written by now) are marked before the
		// commit: from then on any replica's relay may publish them, and
		// this replica's hub, hearing one, waits for the reload the change
		// makes below rather than making its own. (The marks of an attempt
		// that rolls back are never asked for, and age out.)
		if reloadsSearch(objectType) {
			reload = s.markReloaded(tx.appended, cmp.Or(id, objectID))
		}
		return nil
	})
	if errors.Is(err, errNothingToDo) {
		return nil // another replica did it: nothing happened here to record
	}
	markAudited(ctx)
	if err != nil {
		if reload != nil {
			// The commit may have happened all the same (a connection
			// lost as it was acknowledged): the hub reloads if the events
			// come.
			reload.finish(false)
		}
		if id == 0 {
			id = objectID
		}
		entry := &models.AuditEntry{Actor: actor(ctx), AccountID: accountOf(ctx), Action: action, ObjectType: objectType, ObjectID: id, Outcome: outcome(err), Detail: apperr.Clip(err.Error(), 900), CreatedAt: s.Now()}
		if aerr := s.store.AddAudit(context.WithoutCancel(ctx), entry); aerr != nil {
			slog.ErrorContext(ctx, "record failed mutation in the audit log", "action", action, "err", aerr)
		}
		return err
	}
	if id == 0 {
		id = objectID
	}
	// The search index before the relay is woken. The change's events are
	// marked (above): this replica's hub, which purges the response cache
	// when one comes back, waits for this reload and reloads again only if
	// it failed.
	if reload != nil {
		_ = s.fail("committed") // tests: an event heard between the commit and the reload
		reload.finish(id != 0 && s.refreshSearch(ctx, id))
	}
	s.notifyCommitted()
	return nil
}

// reloadsSearch reports whether a change of objectType reloads its object
// into the search index.
func reloadsSearch(objectType string) bool {
	return objectType == events.ObjectArticle || objectType == events.ObjectLiveBlog
}

// errNothingToDo ends a change that turned out to have nothing to do (a
// scheduled article another replica published first): it rolls back and
// writes no audit entry, event or revision.
var errNothingToDo = errors.New("nothing to do")

// fail is the test hook that injects a failure at a named step.
func (s *Service) fail(step string) error {
	if s.failpoint == nil {
		return nil
	}
	return s.failpoint(step)
}

// WithFailpoint makes the service call f at each named step of a write and
// abort the write when it returns an error (tests of transactional safety).
// The step "committed" comes after the commit, before the search index
// reloads the article: nothing can be aborted there, and f's error is
// ignored.
func WithFailpoint(f func(step string) error) Option { return func(s *Service) { s.failpoint = f } }

// snapshotOf captures a stored article with its links.
func snapshotOf(ctx context.Context, tx TxStorage, a *models.Article) (Snapshot, error) {
	authorIDs, tags, err := tx.ArticleLinks(ctx, a.ID)
	if err != nil {
		return Snapshot{}, err
	}
	return Snapshot{
		Title: a.Title, Slug: a.Slug, Subtitle: a.Subtitle, Body: a.Body, Status: a.Status,
		PublishedAt: a.PublishedAt, CategoryID: a.CategoryID, Tags: tags, AuthorIDs: authorIDs,
		Cover: a.Cover, CanonicalURL: a.CanonicalURL, SEO: a.SEOFields, ExpiresAt: a.ExpiresAt, EmbargoUntil: a.EmbargoUntil,
	}, nil
}

// changedFields lists what differs between two snapshots.
func changedFields(before, after Snapshot) []string {
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("title", before.Title != after.Title)
	add("slug", before.Slug != after.Slug)
	add("subtitle", before.Subtitle != after.Subtitle)
	add("body", before.Body != after.Body)
	add("status", before.Status != after.Status)
	add("publishedAt", !timesEqual(before.PublishedAt, after.PublishedAt))
	add("category", !ptrEqual(before.CategoryID, after.CategoryID))
	add("tags", !slices.Equal(sortedCopy(before.Tags), sortedCopy(after.Tags)))
	add("authors", !slices.Equal(before.AuthorIDs, after.AuthorIDs))
	add("coverImage", before.Cover != after.Cover)
	add("canonicalUrl", before.CanonicalURL != after.CanonicalURL)
	add("seo", before.SEO != after.SEO)
	add("expiresAt", !timesEqual(before.ExpiresAt, after.ExpiresAt))
	add("embargoUntil", !timesEqual(before.EmbargoUntil, after.EmbargoUntil))
	return out
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	for i := range c {
		c[i] = strings.ToLower(c[i])
	}
	slices.Sort(c)
	return c
}

func timesEqual(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func ptrEqual[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// writeRevision stores the article as it now is.
func (s *Service) writeRevision(ctx context.Context, tx TxStorage, a *models.Article, snap Snapshot, action string, changed []string) error {
	if err := s.fail("revision"); err != nil {
		return err
	}
	b, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("encode revision: %w", err)
	}
	return tx.AddRevision(ctx, &models.ArticleRevision{
		ArticleID: a.ID, Version: a.Version, Actor: actor(ctx), AccountID: accountOf(ctx), Action: action,
		ChangedFields: strings.Join(changed, ","), SnapshotJSON: string(b), CreatedAt: s.Now(),
	})
}

// save writes snap onto a (new when a.ID is 0) with its links, a revision
// and a new version. It returns false when a concurrent change won.
func (s *Service) save(ctx context.Context, tx TxStorage, a *models.Article, snap Snapshot, action string, changed []string) (bool, error) {
	oldSlug := a.Slug
	a.Title, a.Slug, a.Subtitle, a.Body = strings.TrimSpace(snap.Title), snap.Slug, strings.TrimSpace(snap.Subtitle), snap.Body
	a.Status, a.PublishedAt, a.CategoryID = snap.Status, snap.PublishedAt, snap.CategoryID
	a.Cover, a.CanonicalURL, a.SEOFields = snap.Cover, snap.CanonicalURL, snap.SEO
	a.ExpiresAt, a.EmbargoUntil = snap.ExpiresAt, snap.EmbargoUntil
	imageIDs, err := s.render(a, snap.rendered)
	if err != nil {
		return false, err
	}
	tagIDs, err := ensureTags(ctx, tx, snap.Tags)
	if err != nil {
		return false, err
	}
	if a.ID == 0 {
		a.Version = 1
		a.ReviewState = models.ReviewNone
		a.CreatedByAccountID = accountOf(ctx)
		if err := tx.CreateArticle(ctx, a, snap.AuthorIDs, tagIDs); err != nil {
			return false, err
		}
	} else {
		a.UpdatedAt = s.Now()
		ok, err := tx.SaveArticleIfVersion(ctx, a, a.Version, snap.AuthorIDs, tagIDs)
		if err != nil || !ok {
			return ok, err
		}
	}
	if err := tx.SetArticleImages(ctx, a.ID, imageIDs); err != nil {
		return false, err
	}
	if err := s.fail("links"); err != nil {
		return false, err
	}
	if err := s.keepOldSlug(ctx, tx, a, oldSlug); err != nil {
		return false, err
	}
	// Related suggestions follow the article's words, tags and links. A
	// bulk load indexes the article's words and links now and scores every
	// article once at its end (RebuildRelated), when all are present.
	if isBulk(ctx) {
		if _, err := related.Index(ctx, tx, a.ID); err != nil {
			return false, err
		}
	} else if err := related.Refresh(ctx, tx, a.ID); err != nil {
		return false, err
	}
	return true, s.writeRevision(ctx, tx, a, snap, action, changed)
}

// slugConflict turns a duplicate-slug error into a TAKEN field error.
func slugConflict(err error, slug string) error {
	var e *apperr.Error
	if errors.As(err, &e) && e.Kind == apperr.Conflict && e.Field == "" {
		return apperr.Takenf("slug", "slug %q is taken by another article", slug)
	}
	return err
}
