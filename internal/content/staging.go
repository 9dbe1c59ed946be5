package content

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Staged edits: changes to a published article kept aside (a row of
// article_pending_changes) until an editor publishes them, now or at a
// time, or discards them. The article row, which every reader path reads
// (lookups, lists, search, related, events, webhooks, caches), is not
// touched but for its version, so readers keep seeing the live article.
// Staging, publishing and discarding are each a revision and an audit
// entry, and follow the conflict rule of every save (expectedVersion).

// Pending is the changes staged on an article, as editors see them.
type Pending struct {
	// Article is the article as it will be once the changes are live.
	Article *models.Article
	// Snapshot is the staged content.
	Snapshot Snapshot
	// ChangedFields are the fields that differ from the live article.
	ChangedFields []string
	StagedBy      string
	StagedAt      time.Time
	PublishAt     *time.Time
}

// errNoPending is the error of publishing or discarding what is not there.
func errNoPending() error {
	return &apperr.Error{Kind: apperr.NotFound, Code: "NOT_FOUND", Field: "id",
		Message: "the article has no staged changes (they were published or discarded)"}
}

// errPendingChanges refuses a direct save of a published article that has
// staged changes, which would otherwise overwrite it when published.
func errPendingChanges() error {
	return &apperr.Error{Kind: apperr.Conflict, Code: "CONFLICT", Field: "stage",
		Message: "the article has staged changes: stage this edit too (stage: true), or publish or discard them first"}
}

// errStatusMoved refuses a staged save whose article was published or
// unpublished in the meantime: saving it either way could show readers
// what was meant to stay pending.
func errStatusMoved() error {
	return &apperr.Error{Kind: apperr.Conflict, Code: "CONFLICT", Field: "expectedVersion",
		Message: "the article was published or unpublished while you staged: reload it and stage again"}
}

func decodeSnapshot(raw string) (Snapshot, error) {
	var snap Snapshot
	if err := json.Unmarshal([]byte(raw), &snap); err != nil {
		return Snapshot{}, fmt.Errorf("decode staged changes: %w", err)
	}
	return snap, nil
}

// StageArticle applies changes to a published article as pending changes
// (on top of the changes already staged); on any other article it is a
// plain save, as readers do not see it anyway.
func (s *Service) StageArticle(ctx context.Context, id uint64, ch ArticleChanges, expectedVersion *int) (*models.Article, error) {
	cur, err := s.store.ArticleByID(ctx, store.Visibility{}, id)
	if err != nil {
		return nil, err
	}
	if cur == nil || cur.Status != models.StatusPublished {
		return s.editArticle(ctx, id, ActionUpdate, expectedVersion, func(tx TxStorage, a *models.Article, snap *Snapshot) error {
			if a.Status == models.StatusPublished {
				return errStatusMoved()
			}
			return s.applyChanges(ctx, tx, ch, snap)
		})
	}
	a, err := s.pendingEdit(ctx, id, ActionStage, expectedVersion, func(tx TxStorage, a *models.Article, live Snapshot, p *models.PendingChange) (*models.PendingChange, Snapshot, []string, error) {
		if a.Status != models.StatusPublished {
			return nil, live, nil, errStatusMoved()
		}
		base := live
		if p != nil {
			var err error
			if base, err = decodeSnapshot(p.Snapshot); err != nil {
				return nil, live, nil, err
			}
		}
		after := base
		after.Tags = append([]string(nil), base.Tags...)
		after.AuthorIDs = append([]uint64(nil), base.AuthorIDs...)
		if err := s.applyChanges(ctx, tx, ch, &after); err != nil {
			return nil, live, nil, err
		}
		// Where the article stands is the live article's: staged changes
		// are content (and its embargo), not a publication.
		after.Status, after.PublishedAt, after.ExpiresAt = live.Status, live.PublishedAt, live.ExpiresAt
		after.Tags = dedupeTags(after.Tags)
		if errs := validateSnapshot(&after, false); len(errs) > 0 {
			return nil, live, nil, errs
		}
		changed := changedFields(base, after)
		if len(changed) == 0 {
			return nil, live, nil, nil
		}
		if after.Slug != live.Slug {
			if taken, err := tx.SlugTaken(ctx, a.Locale, after.Slug, a.ID); err != nil {
				return nil, live, nil, err
			} else if taken {
				return nil, live, nil, apperr.Takenf("slug", "slug %q is taken by another article", after.Slug)
			}
		}
		b, err := json.Marshal(after)
		if err != nil {
			return nil, live, nil, fmt.Errorf("encode staged changes: %w", err)
		}
		next := &models.PendingChange{ArticleID: a.ID, Snapshot: string(b), StagedBy: actor(ctx), StagedAt: s.Now()}
		if p != nil {
			next.PublishAt = p.PublishAt // a publication already scheduled stays
		}
		return next, after, changed, nil
	})
	return a, err
}

// PublishChanges makes an article's staged changes live: now (at nil or
// past), or at a time through the scheduler.
func (s *Service) PublishChanges(ctx context.Context, id uint64, expectedVersion *int, at *time.Time) (*models.Article, error) {
	if at != nil && at.After(s.Now()) {
		when := at.UTC()
		a, err := s.pendingEdit(ctx, id, ActionScheduleChanges, expectedVersion, func(_ TxStorage, a *models.Article, live Snapshot, p *models.PendingChange) (*models.PendingChange, Snapshot, []string, error) {
			if p == nil {
				return nil, live, nil, errNoPending()
			}
			staged, err := decodeSnapshot(p.Snapshot)
			if err != nil {
				return nil, live, nil, err
			}
			next := *p
			next.PublishAt = &when
			return &next, staged, []string{"pendingChanges.publishAt"}, nil
		})
		if err == nil {
			s.wake()
		}
		return a, err
	}
	return s.applyPending(ctx, id, ActionPublishChanges, expectedVersion, func(p *models.PendingChange) error {
		if p == nil {
			return errNoPending()
		}
		return nil
	})
}

// DiscardChanges drops an article's staged changes.
func (s *Service) DiscardChanges(ctx context.Context, id uint64, expectedVersion *int) (*models.Article, error) {
	return s.pendingEdit(ctx, id, ActionDiscardChanges, expectedVersion, func(_ TxStorage, a *models.Article, live Snapshot, p *models.PendingChange) (*models.PendingChange, Snapshot, []string, error) {
		if p == nil {
			return nil, live, nil, errNoPending()
		}
		return nil, live, []string{"pendingChanges"}, nil
	})
}

// pendingEdit runs one change of an article's staged changes: fn gets the
// locked article, its live snapshot and the staged changes (nil when none)
// and returns the staged changes to keep (nil: none), the snapshot the
// revision records and the changed fields (none: nothing to save). The
// article's version is bumped; its content, and so every reader path,
// stays as it is.
func (s *Service) pendingEdit(ctx context.Context, id uint64, action string, expectedVersion *int,
	fn func(tx TxStorage, a *models.Article, live Snapshot, p *models.PendingChange) (*models.PendingChange, Snapshot, []string, error)) (*models.Article, error) {
	var a, conflict *models.Article
	err := s.change(ctx, action, "Article", id, func(tx TxStorage) (uint64, error) {
		var err error
		if a, err = tx.LockArticle(ctx, id); err != nil {
			return 0, err
		}
		if a == nil || a.DeletedAt != nil {
			return 0, errNoArticle()
		}
		if err := s.mayChange(ctx, tx, a, action); err != nil {
			return a.ID, err
		}
		if expectedVersion != nil && *expectedVersion != a.Version {
			conflict = a
			return a.ID, &apperr.Error{Kind: apperr.Conflict, Code: "CONFLICT", Field: "expectedVersion",
				Message: fmt.Sprintf("the article changed since version %d: it is now at version %d", *expectedVersion, a.Version)}
		}
		live, err := snapshotOf(ctx, tx, a)
		if err != nil {
			return 0, err
		}
		p, err := tx.PendingChange(ctx, id)
		if err != nil {
			return 0, err
		}
		keep, recorded, changed, err := fn(tx, a, live, p)
		if err != nil || len(changed) == 0 {
			return a.ID, err
		}
		ok, err := tx.BumpArticleVersion(ctx, id, a.Version)
		if err != nil {
			return a.ID, err
		}
		if !ok {
			conflict = a
			return a.ID, &apperr.Error{Kind: apperr.Conflict, Code: "CONFLICT", Field: "expectedVersion", Message: "another change to the article was saved first"}
		}
		a.Version++
		if keep != nil {
			err = tx.SavePendingChange(ctx, keep)
		} else if p != nil {
			_, err = tx.DeletePendingChange(ctx, id)
		}
		if err != nil {
			return a.ID, err
		}
		if err := s.writeRevision(ctx, tx, a, recorded, action, changed); err != nil {
			return a.ID, err
		}
		if action == ActionStage && reviewState(a) == models.ReviewApproved {
			// What was approved is no longer what will go live.
			return a.ID, s.setReview(ctx, tx, a, ActionBackInReview, models.ReviewInReview, "changes staged after approval: "+strings.Join(changed, ", "))
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
	return a, nil
}

// applyPending makes an article's staged changes its live content, as a
// save like any other (revision, event, cache purge). check decides from
// the staged changes whether to go on; errNothingToDo from it makes
// applyPending return nil, nil with nothing written.
func (s *Service) applyPending(ctx context.Context, id uint64, action string, expectedVersion *int, check func(p *models.PendingChange) error) (*models.Article, error) {
	skipped := false
	a, err := s.editArticle(ctx, id, action, expectedVersion, func(tx TxStorage, a *models.Article, snap *Snapshot) error {
		skipped = false // a retried transaction starts over
		p, err := tx.PendingChange(ctx, id)
		if err != nil {
			return err
		}
		if err := check(p); err != nil {
			skipped = errors.Is(err, errNothingToDo)
			return err
		}
		staged, err := decodeSnapshot(p.Snapshot)
		if err != nil {
			return err
		}
		status, published, expires := snap.Status, snap.PublishedAt, snap.ExpiresAt
		*snap = staged
		snap.Status, snap.PublishedAt, snap.ExpiresAt = status, published, expires
		if err := dropMissingLinks(ctx, tx, snap); err != nil {
			return err
		}
		_, err = tx.DeletePendingChange(ctx, id)
		return err
	})
	if skipped {
		return nil, nil
	}
	return a, err
}

// PendingRows returns the changes staged on each of ids (nil where there
// are none), in the order of ids, for loaders; editors only.
func (s *Service) PendingRows(ctx context.Context, ids []uint64) ([]*models.PendingChange, error) {
	if err := needEditor(ctx, "pendingChanges"); err != nil {
		return nil, err
	}
	byID, err := s.store.PendingChanges(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*models.PendingChange, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// PendingOf describes the changes p staged on a (editors only), with the
// article as it will look.
func (s *Service) PendingOf(ctx context.Context, a *models.Article, p *models.PendingChange) (*Pending, error) {
	if err := needEditor(ctx, "pendingChanges"); err != nil {
		return nil, err
	}
	staged, err := decodeSnapshot(p.Snapshot)
	if err != nil {
		return nil, err
	}
	live, err := snapshotOf(ctx, s.store, a)
	if err != nil {
		return nil, err
	}
	shown, err := s.withSnapshot(ctx, a, staged)
	if err != nil {
		return nil, err
	}
	return &Pending{Article: shown, Snapshot: staged, ChangedFields: changedFields(live, staged),
		StagedBy: p.StagedBy, StagedAt: p.StagedAt, PublishAt: p.PublishAt}, nil
}

// withSnapshot returns a copy of a showing snap's content, with its byline,
// section and tags loaded as snap names them (tags not created yet have no
// id): what the article will look like once snap is live. The live
// article's status and times stay.
func (s *Service) withSnapshot(ctx context.Context, a *models.Article, snap Snapshot) (*models.Article, error) {
	out := *a
	out.Title, out.Slug, out.Subtitle, out.Body = snap.Title, snap.Slug, snap.Subtitle, snap.Body
	out.CategoryID, out.Cover, out.CanonicalURL, out.EmbargoUntil = snap.CategoryID, snap.Cover, snap.CanonicalURL, snap.EmbargoUntil
	out.SEOFields = snap.SEO
	if _, err := s.render(&out, nil); err != nil {
		return nil, err
	}
	rel := &models.ArticleRelations{Authors: []*models.Author{}, Tags: []*models.Tag{}, Loaded: models.AllRelations}
	if len(snap.AuthorIDs) > 0 {
		byID, err := s.store.AuthorsByIDs(ctx, snap.AuthorIDs)
		if err != nil {
			return nil, err
		}
		for _, id := range snap.AuthorIDs {
			if au := byID[id]; au != nil {
				rel.Authors = append(rel.Authors, au)
			}
		}
	}
	for _, name := range snap.Tags {
		t, err := s.store.TagBySlug(ctx, store.Visibility{}, models.Slugify(name))
		if err != nil {
			return nil, err
		}
		if t == nil {
			t = &models.Tag{Name: name, Slug: models.Slugify(name)}
		}
		rel.Tags = append(rel.Tags, t)
	}
	if snap.CategoryID != nil {
		c, err := s.store.CategoryByID(ctx, *snap.CategoryID)
		if err != nil {
			return nil, err
		}
		rel.Category = c
	}
	out.Relations = rel
	return &out, nil
}
