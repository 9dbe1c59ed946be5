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

// PublishDue publishes every scheduled article whose time has come and
// returns how many this process published. Safe to run on every replica at
// once: each article flips in a conditional update that only one wins.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	ctx = AsSystem(ctx, "scheduler")
	published := 0
	for {
		now := s.Now()
		ids, err := s.store.DueScheduled(ctx, now, 100)
		if err != nil || len(ids) == 0 {
			return published, err
		}
		for _, id := range ids {
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
				a, err := tx.ArticleByID(ctx, store.Visibility{}, id)
				if err != nil || a == nil {
					return id, fmt.Errorf("reload published article %d: %w", id, err)
				}
				snap, err := snapshotOf(ctx, tx, a)
				if err != nil {
					return id, err
				}
				if err := s.writeRevision(ctx, tx, a, snap, ActionScheduledPub, []string{"status"}); err != nil {
					return id, err
				}
				return id, s.recordArticle(ctx, tx, ActionScheduledPub, a, false, false, []string{"status"})
			})
			if err != nil {
				return published, err
			}
			if won {
				published++
			}
		}
		if len(ids) < 100 {
			return published, nil
		}
	}
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
	done := 0
	for {
		now := s.Now()
		ids, err := s.store.DueExpired(ctx, now, 100)
		if err != nil || len(ids) == 0 {
			return done, err
		}
		for _, id := range ids {
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
				a, err := tx.ArticleByID(ctx, store.Visibility{}, id)
				if err != nil || a == nil {
					return id, fmt.Errorf("reload expired article %d: %w", id, err)
				}
				snap, err := snapshotOf(ctx, tx, a)
				if err != nil {
					return id, err
				}
				changed := []string{"status", "publishedAt", "expiresAt"}
				if err := s.writeRevision(ctx, tx, a, snap, ActionExpire, changed); err != nil {
					return id, err
				}
				return id, s.recordArticle(ctx, tx, ActionExpire, a, false, wasVisible, changed)
			})
			if err != nil {
				return done, err
			}
			if won {
				done++
			}
		}
		if len(ids) < 100 {
			return done, nil
		}
	}
}

// PublishDueChanges makes live the staged changes whose publication time
// has come. Safe on every replica at once: editorial writes take turns
// (LockEditorialWrites) and the one that finds the changes still due
// publishes them; the others find nothing to do.
func (s *Service) PublishDueChanges(ctx context.Context) (int, error) {
	ctx = AsSystem(ctx, "scheduler")
	done := 0
	for {
		now := s.Now()
		ids, err := s.store.DuePendingChanges(ctx, now, 100)
		if err != nil || len(ids) == 0 {
			return done, err
		}
		for _, id := range ids {
			a, err := s.applyPending(ctx, id, ActionScheduledChgs, nil, func(p *models.PendingChange) error {
				if p == nil || p.PublishAt == nil || p.PublishAt.After(now) {
					return errNothingToDo
				}
				return nil
			})
			if err != nil {
				return done, err
			}
			if a != nil {
				done++
			}
		}
		if len(ids) < 100 {
			return done, nil
		}
	}
}
