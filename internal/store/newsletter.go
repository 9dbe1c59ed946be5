package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// SubscriberByEmail returns the subscriber with a normalised address, or nil.
func (s *Store) SubscriberByEmail(ctx context.Context, email string) (*models.NewsletterSubscriber, error) {
	var sub models.NewsletterSubscriber
	r, err := notFound(&sub, s.q(ctx).Where("email = ?", email).Take(&sub).Error)
	if err != nil {
		return nil, fmt.Errorf("look up subscriber: %w", err)
	}
	return r, nil
}

// SubscriberByToken returns the token with hash and purpose and its
// subscriber, or nils.
func (s *Store) SubscriberByToken(ctx context.Context, hash, purpose string) (*models.NewsletterToken, *models.NewsletterSubscriber, error) {
	var tok models.NewsletterToken
	t, err := notFound(&tok, s.q(ctx).Where("token_hash = ? AND purpose = ?", hash, purpose).Take(&tok).Error)
	if err != nil || t == nil {
		return nil, nil, err
	}
	var sub models.NewsletterSubscriber
	if err := s.q(ctx).Where("id = ?", t.SubscriberID).Take(&sub).Error; err != nil {
		return nil, nil, fmt.Errorf("load subscriber %d: %w", t.SubscriberID, err)
	}
	return t, &sub, nil
}

// AddNewsletterToken stores a link token.
func (s *Store) AddNewsletterToken(ctx context.Context, t *models.NewsletterToken) error {
	return translate("add newsletter token", s.q(ctx).Create(t).Error)
}

// DeleteNewsletterTokens removes a subscriber's tokens of one purpose.
func (s *Store) DeleteNewsletterTokens(ctx context.Context, subscriberID uint64, purpose string) error {
	err := s.q(ctx).Where("subscriber_id = ? AND purpose = ?", subscriberID, purpose).Delete(&models.NewsletterToken{}).Error
	if err != nil {
		return fmt.Errorf("delete newsletter tokens: %w", err)
	}
	return nil
}

// SaveSubscriber inserts or updates a subscriber.
func (s *Store) SaveSubscriber(ctx context.Context, sub *models.NewsletterSubscriber) error {
	if sub.ID == 0 {
		return translate("create subscriber", s.q(ctx).Create(sub).Error)
	}
	return translate("update subscriber", s.q(ctx).Model(sub).Select("*").Omit("id", "created_at").Updates(sub).Error)
}

// SubscriberFilter narrows the subscriber list.
type SubscriberFilter struct {
	Status string
	Topic  string
}

func (s *Store) subscriberQuery(ctx context.Context, f SubscriberFilter) *gorm.DB {
	q := s.q(ctx).Table("newsletter_subscribers")
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Topic != "" {
		// Topics are slugs ([a-z0-9-]), so they hold no LIKE wildcards.
		q = q.Where("(topics = '' OR ("+s.concatCSV("topics")+") LIKE ?)", "%,"+f.Topic+",%")
	}
	return q
}

// concatCSV wraps a comma-separated column in commas, per dialect.
func (s *Store) concatCSV(col string) string {
	if s.db.Dialect == "mysql" {
		return "CONCAT(','," + col + ",',')"
	}
	return "',' || " + col + " || ','"
}

var subscriberKey = SortKey{Name: "subscriber", Column: "newsletter_subscribers.id", IDColumn: "newsletter_subscribers.id", Int: true}

// ListSubscribers returns a page of subscribers, newest first.
func (s *Store) ListSubscribers(ctx context.Context, f SubscriberFilter, p page.Request) (*page.List[*models.NewsletterSubscriber], error) {
	l, err := listNewest(s.subscriberQuery(ctx, f), subscriberKey, p, func(r *models.NewsletterSubscriber) uint64 { return r.ID })
	if err != nil {
		return nil, fmt.Errorf("list subscribers: %w", err)
	}
	return l, nil
}

// CountSubscribers counts the subscribers matching f.
func (s *Store) CountSubscribers(ctx context.Context, f SubscriberFilter) (int64, error) {
	var n int64
	if err := s.subscriberQuery(ctx, f).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count subscribers: %w", err)
	}
	return n, nil
}

// EnqueueMail adds a message to the outgoing mail queue.
func (s *Store) EnqueueMail(ctx context.Context, m *models.Mail) error {
	return translate("queue mail", s.q(ctx).Create(m).Error)
}

// ClaimMail takes up to limit due messages for this process for lease,
// with a conditional update per message so two workers never send the same
// one at once.
func (s *Store) ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*models.Mail, error) {
	var due []*models.Mail
	err := s.q(ctx).Where("status = ? AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)", models.MailPending, now, now).
		Order("next_attempt_at, id").Limit(limit).Find(&due).Error
	if err != nil {
		return nil, fmt.Errorf("find due mail: %w", err)
	}
	claimed := due[:0]
	until := now.Add(lease)
	for _, m := range due {
		res := s.q(ctx).Model(&models.Mail{}).
			Where("id = ? AND status = ? AND (locked_until IS NULL OR locked_until < ?)", m.ID, models.MailPending, now).
			Updates(map[string]any{"locked_until": until, "attempts": gorm.Expr("attempts + 1")})
		if res.Error != nil {
			return nil, fmt.Errorf("claim mail %d: %w", m.ID, res.Error)
		}
		if res.RowsAffected == 1 {
			m.Attempts++
			claimed = append(claimed, m)
		}
	}
	return claimed, nil
}

// FinishMail records the outcome of a send attempt.
func (s *Store) FinishMail(ctx context.Context, m *models.Mail) error {
	return translate("update mail", s.q(ctx).Model(m).Select("status", "next_attempt_at", "locked_until", "last_error", "sent_at").Updates(m).Error)
}
