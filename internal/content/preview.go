package content

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Preview links let a frontend show an unpublished article — a draft, a
// scheduled article, the staged changes of a published one — without an
// API token. A link's token is
//
//	base64url("v1.<article id>.<preview generation>.<expiry, Unix seconds>") "." base64url(HMAC-SHA256)
//
// signed with a key derived from the server's preview secret (--preview-secret,
// or a random one made once and kept in the database, so every replica
// shares it). It names one article, stops working at its expiry, and
// revokePreviewLinks ends every link of an article by incrementing the
// article's preview generation, which each use checks.

// Preview link lifetimes.
const (
	DefaultPreviewTTL = 24 * time.Hour
	MaxPreviewTTL     = 30 * 24 * time.Hour
	// maxPreviewToken caps what is decoded; longer tokens are invalid.
	maxPreviewToken = 512
	// previewSecretName names the generated secret in server_secrets.
	previewSecretName = "preview-links"
)

// PreviewConfig sets up preview links.
type PreviewConfig struct {
	// Secret signs the tokens; empty: a random secret made once and kept in
	// the database (shared by the replicas of that database).
	Secret []byte
	// URL builds a link's url: {token} is replaced by the token; empty: no url.
	URL string
}

// WithPreview configures preview links.
func WithPreview(c PreviewConfig) Option {
	return func(s *Service) { s.preview = c }
}

// PreviewLink is a new preview link.
type PreviewLink struct {
	Token     string
	URL       string
	ExpiresAt time.Time
}

// previewKeys holds the derived signing key once it is known.
type previewKeys struct {
	mu  sync.Mutex
	key []byte
}

// previewKey returns the key that signs preview tokens: derived from the
// configured secret, or from the database's when none is configured.
func (s *Service) previewKey(ctx context.Context) ([]byte, error) {
	s.previewKeys.mu.Lock()
	defer s.previewKeys.mu.Unlock()
	if s.previewKeys.key != nil {
		return s.previewKeys.key, nil
	}
	secret := s.preview.Secret
	if len(secret) == 0 {
		var err error
		if secret, err = s.store.ServerSecret(ctx, previewSecretName); err != nil {
			return nil, err
		}
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("broadsheet preview links v1"))
	s.previewKeys.key = m.Sum(nil)
	return s.previewKeys.key, nil
}

func previewMAC(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// CreatePreviewLink makes a link to preview an article for expiresIn
// seconds (DefaultPreviewTTL when nil, at most MaxPreviewTTL).
// A contributor may make links to the articles it may change (mayChange).
func (s *Service) CreatePreviewLink(ctx context.Context, id uint64, expiresIn *int) (*PreviewLink, error) {
	ttl := DefaultPreviewTTL
	if expiresIn != nil {
		if *expiresIn <= 0 || int64(*expiresIn) > int64(MaxPreviewTTL/time.Second) {
			return nil, apperr.Invalidf("expiresIn", "expiresIn must be between 1 and %d seconds (30 days)", int64(MaxPreviewTTL/time.Second))
		}
		ttl = time.Duration(*expiresIn) * time.Second
	}
	key, err := s.previewKey(ctx)
	if err != nil {
		return nil, err
	}
	var link *PreviewLink
	err = s.audited(ctx, ActionPreviewLink, id, func(a *models.Article) error {
		exp := s.Now().Add(ttl).Truncate(time.Second)
		payload := fmt.Sprintf("v1.%d.%d.%d", a.ID, a.PreviewGeneration, exp.Unix())
		token := base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(previewMAC(key, payload))
		link = &PreviewLink{Token: token, ExpiresAt: exp}
		if s.preview.URL != "" {
			link.URL = strings.ReplaceAll(s.preview.URL, "{token}", token)
		}
		return nil
	})
	return link, err
}

// RevokePreviewLinks ends every preview link of an article made so far.
func (s *Service) RevokePreviewLinks(ctx context.Context, id uint64) (*models.Article, error) {
	var out *models.Article
	err := s.audited(ctx, ActionRevokePreviews, id, func(a *models.Article) error {
		out = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// audited runs fn on an existing article inside one audited change.
func (s *Service) audited(ctx context.Context, action string, id uint64, fn func(a *models.Article) error) error {
	return s.change(ctx, action, "Article", id, func(tx TxStorage) (uint64, error) {
		a, err := tx.LockArticle(ctx, id)
		if err != nil {
			return 0, err
		}
		if a == nil || a.DeletedAt != nil {
			return 0, errNoArticle()
		}
		if err := s.mayChange(ctx, tx, a, action); err != nil {
			return a.ID, err
		}
		if action == ActionRevokePreviews {
			if err := tx.RevokePreviews(ctx, id); err != nil {
				return a.ID, err
			}
		}
		return a.ID, fn(a)
	})
}

// ErrPreviewInvalid is the one answer to every preview token that does not work.
func ErrPreviewInvalid() error {
	return apperr.New(apperr.PreviewLinkInvalid, "the preview link is invalid, expired or revoked")
}

// ArticlePreview returns the article a preview token names as it will
// look: a draft or scheduled article as it is, a published one with its
// staged changes. Needs no API token. Every token that does not work gives
// the same error through the same steps (the signature is checked with
// hmac.Equal and the article looked up whatever the outcome), so neither
// the answer nor its time tells why.
func (s *Service) ArticlePreview(ctx context.Context, token string) (*models.Article, error) {
	key, err := s.previewKey(ctx)
	if err != nil {
		return nil, err
	}
	var payload, sig []byte
	if len(token) <= maxPreviewToken {
		if p, sg, found := strings.Cut(token, "."); found {
			payload, _ = base64.RawURLEncoding.DecodeString(p)
			sig, _ = base64.RawURLEncoding.DecodeString(sg)
		}
	}
	ok := hmac.Equal(previewMAC(key, string(payload)), sig)
	id, gen, exp, parsed := parsePreviewPayload(string(payload))
	ok = ok && parsed
	curGen, exists, err := s.store.PreviewGeneration(ctx, id)
	if err != nil {
		return nil, err
	}
	ok = ok && exists && curGen == gen && s.now().Unix() < exp
	if !ok {
		return nil, ErrPreviewInvalid()
	}
	a, err := s.store.ArticleByID(ctx, store.Visibility{}, id)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, ErrPreviewInvalid()
	}
	if a.Status != models.StatusPublished {
		// Changes are staged on published articles only; those left from
		// before a take-down are not what this draft (or scheduled
		// article) will look like: its own content is.
		return a, nil
	}
	p, err := s.store.PendingChange(ctx, id)
	if err != nil || p == nil {
		return a, err
	}
	staged, err := decodeSnapshot(p.Snapshot)
	if err != nil {
		return nil, err
	}
	return s.withSnapshot(ctx, a, staged)
}

// parsePreviewPayload reads "v1.<id>.<generation>.<expiry>".
func parsePreviewPayload(p string) (id uint64, gen int, exp int64, ok bool) {
	parts := strings.Split(p, ".")
	if len(parts) != 4 || parts[0] != "v1" {
		return 0, 0, 0, false
	}
	id, err1 := strconv.ParseUint(parts[1], 10, 64)
	gen, err2 := strconv.Atoi(parts[2])
	exp, err3 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, 0, 0, false
	}
	return id, gen, exp, true
}
