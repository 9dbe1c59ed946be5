package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/models"
)

// BrokerConsumers, given to AppendEvents as a consumer, stands for every
// registered broker: the events get a pending mark for each. It is also the
// consumer name marks had before brokers were told apart; the first broker
// to register takes those over.
const BrokerConsumers = "broker"

// BrokerConsumerPrefix starts the consumer name of every registered broker.
const BrokerConsumerPrefix = "broker:"

// brokerConsumers returns the registered brokers' consumer names. On MySQL
// it reads every row (the anchor too) with a shared lock held to the end of
// the caller's transaction: a broker registering meanwhile waits for that
// end (see RegisterBroker), so no change commits after a registration
// without marks for it.
func (s *Store) brokerConsumers(ctx context.Context) ([]string, error) {
	var names []string
	sql := "SELECT consumer FROM outbox_brokers ORDER BY consumer"
	if s.db.Dialect == "mysql" {
		sql += " LOCK IN SHARE MODE"
	}
	if err := s.q(ctx).Raw(sql).Scan(&names).Error; err != nil {
		return nil, fmt.Errorf("read registered brokers: %w", err)
	}
	out := names[:0]
	for _, n := range names {
		if n != "" {
			out = append(out, n)
		}
	}
	return out, nil
}

// expandConsumers replaces BrokerConsumers in consumers with the registered
// brokers.
func (s *Store) expandConsumers(ctx context.Context, consumers []string) ([]string, error) {
	for i, c := range consumers {
		if c != BrokerConsumers {
			continue
		}
		brokers, err := s.brokerConsumers(ctx)
		if err != nil {
			return nil, err
		}
		out := append(append([]string(nil), consumers[:i]...), consumers[i+1:]...)
		return append(out, brokers...), nil
	}
	return consumers, nil
}

// RegisterBroker registers consumer (a BrokerConsumerPrefix name) until
// expires, or renews it, and reports whether it was not registered before.
// A new registration locks every registered row first, so it waits for the
// changes in flight that read the brokers without it: every change that
// commits after RegisterBroker returns marks its events for consumer. The
// first registration after an upgrade takes over the marks left under the
// old shared name.
func (s *Store) RegisterBroker(ctx context.Context, consumer string, now, expires time.Time) (bool, error) {
	if !strings.HasPrefix(consumer, BrokerConsumerPrefix) {
		return false, fmt.Errorf("register broker %q: want a %s… name", consumer, BrokerConsumerPrefix)
	}
	now, expires = now.UTC(), expires.UTC()
	res := s.q(ctx).Model(&models.OutboxBroker{}).Where("consumer = ?", consumer).
		Updates(map[string]any{"seen_at": now, "expires_at": expires})
	if res.Error != nil {
		return false, fmt.Errorf("renew broker %s: %w", consumer, res.Error)
	}
	if res.RowsAffected > 0 {
		return false, nil
	}
	created := false
	err := s.Tx(ctx, func(tx *Store) error {
		var names []string
		q := tx.q(ctx).Model(&models.OutboxBroker{})
		if s.db.Dialect == "mysql" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Order("consumer").Pluck("consumer", &names).Error; err != nil {
			return fmt.Errorf("lock registered brokers: %w", err)
		}
		res := tx.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&models.OutboxBroker{Consumer: consumer, SeenAt: now, ExpiresAt: expires})
		if res.Error != nil {
			return fmt.Errorf("register broker %s: %w", consumer, res.Error)
		}
		created = res.RowsAffected > 0
		if !created {
			return nil
		}
		// Marks from before brokers were told apart.
		ignore := "INSERT IGNORE"
		if s.db.Dialect != "mysql" {
			ignore = "INSERT OR IGNORE"
		}
		if err := tx.q(ctx).Exec(ignore+" INTO outbox_pending (consumer, event_seq) SELECT ?, event_seq FROM outbox_pending WHERE consumer = ?",
			consumer, BrokerConsumers).Error; err != nil {
			return fmt.Errorf("take over old broker marks: %w", err)
		}
		return tx.q(ctx).Where("consumer = ?", BrokerConsumers).Delete(&models.OutboxPending{}).Error
	})
	return created, err
}

// UnregisterBroker removes consumer and its pending marks (a broker that
// ends with its process: nobody can receive from it any more).
func (s *Store) UnregisterBroker(ctx context.Context, consumer string) error {
	if consumer == "" {
		return nil
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Where("consumer = ?", consumer).Delete(&models.OutboxBroker{}).Error; err != nil {
			return fmt.Errorf("unregister broker %s: %w", consumer, err)
		}
		if err := tx.q(ctx).Where("consumer = ?", consumer).Delete(&models.OutboxPending{}).Error; err != nil {
			return fmt.Errorf("drop pending marks of broker %s: %w", consumer, err)
		}
		return nil
	})
}

// ExpireBrokers unregisters the brokers whose registration ran out before
// now (their owners stopped renewing it) and returns their names.
func (s *Store) ExpireBrokers(ctx context.Context, now time.Time) ([]string, error) {
	var names []string
	err := s.q(ctx).Model(&models.OutboxBroker{}).Where("consumer <> '' AND expires_at < ?", now.UTC()).Pluck("consumer", &names).Error
	if err != nil {
		return nil, fmt.Errorf("find expired brokers: %w", err)
	}
	var gone []string
	for _, n := range names {
		// Unregister only if still expired (a replica may just have renewed it).
		err := s.Tx(ctx, func(tx *Store) error {
			res := tx.q(ctx).Where("consumer = ? AND expires_at < ?", n, now.UTC()).Delete(&models.OutboxBroker{})
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			gone = append(gone, n)
			return tx.q(ctx).Where("consumer = ?", n).Delete(&models.OutboxPending{}).Error
		})
		if err != nil {
			return gone, fmt.Errorf("expire broker %s: %w", n, err)
		}
	}
	return gone, nil
}

// RegisteredBrokers lists the registered brokers' consumer names.
func (s *Store) RegisteredBrokers(ctx context.Context) ([]string, error) {
	return s.brokerConsumers(ctx)
}
