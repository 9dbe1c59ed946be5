// Package newsletter runs newsletter sign-up with double opt-in: a sign-up
// stays pending until the link emailed to the address is followed, every
// email carries a one-step unsubscribe link, and tokens are random,
// single-use where they should be, stored hashed, and expire.
package newsletter

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/broadsheet/broadsheet/internal/ratelimit"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Config tunes the service.
type Config struct {
	// PublicURL is where readers reach Broadsheet's newsletter pages, e.g.
	// https://api.example.com (links are PublicURL/newsletter/confirm?token=…).
	PublicURL string
	// ConfirmTTL is how long a confirmation link works (default 48h).
	ConfirmTTL time.Duration
	// SignupsPerHour limits sign-ups per client address (default 10, burst 5).
	SignupsPerHour float64
	// Now replaces time.Now in tests.
	Now func() time.Time
	// Queued is called after mail is queued (to wake the mail worker).
	Queued func()
	// Publication names the newsletter in emails.
	Publication string
	// Consumers are the outbox consumers told of confirmations and
	// unsubscriptions (webhooks); none writes no events.
	Consumers []string
	// Committed is called after a commit that wrote events.
	Committed func()
}

// Service is the newsletter API.
type Service struct {
	store Storage
	cfg   Config

	signups *ratelimit.Keyed // per client address
}

// New returns the service over st.
func New(st Storage, cfg Config) *Service {
	if cfg.ConfirmTTL == 0 {
		cfg.ConfirmTTL = 48 * time.Hour
	}
	if cfg.SignupsPerHour == 0 {
		cfg.SignupsPerHour = 10
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Queued == nil {
		cfg.Queued = func() {}
	}
	if cfg.Committed == nil {
		cfg.Committed = func() {}
	}
	if cfg.Publication == "" {
		cfg.Publication = "Broadsheet"
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	return &Service{store: st, cfg: cfg, signups: ratelimit.NewKeyed(ratelimit.Limit{Rate: cfg.SignupsPerHour / 3600, Burst: 5}, 10000, cfg.Now)}
}

// SignupMessage is the one answer to every accepted sign-up, whether or not
// the address was known, so the mutation reveals nothing about readers.
const SignupMessage = "Thanks! If this address can receive our newsletter, a confirmation link is on its way."

const maxTopics = 50

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// allow applies the per-client sign-up limit.
func (s *Service) allow(addr string) bool { return addr == "" || s.signups.Allow(addr) }

// NormalizeEmail validates an address and returns it in the form stored.
func NormalizeEmail(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 254 {
		return "", apperr.Invalidf("email", "enter an email address")
	}
	a, err := mail.ParseAddress(raw)
	if err != nil || a.Name != "" || a.Address != raw {
		return "", apperr.Invalidf("email", "%q is not an email address", apperr.Clip(raw, 80))
	}
	local, domain, ok := strings.Cut(a.Address, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", apperr.Invalidf("email", "%q is not an email address", apperr.Clip(raw, 80))
	}
	return strings.ToLower(a.Address), nil
}

// cleanTopics checks topics against the sections and returns them sorted.
func (s *Service) cleanTopics(ctx context.Context, tx TxStorage, topics []string) ([]string, error) {
	if len(topics) > maxTopics {
		return nil, apperr.Invalidf("topics", "at most %d topics", maxTopics)
	}
	out := []string{}
	for _, t := range topics {
		t = strings.TrimSpace(t)
		if slices.Contains(out, t) {
			continue
		}
		c, err := tx.CategoryBySlug(ctx, t)
		if err != nil {
			return nil, err
		}
		if c == nil {
			return nil, &apperr.Error{Kind: apperr.Invalid, Code: "NOT_FOUND", Field: "topics", Message: fmt.Sprintf("no section with slug %q", apperr.Clip(t, 60))}
		}
		out = append(out, t)
	}
	slices.Sort(out)
	return out, nil
}

func newToken() (token, hash string) {
	var b [32]byte
	rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *Service) link(path, token string) string {
	return s.cfg.PublicURL + "/newsletter/" + path + "?token=" + url.QueryEscape(token)
}

// queue adds an email, with an unsubscribe link and the List-Unsubscribe
// headers mail clients use for one-click unsubscribing.
func (s *Service) queue(ctx context.Context, tx TxStorage, to, subject, body, manageToken string) error {
	unsub := s.link("unsubscribe", manageToken)
	headers, _ := json.Marshal(map[string]string{
		"List-Unsubscribe":      "<" + unsub + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	})
	body += "\n\n--\nTo stop receiving these emails, unsubscribe in one step: " + unsub + "\n"
	return tx.EnqueueMail(ctx, &models.Mail{
		ToAddr: to, Subject: subject, Body: body, Headers: string(headers),
		Status: models.MailPending, NextAttemptAt: s.now(), CreatedAt: s.now(),
	})
}

// issue stores a new link token for sub and returns it.
func (s *Service) issue(ctx context.Context, tx TxStorage, sub *models.NewsletterSubscriber, purpose string, expires *time.Time) (string, error) {
	token, hash := newToken()
	err := tx.AddNewsletterToken(ctx, &models.NewsletterToken{TokenHash: hash, SubscriberID: sub.ID, Purpose: purpose, ExpiresAt: expires, CreatedAt: s.now()})
	return token, err
}

// Subscribe starts a sign-up. The answer is the same whether the address is
// new, pending, confirmed or unsubscribed; only the email differs.
func (s *Service) Subscribe(ctx context.Context, email string, topics []string) error {
	if !s.allow(auth.ClientAddrFrom(ctx)) {
		return apperr.New(apperr.RateLimited, "too many sign-ups from your address; try again later")
	}
	addr, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	err = s.store.Tx(ctx, func(tx TxStorage) error {
		clean, err := s.cleanTopics(ctx, tx, topics)
		if err != nil {
			return err
		}
		sub, err := tx.SubscriberByEmail(ctx, addr)
		if err != nil {
			return err
		}
		now := s.now()
		if sub != nil && sub.Status == models.SubscriberConfirmed {
			// Tell the owner, not the caller, and change nothing: an
			// unauthenticated request must not rewrite a reader's topics.
			manage, err := s.issue(ctx, tx, sub, models.TokenManage, nil)
			if err != nil {
				return err
			}
			return s.queue(ctx, tx, addr, "You are already subscribed to "+s.cfg.Publication,
				"Someone (probably you) asked to sign this address up again. You are already subscribed; nothing has changed.\n\nChange your topics: "+s.link("manage", manage), manage)
		}
		if sub == nil {
			sub = &models.NewsletterSubscriber{Email: addr, CreatedAt: now}
		}
		sub.Status, sub.Topics, sub.UpdatedAt, sub.UnsubscribedAt = models.SubscriberPending, strings.Join(clean, ","), now, nil
		if err := tx.SaveSubscriber(ctx, sub); err != nil {
			return err
		}
		// Only the newest confirmation link works.
		if err := tx.DeleteNewsletterTokens(ctx, sub.ID, models.TokenConfirm); err != nil {
			return err
		}
		expires := now.Add(s.cfg.ConfirmTTL)
		confirm, err := s.issue(ctx, tx, sub, models.TokenConfirm, &expires)
		if err != nil {
			return err
		}
		manage, err := s.issue(ctx, tx, sub, models.TokenManage, nil)
		if err != nil {
			return err
		}
		return s.queue(ctx, tx, addr, "Confirm your subscription to "+s.cfg.Publication,
			fmt.Sprintf("Please confirm that you want to receive the %s newsletter:\n\n%s\n\nThe link works for %s. If you did not sign up, ignore this email and nothing will happen.",
				s.cfg.Publication, s.link("confirm", confirm), humanDuration(s.cfg.ConfirmTTL)), manage)
	})
	if err != nil {
		return fmt.Errorf("newsletter sign-up: %w", err)
	}
	s.cfg.Queued()
	return nil
}

func humanDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return d.String()
}

func errBadLink() error {
	return &apperr.Error{Kind: apperr.NotFound, Code: "NOT_FOUND", Field: "token", Message: "this link is invalid or has already been used"}
}

// Confirm completes a sign-up. Confirmation tokens work once.
func (s *Service) Confirm(ctx context.Context, token string) (*models.NewsletterSubscriber, error) {
	var sub *models.NewsletterSubscriber
	err := s.store.Tx(ctx, func(tx TxStorage) error {
		tok, found, err := tx.SubscriberByToken(ctx, hashToken(token), models.TokenConfirm)
		if err != nil {
			return err
		}
		if tok == nil {
			return errBadLink()
		}
		now := s.now()
		if tok.ExpiresAt == nil || now.After(*tok.ExpiresAt) {
			return &apperr.Error{Kind: apperr.Invalid, Code: "EXPIRED", Field: "token", Message: "this confirmation link has expired; sign up again to get a new one"}
		}
		sub = found
		sub.Status, sub.ConfirmedAt, sub.UpdatedAt = models.SubscriberConfirmed, &now, now
		if err := tx.SaveSubscriber(ctx, sub); err != nil {
			return err
		}
		if err := tx.DeleteNewsletterTokens(ctx, sub.ID, models.TokenConfirm); err != nil {
			return err
		}
		return s.record(ctx, tx, events.NewsletterConfirmed, sub)
	})
	if err == nil {
		s.cfg.Committed()
	}
	return sub, err
}

// record writes a newsletter event to the outbox inside tx.
func (s *Service) record(ctx context.Context, tx TxStorage, typ string, sub *models.NewsletterSubscriber) error {
	if len(s.cfg.Consumers) == 0 {
		return nil
	}
	row, err := events.NewRow(typ, events.ObjectSubscriber, sub.ID, "newsletter", s.now(), events.Payload{
		Action:     typ,
		Subscriber: &events.SubscriberState{Email: sub.Email, Status: sub.Status, Topics: Topics(sub)},
	})
	if err != nil {
		return err
	}
	return tx.AppendEvents(ctx, s.cfg.Consumers, row)
}

// byManageToken loads the subscriber a manage/unsubscribe link belongs to.
func (s *Service) byManageToken(ctx context.Context, tx TxStorage, token string) (*models.NewsletterSubscriber, error) {
	tok, sub, err := tx.SubscriberByToken(ctx, hashToken(token), models.TokenManage)
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, errBadLink()
	}
	return sub, nil
}

// Unsubscribe stops all email to the address at once. Following the link
// again is harmless.
func (s *Service) Unsubscribe(ctx context.Context, token string) (*models.NewsletterSubscriber, error) {
	var sub *models.NewsletterSubscriber
	err := s.store.Tx(ctx, func(tx TxStorage) error {
		var err error
		if sub, err = s.byManageToken(ctx, tx, token); err != nil {
			return err
		}
		if sub.Status == models.SubscriberUnsubscribed {
			return nil
		}
		now := s.now()
		wasConfirmed := sub.Status == models.SubscriberConfirmed
		sub.Status, sub.UnsubscribedAt, sub.UpdatedAt = models.SubscriberUnsubscribed, &now, now
		if err := tx.SaveSubscriber(ctx, sub); err != nil {
			return err
		}
		if err := tx.DeleteNewsletterTokens(ctx, sub.ID, models.TokenConfirm); err != nil {
			return err
		}
		if !wasConfirmed {
			return nil
		}
		return s.record(ctx, tx, events.NewsletterRemoved, sub)
	})
	if err == nil {
		s.cfg.Committed()
	}
	return sub, err
}

// UpdateTopics replaces a subscriber's topics (empty means every section).
func (s *Service) UpdateTopics(ctx context.Context, token string, topics []string) (*models.NewsletterSubscriber, error) {
	var sub *models.NewsletterSubscriber
	err := s.store.Tx(ctx, func(tx TxStorage) error {
		var err error
		if sub, err = s.byManageToken(ctx, tx, token); err != nil {
			return err
		}
		if sub.Status == models.SubscriberUnsubscribed {
			return &apperr.Error{Kind: apperr.Invalid, Code: "INVALID", Field: "token", Message: "this address has unsubscribed; sign up again first"}
		}
		clean, err := s.cleanTopics(ctx, tx, topics)
		if err != nil {
			return err
		}
		sub.Topics, sub.UpdatedAt = strings.Join(clean, ","), s.now()
		return tx.SaveSubscriber(ctx, sub)
	})
	return sub, err
}

// Topics splits a subscriber's stored topics.
func Topics(sub *models.NewsletterSubscriber) []string {
	if sub.Topics == "" {
		return []string{}
	}
	return strings.Split(sub.Topics, ",")
}

// SubscriberFilter narrows the subscriber list.
type SubscriberFilter struct {
	Status string
	Topic  string
}

// List returns subscribers for admins, newest first.
func (s *Service) List(ctx context.Context, filter SubscriberFilter, args page.Args) (*page.List[*models.NewsletterSubscriber], error) {
	p, err := args.Request(true)
	if err != nil {
		return nil, err
	}
	f := store.SubscriberFilter(filter)
	return page.Load(ctx, p, func(ctx context.Context) (int64, error) { return s.store.CountSubscribers(ctx, f) },
		func(ctx context.Context, p page.Request) (*page.List[*models.NewsletterSubscriber], error) {
			return s.store.ListSubscribers(ctx, f, p)
		})
}

// TopicCount is how many confirmed subscribers get a section's news.
type TopicCount struct {
	Topic string
	Count int64
}

// TopicCounts counts confirmed subscribers per section (those with no
// topics count for every section), plus "all" for the total.
func (s *Service) TopicCounts(ctx context.Context) ([]TopicCount, error) {
	cats, err := s.store.ListCategories(ctx)
	if err != nil {
		return nil, err
	}
	total, err := s.store.CountSubscribers(ctx, store.SubscriberFilter{Status: models.SubscriberConfirmed})
	if err != nil {
		return nil, err
	}
	out := []TopicCount{{Topic: "all", Count: total}}
	for _, c := range cats {
		n, err := s.store.CountSubscribers(ctx, store.SubscriberFilter{Status: models.SubscriberConfirmed, Topic: c.Slug})
		if err != nil {
			return nil, err
		}
		out = append(out, TopicCount{Topic: c.Slug, Count: n})
	}
	return out, nil
}
