package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"

	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/models"
)

// AppendEvents writes events to the outbox, each with a pending mark for
// every consumer (BrokerConsumers: for every registered broker). Call it
// inside the transaction of the change the events describe: they commit or
// roll back with it.
func (s *Store) AppendEvents(ctx context.Context, consumers []string, evs ...*models.OutboxEvent) error {
	if len(evs) == 0 {
		return nil
	}
	consumers, err := s.expandConsumers(ctx, consumers)
	if err != nil {
		return err
	}
	if err := s.q(ctx).Create(evs).Error; err != nil {
		return translate("append outbox events", err)
	}
	if len(consumers) == 0 {
		return nil
	}
	pending := make([]models.OutboxPending, 0, len(evs)*len(consumers))
	for _, e := range evs {
		for _, c := range consumers {
			pending = append(pending, models.OutboxPending{Consumer: c, EventSeq: e.Seq})
		}
	}
	return translate("mark outbox events pending", s.q(ctx).Create(&pending).Error)
}

// PendingEvents returns up to limit events consumer has not handled yet,
// oldest first. Inside a transaction on MySQL the rows are locked and rows
// another relay holds are skipped, so replicas sweeping at once do not hand
// on the same events; SQLite transactions are exclusive anyway.
func (s *Store) PendingEvents(ctx context.Context, consumer string, limit int) ([]*models.OutboxEvent, error) {
	var seqs []uint64
	q := s.q(ctx).Model(&models.OutboxPending{}).Where("consumer = ?", consumer).Order("event_seq").Limit(limit)
	if s.db.Dialect == "mysql" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
	}
	if err := q.Pluck("event_seq", &seqs).Error; err != nil {
		return nil, fmt.Errorf("find pending events for %s: %w", consumer, err)
	}
	if len(seqs) == 0 {
		return nil, nil
	}
	var evs []*models.OutboxEvent
	if err := s.q(ctx).Where("seq IN ?", seqs).Order("seq").Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("load pending events for %s: %w", consumer, err)
	}
	return evs, nil
}

// MarkHandled removes consumer's pending marks of the events seqs.
func (s *Store) MarkHandled(ctx context.Context, consumer string, seqs []uint64) error {
	if len(seqs) == 0 {
		return nil
	}
	if s.db.Dialect == "mysql" {
		// One primary-key lookup per row: a multi-row IN reads (and waits
		// for) the record after each match, which another relay may hold,
		// and two relays doing so deadlock.
		for _, seq := range seqs {
			if err := s.q(ctx).Where("consumer = ? AND event_seq = ?", consumer, seq).Delete(&models.OutboxPending{}).Error; err != nil {
				return fmt.Errorf("mark event %d handled for %s: %w", seq, consumer, err)
			}
		}
		return nil
	}
	err := s.q(ctx).Where("consumer = ? AND event_seq IN ?", consumer, seqs).Delete(&models.OutboxPending{}).Error
	if err != nil {
		return fmt.Errorf("mark %d events handled for %s: %w", len(seqs), consumer, err)
	}
	return nil
}

// CountPending counts the events consumer has not handled yet.
func (s *Store) CountPending(ctx context.Context, consumer string) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&models.OutboxPending{}).Where("consumer = ?", consumer).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count pending events for %s: %w", consumer, err)
	}
	return n, nil
}

// OldestPending returns when the oldest event consumer has not handled yet
// was written, or nil when none is waiting. For BrokerConsumers it is the
// oldest event any registered broker still waits for.
func (s *Store) OldestPending(ctx context.Context, consumer string) (*time.Time, error) {
	var rows []time.Time
	match := "p.consumer = ?"
	arg := consumer
	if consumer == BrokerConsumers {
		match, arg = "p.consumer LIKE ?", BrokerConsumerPrefix+"%"
	}
	err := s.q(ctx).Model(&models.OutboxEvent{}).
		Where("seq = (SELECT MIN(p.event_seq) FROM outbox_pending p WHERE "+match+")", arg).
		Pluck("created_at", &rows).Error
	if err != nil {
		return nil, fmt.Errorf("oldest pending event for %s: %w", consumer, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// PruneEvents deletes up to limit events older than before that no consumer
// still has pending, and returns how many it deleted.
func (s *Store) PruneEvents(ctx context.Context, before time.Time, limit int) (int64, error) {
	var seqs []uint64
	err := s.q(ctx).Model(&models.OutboxEvent{}).
		Where("created_at < ? AND NOT EXISTS (SELECT 1 FROM outbox_pending p WHERE p.event_seq = outbox_events.seq)", before).
		Order("seq").Limit(limit).Pluck("seq", &seqs).Error
	if err != nil || len(seqs) == 0 {
		return 0, err
	}
	res := s.q(ctx).Where("seq IN ?", seqs).Delete(&models.OutboxEvent{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune outbox: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// HandlePending gives up to limit events that consumer has not handled yet
// to fn, oldest first, and marks them handled when fn succeeds; when fn
// fails they stay pending. It returns how many events it handled.
//
// On MySQL this runs in a READ COMMITTED transaction that locks the pending
// marks it takes and skips those another replica holds (no gap locks, so
// concurrent mutations adding marks are not held up). SQLite serialises
// writers anyway; there the marks are read without a transaction, so fn does
// not hold the database's write lock while it talks to a broker.
func (s *Store) HandlePending(ctx context.Context, consumer string, limit int, fn func([]*models.OutboxEvent) error) (int, error) {
	handle := func(st *Store) (int, error) {
		evs, err := st.PendingEvents(ctx, consumer, limit)
		if err != nil || len(evs) == 0 {
			return 0, err
		}
		if err := fn(evs); err != nil {
			return 0, err
		}
		seqs := make([]uint64, len(evs))
		for i, e := range evs {
			seqs[i] = e.Seq
		}
		return len(evs), st.MarkHandled(ctx, consumer, seqs)
	}
	if s.db.Dialect != "mysql" {
		return handle(s)
	}
	var n int
	err := s.db.WithContext(ctx).Transaction(func(gtx *gorm.DB) error {
		var err error
		n, err = handle(&Store{db: &dbconn.DB{DB: gtx, Dialect: s.db.Dialect}})
		return err
	}, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return 0, err
	}
	return n, nil
}
