package content

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// wakeScheduler nudges the scheduler when an article was just scheduled
// (for publication or for a take-down).
func (s *Service) wakeScheduler(a *models.Article) {
	if a == nil || (a.Status != models.StatusScheduled && a.ExpiresAt == nil) {
		return
	}
	s.wake()
}

// wake nudges the scheduler to look at the next due time again.
func (s *Service) wake() {
	select {
	case s.scheduled <- struct{}{}:
	default:
	}
}

// dueBatch is how many due articles one query of the scheduler takes.
const dueBatch = 100

// eachDue runs do on every article due finds due at now, a batch at a
// time, and counts those do reports it changed.
func eachDue(ctx context.Context, now func() time.Time, due func(context.Context, time.Time, int) ([]uint64, error),
	do func(id uint64, now time.Time) (bool, error)) (int, error) {
	done := 0
	for {
		at := now()
		ids, err := due(ctx, at, dueBatch)
		if err != nil || len(ids) == 0 {
			return done, err
		}
		for _, id := range ids {
			changed, err := do(id, at)
			if err != nil {
				return done, err
			}
			if changed {
				done++
			}
		}
		if len(ids) < dueBatch {
			return done, nil
		}
	}
}

// flipped records what the scheduler did to an article inside tx: the
// article reloaded, a revision and its outbox event.
func (s *Service) flipped(ctx context.Context, tx TxStorage, id uint64, action string, changed []string, wasVisible bool) error {
	a, err := tx.ArticleByID(ctx, store.Visibility{}, id)
	if err != nil || a == nil {
		return fmt.Errorf("reload article %d after %s: %w", id, action, err)
	}
	snap, err := snapshotOf(ctx, tx, a)
	if err != nil {
		return err
	}
	if err := s.writeRevision(ctx, tx, a, snap, action, changed); err != nil {
		return err
	}
	return s.recordArticle(ctx, tx, action, a, false, wasVisible, changed)
}

// PublishDue publishes every scheduled article whose time has come and
// returns how many this process published. Safe to run on every replica at
// once: each article flips in a conditional update that only one wins.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	ctx = AsSystem(ctx, "scheduler")
	return eachDue(ctx, s.Now, s.store.DueScheduled, func(id uint64, now time.Time) (bool, error) {
		won := false
		err := s.change(ctx, ActionScheduledPub, "Article", id, func(tx TxStorage) (uint64, error) {
			won = false // a retried transaction starts over
			ok, err := tx.PublishIfScheduled(ctx, id, now)
			if err != nil {
				return id, err
			}
			if !ok {
				return id, errNothingToDo
			}
			won = true
			return id, s.flipped(ctx, tx, id, ActionScheduledPub, []string{"status"}, false)
		})
		return won, err
	})
}

// RunScheduler does the due work until ctx ends — take-downs, scheduled
// publications, staged changes due to go live — at each one's time (woken
// early when one is scheduled) and at least every sweep.
func (s *Service) RunScheduler(ctx context.Context, sweep time.Duration, log *slog.Logger) {
	for {
		for _, job := range []struct {
			name string
			run  func(context.Context) (int, error)
		}{
			{"take down expired articles", s.ExpireDue},
			{"publish scheduled articles", s.PublishDue},
			{"publish scheduled changes", s.PublishDueChanges},
		} {
			if n, err := job.run(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				log.Error(job.name, "err", err)
			} else if n > 0 {
				log.Info(job.name, "count", n)
			}
		}
		wait := sweep
		if next, err := s.store.NextScheduled(ctx); err == nil && next != nil {
			if d := next.Sub(s.Now()); d < wait {
				wait = max(d, 10*time.Millisecond)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.scheduled:
			t.Stop()
		case <-t.C:
		}
	}
}

// ExpireDue takes down every article whose take-down time (expiresAt) has
// come: back to a draft, with the unpublish event that purges caches and
// tells subscribers and webhooks. Readers stopped seeing it at that instant
// already (the visibility rule). Safe on every replica at once: each
// article flips in a conditional update that only one wins.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	ctx = AsSystem(ctx, "scheduler")
	return eachDue(ctx, s.Now, s.store.DueExpired, func(id uint64, now time.Time) (bool, error) {
		won := false
		err := s.change(ctx, ActionExpire, "Article", id, func(tx TxStorage) (uint64, error) {
			won = false // a retried transaction starts over
			before, err := tx.LockArticle(ctx, id)
			if err != nil || before == nil || before.ExpiresAt == nil {
				return id, errNothingToDo
			}
			// What readers saw just before the take-down time.
			wasVisible := ReaderVisible(before, before.ExpiresAt.Add(-time.Nanosecond))
			ok, err := tx.TakeDownIfExpired(ctx, id, now)
			if err != nil {
				return id, err
			}
			if !ok {
				return id, errNothingToDo
			}
			won = true
			return id, s.flipped(ctx, tx, id, ActionExpire, []string{"status", "publishedAt", "expiresAt"}, wasVisible)
		})
		return won, err
	})
}

// PublishDueChanges makes live the staged changes whose publication time
// has come. Safe on every replica at once: editorial writes take turns
// (LockEditorialWrites) and the one that finds the changes still due
// publishes them; the others find nothing to do.
func (s *Service) PublishDueChanges(ctx context.Context) (int, error) {
	ctx = AsSystem(ctx, "scheduler")
	return eachDue(ctx, s.Now, s.store.DuePendingChanges, func(id uint64, now time.Time) (bool, error) {
		a, err := s.applyPending(ctx, id, ActionScheduledChgs, nil, func(p *models.PendingChange) error {
			if p == nil || p.PublishAt == nil || p.PublishAt.After(now) {
				return errNothingToDo
			}
			return nil
		})
		return a != nil, err
	})
}
