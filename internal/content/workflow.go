package content

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// errNoArticle is the NOT_FOUND field error of article mutations.
func errNoArticle() error {
	return &apperr.Error{Kind: apperr.NotFound, Field: "id", Message: "no such article"}
}

// ConflictError says an update lost a race: Current is the article as
// another editor left it, so the tool can show what changed.
type ConflictError struct {
	Err     *apperr.Error
	Current *models.Article
}

func (e *ConflictError) Error() string { return e.Err.Error() }
func (e *ConflictError) Unwrap() error { return e.Err }

// editArticle loads an article for change inside a mutation and applies fn
// to a snapshot of it; when fn returns a changed snapshot, it is validated
// and saved as a new version with a revision.
func (s *Service) editArticle(ctx context.Context, id uint64, action string, expectedVersion *int, fn func(tx TxStorage, a *models.Article, snap *Snapshot) error) (*models.Article, error) {
	var a *models.Article
	var conflict *models.Article
	err := s.change(ctx, action, "Article", id, func(tx TxStorage) (uint64, error) {
		var err error
		if a, err = tx.LockArticle(ctx, id); err != nil {
			return 0, err
		}
		if a == nil || (a.DeletedAt != nil && action != ActionRestore) {
			return 0, errNoArticle()
		}
		wasVisible := ReaderVisible(a, s.Now())
		if expectedVersion != nil && *expectedVersion != a.Version {
			conflict = a
			return a.ID, &apperr.Error{Kind: apperr.Conflict, Code: "CONFLICT", Field: "expectedVersion",
				Message: fmt.Sprintf("the article changed since version %d: it is now at version %d", *expectedVersion, a.Version)}
		}
		if err := s.mayChange(ctx, tx, a, action); err != nil {
			return a.ID, err
		}
		before, err := snapshotOf(ctx, tx, a)
		if err != nil {
			return 0, err
		}
		after := before
		after.Tags = append([]string(nil), before.Tags...)
		after.AuthorIDs = append([]uint64(nil), before.AuthorIDs...)
		if err := fn(tx, a, &after); err != nil {
			return a.ID, err
		}
		after.Tags = dedupeTags(after.Tags)
		if errs := validateSnapshot(&after, false); len(errs) > 0 {
			return a.ID, errs
		}
		changed := changedFields(before, after)
		if len(changed) == 0 && (action == ActionUpdate || action == ActionPublish) {
			return a.ID, nil // nothing to save: no new version, no revision, no event
		}
		if after.Slug != before.Slug {
			if taken, err := tx.SlugTaken(ctx, a.Locale, after.Slug, a.ID); err != nil {
				return 0, err
			} else if taken {
				return a.ID, apperr.Takenf("slug", "slug %q is taken by another article", after.Slug)
			}
		}
		ok, err := s.save(ctx, tx, a, after, action, changed)
		if err != nil {
			return a.ID, slugConflict(err, after.Slug)
		}
		if !ok { // a concurrent writer bumped the version between our read and write
			current, _ := tx.ArticleByID(ctx, store.Visibility{IncludeDeleted: true}, id)
			conflict = current
			return a.ID, &apperr.Error{Kind: apperr.Conflict, Code: "CONFLICT", Field: "expectedVersion", Message: "another change to the article was saved first"}
		}
		if err := s.recordArticle(ctx, tx, action, a, false, wasVisible, changed); err != nil {
			return a.ID, err
		}
		if action == ActionUpdate && reviewState(a) == models.ReviewApproved {
			// What was approved is no longer what is saved.
			return a.ID, s.setReview(ctx, tx, a, ActionBackInReview, models.ReviewInReview, "edited after approval: "+strings.Join(changed, ", "))
		}
		return a.ID, nil
	})
	if err != nil {
		if conflict != nil {
			if fresh, ferr := s.store.ArticleByID(ctx, store.Visibility{IncludeDeleted: true}, id); ferr == nil && fresh != nil {
				conflict = fresh
			}
			e, _ := apperr.As(err)
			return nil, &ConflictError{Err: e, Current: conflict}
		}
		return nil, err
	}
	s.wakeScheduler(a)
	return a, nil
}

// UpdateArticle applies changes. With expectedVersion, a stale version
// changes nothing and returns a *ConflictError holding the current article.
func (s *Service) UpdateArticle(ctx context.Context, id uint64, ch ArticleChanges, expectedVersion *int) (*models.Article, error) {
	return s.editArticle(ctx, id, ActionUpdate, expectedVersion, func(tx TxStorage, a *models.Article, snap *Snapshot) error {
		if a.Status == models.StatusPublished {
			// Published later, the staged changes would silently replace
			// this save: the editor chooses instead.
			if p, err := tx.PendingChange(ctx, id); err != nil {
				return err
			} else if p != nil {
				return errPendingChanges()
			}
		}
		return s.applyChanges(ctx, tx, ch, snap)
	})
}

// apply writes the changes onto snap, checking the section and authors
// they name inside tx.
func (s *Service) applyChanges(ctx context.Context, tx TxStorage, ch ArticleChanges, snap *Snapshot) error {
	set(&snap.Title, ch.Title, strings.TrimSpace)
	set(&snap.Subtitle, ch.Subtitle, strings.TrimSpace)
	set(&snap.Body, ch.Body, nil)
	set(&snap.CanonicalURL, ch.CanonicalURL, strings.TrimSpace)
	// The slug changes only when an editor sets it: links to a
	// published article keep working when its headline is edited.
	set(&snap.Slug, ch.Slug, strings.TrimSpace)
	if ch.Tags != nil {
		snap.Tags = *ch.Tags
	}
	if ch.AuthorIDs != nil {
		snap.AuthorIDs = *ch.AuthorIDs
	}
	if ch.Cover != nil {
		snap.Cover = *ch.Cover
	}
	ch.SEO.apply(&snap.SEO)
	if ch.SetEmbargo {
		snap.EmbargoUntil = utcPtr(ch.EmbargoUntil)
	}
	links := append(append(apperr.FieldErrors(nil), ch.IDErrors...), resolveLinks(ctx, tx, snap, ch.Category)...)
	if ch.Body != nil {
		links = append(links, s.checkBody(ctx, tx, snap)...)
	}
	if len(links) > 0 {
		return withLinkErrors(validateSnapshot(snap, false), links)
	}
	return nil
}

// PublishArticle publishes now (at nil or past) or schedules for at.
func (s *Service) PublishArticle(ctx context.Context, id uint64, at *time.Time) (*models.Article, error) {
	now := s.Now()
	action := ActionPublish
	if at != nil && at.After(now) {
		action = ActionSchedule
	}
	return s.editArticle(ctx, id, action, nil, func(_ TxStorage, a *models.Article, snap *Snapshot) error {
		if at == nil && snap.Status == models.StatusPublished {
			// Publishing what is already published changes nothing: it
			// must not move a story back to the top of the front page.
			// (An explicit time still re-dates or schedules it.)
			return nil
		}
		when := now
		if at != nil {
			when = at.UTC()
		}
		if snap.EmbargoUntil != nil && when.Before(*snap.EmbargoUntil) {
			field := "at"
			if at == nil {
				field = "id"
			}
			return embargoed(field, *snap.EmbargoUntil, when)
		}
		if snap.ExpiresAt != nil && !snap.ExpiresAt.After(when) {
			snap.ExpiresAt = nil // a take-down time already past does not apply to a new publication
		}
		snap.PublishedAt = &when
		snap.Status = models.StatusPublished
		if when.After(now) {
			snap.Status = models.StatusScheduled
		}
		return nil
	})
}

// UnpublishArticle takes an article off the site, back to DRAFT (a
// scheduled one is unscheduled). With at in the future it schedules the
// take-down instead (expiresAt): readers stop seeing the article at that
// instant and the scheduler turns it into a draft; a past at means now.
func (s *Service) UnpublishArticle(ctx context.Context, id uint64, at *time.Time) (*models.Article, error) {
	if at != nil && at.After(s.Now()) {
		when := at.UTC()
		return s.editArticle(ctx, id, ActionScheduleExpiry, nil, func(_ TxStorage, a *models.Article, snap *Snapshot) error {
			if snap.Status != models.StatusPublished && snap.Status != models.StatusScheduled {
				return &apperr.Error{Kind: apperr.Invalid, Code: "INVALID", Field: "id", Message: "the article is not published or scheduled"}
			}
			if snap.PublishedAt != nil && !when.After(*snap.PublishedAt) {
				return &apperr.Error{Kind: apperr.Invalid, Code: "INVALID", Field: "at",
					Message: fmt.Sprintf("the take-down time must be after the publication time (%s)", snap.PublishedAt.Format(time.RFC3339))}
			}
			snap.ExpiresAt = &when
			return nil
		})
	}
	return s.editArticle(ctx, id, ActionUnpublish, nil, func(_ TxStorage, a *models.Article, snap *Snapshot) error {
		if snap.Status == models.StatusDraft {
			return &apperr.Error{Kind: apperr.Invalid, Code: "INVALID", Field: "id", Message: "the article is not published or scheduled"}
		}
		snap.Status = models.StatusDraft
		snap.PublishedAt = nil
		snap.ExpiresAt = nil
		return nil
	})
}

// DeleteArticle soft-deletes an article: it disappears everywhere but can
// be restored.
func (s *Service) DeleteArticle(ctx context.Context, id uint64) (*models.Article, error) {
	return s.setDeleted(ctx, id, true)
}

// RestoreArticle brings back a deleted article as it was.
func (s *Service) RestoreArticle(ctx context.Context, id uint64) (*models.Article, error) {
	return s.setDeleted(ctx, id, false)
}

func (s *Service) setDeleted(ctx context.Context, id uint64, deleted bool) (*models.Article, error) {
	action := ActionDelete
	if !deleted {
		action = ActionRestore
	}
	var a *models.Article
	err := s.change(ctx, action, "Article", id, func(tx TxStorage) (uint64, error) {
		var err error
		if a, err = tx.LockArticle(ctx, id); err != nil {
			return 0, err
		}
		if a != nil {
			if err := s.mayChange(ctx, tx, a, action); err != nil {
				return a.ID, err
			}
		}
		if a == nil || (a.DeletedAt != nil) == deleted {
			if a != nil && !deleted {
				return a.ID, &apperr.Error{Kind: apperr.Invalid, Code: "INVALID", Field: "id", Message: "the article is not deleted"}
			}
			return 0, errNoArticle()
		}
		snap, err := snapshotOf(ctx, tx, a)
		if err != nil {
			return 0, err
		}
		wasVisible := ReaderVisible(a, s.Now())
		if deleted {
			now := s.Now()
			a.DeletedAt = &now
			// A deleted article leaves its translation group (restoring
			// it does not link it again: its locale may be taken by then).
			if err := s.leaveGroup(ctx, tx, a, false); err != nil {
				return a.ID, err
			}
		} else {
			a.DeletedAt = nil
		}
		ok, err := s.save(ctx, tx, a, snap, action, []string{"deleted"})
		if err == nil && !ok {
			err = &apperr.Error{Kind: apperr.Conflict, Code: "CONFLICT", Message: "another change to the article was saved first"}
		}
		if err != nil {
			return a.ID, err
		}
		if deleted {
			// Deleting ends the article's preview links for good: restoring
			// it does not bring back links that may have gone round.
			if err := tx.RevokePreviews(ctx, a.ID); err != nil {
				return a.ID, err
			}
		}
		return a.ID, s.recordArticle(ctx, tx, action, a, false, wasVisible, []string{"deleted"})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Revision is a stored revision with its decoded snapshot.
type Revision struct {
	*models.ArticleRevision
	Snapshot
}

// MaxRevisions caps one listing of revisions.
const MaxRevisions = 100

// Revisions lists an article's revisions, newest first.
func (s *Service) Revisions(ctx context.Context, articleID uint64, first int) ([]*Revision, error) {
	if first < 0 || first > MaxRevisions {
		return nil, apperr.Invalidf("first", "first must be between 0 and %d", MaxRevisions)
	}
	rows, err := s.store.Revisions(ctx, articleID, first)
	if err != nil {
		return nil, err
	}
	out := make([]*Revision, 0, len(rows))
	for _, r := range rows {
		rev := &Revision{ArticleRevision: r}
		if err := json.Unmarshal([]byte(r.SnapshotJSON), &rev.Snapshot); err != nil {
			return nil, fmt.Errorf("decode revision %d: %w", r.ID, err)
		}
		out = append(out, rev)
	}
	return out, nil
}

// RestoreRevision brings an earlier revision's content back as a new
// revision. The article keeps its current status, publication time and
// slug.
func (s *Service) RestoreRevision(ctx context.Context, articleID, revisionID uint64) (*models.Article, error) {
	return s.editArticle(ctx, articleID, ActionRestoreRevision, nil, func(tx TxStorage, a *models.Article, snap *Snapshot) error {
		rev, err := tx.Revision(ctx, articleID, revisionID)
		if err != nil {
			return err
		}
		if rev == nil {
			return &apperr.Error{Kind: apperr.NotFound, Field: "revisionId", Message: "no such revision of this article"}
		}
		var old Snapshot
		if err := json.Unmarshal([]byte(rev.SnapshotJSON), &old); err != nil {
			return fmt.Errorf("decode revision %d: %w", rev.ID, err)
		}
		// Restoring brings back content, not the article's place: status,
		// publication, take-down and embargo times and slug (its URL,
		// which links point to) stay.
		status, published, slug, expires, embargo := snap.Status, snap.PublishedAt, snap.Slug, snap.ExpiresAt, snap.EmbargoUntil
		*snap = old
		snap.Status, snap.PublishedAt, snap.Slug, snap.ExpiresAt, snap.EmbargoUntil = status, published, slug, expires, embargo
		return dropMissingLinks(ctx, tx, snap)
	})
}

// dropMissingLinks drops from a snapshot saved earlier (a revision, staged
// changes) the authors and the section deleted since.
func dropMissingLinks(ctx context.Context, tx TxStorage, snap *Snapshot) error {
	exist, err := tx.AuthorsExist(ctx, snap.AuthorIDs)
	if err != nil {
		return err
	}
	kept := snap.AuthorIDs[:0]
	for _, id := range snap.AuthorIDs {
		if exist[id] {
			kept = append(kept, id)
		}
	}
	snap.AuthorIDs = kept
	if snap.CategoryID != nil {
		if c, err := tx.CategoryByID(ctx, *snap.CategoryID); err != nil || c == nil {
			snap.CategoryID = nil
		}
	}
	if id := snap.Cover.ImageID; id != 0 {
		// A library picture deleted since: the cover goes, as a deleted
		// author leaves the byline.
		if img, err := tx.ImageByID(ctx, uint64(id)); err != nil || img == nil {
			snap.Cover = models.CoverImage{}
		}
	}
	return nil
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Actor, Action, ObjectType, Outcome string
	ObjectID                           uint64
	// AccountEmail narrows to the entries of one person's account.
	AccountEmail string
}

// AuditLog returns a page of the audit log, newest first.
func (s *Service) AuditLog(ctx context.Context, filter AuditFilter, args page.Args) (*page.List[*models.AuditEntry], error) {
	p, err := args.Request(true)
	if err != nil {
		return nil, err
	}
	f := store.AuditFilter(filter)
	return page.Load(ctx, p, func(ctx context.Context) (int64, error) { return s.store.CountAudit(ctx, f) },
		func(ctx context.Context, p page.Request) (*page.List[*models.AuditEntry], error) {
			return s.store.ListAudit(ctx, f, p)
		})
}
