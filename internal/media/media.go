// Package media is the media library: pictures uploaded by editors, kept in
// a blob store (gocloud.dev/blob: a directory, or any S3-compatible store),
// described in the database, and served as renditions made on demand at
// signed /media/ URLs (see rendition.go).
package media

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"gocloud.dev/blob"
	"golang.org/x/sync/singleflight"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Defaults of the limits.
const (
	DefaultMaxUploadBytes = 25 << 20
	DefaultMaxPixels      = 50_000_000
)

// Limits of an image's description.
const (
	MaxAltRunes     = 1000
	MaxCaptionRunes = 2000
	MaxCreditRunes  = 255
)

// Storage is what the library keeps in the database (*store.Store).
type Storage interface {
	SaveImage(ctx context.Context, img *models.Image) error
	ImageByID(ctx context.Context, id uint64) (*models.Image, error)
	DeleteImage(ctx context.Context, id uint64) error
	ListImages(ctx context.Context, search string, p page.Request) (*page.List[*models.Image], error)
	ArticlesUsingImage(ctx context.Context, imageID uint64) ([]store.ArticleUse, error)
	// Tx runs fn in a transaction (a change and its outbox event).
	Tx(ctx context.Context, fn func(tx *store.Store) error) error
}

var _ Storage = (*store.Store)(nil)

// Config sets the library's limits and its URL signing key.
type Config struct {
	// MaxUploadBytes refuses larger files (default DefaultMaxUploadBytes).
	MaxUploadBytes int64
	// MaxPixels refuses pictures with more pixels, read from their header
	// before decoding (default DefaultMaxPixels).
	MaxPixels int64
	// Secret signs rendition URLs; every replica needs the same one.
	Secret []byte
	// URLPrefix goes before /media/… in the URLs handed out ("" for
	// site-relative URLs, or e.g. https://news.example.com).
	URLPrefix string
	// OnRender, when set, is called each time a rendition is actually made
	// (not served from the blob store): tests count renders with it.
	OnRender func()
	// MaxConcurrentRenders bounds the renditions made at once (default:
	// GOMAXPROCS). Each holds its decoded original in memory (up to
	// MaxPixels × 4 bytes: 200 MB at 50 MP), and a picture has hundreds
	// of sizes (picture.SnapPlan bounds them): unbounded, a burst of first
	// requests would take all the memory and every core.
	MaxConcurrentRenders int
	// Consumers, when set, get an outbox event (events.ImageUpdated,
	// ImageDeleted) for every change to a picture, written in the change's
	// transaction: every replica's hub then purges its cached answers
	// showing the picture at once, not at their max-age. Committed is
	// called after each such commit (it wakes the relay; must not block).
	Consumers []string
	Committed func()
}

// Service is the media library.
type Service struct {
	st     Storage
	bucket *blob.Bucket
	cfg    Config
	flight singleflight.Group
	// renders counts renditions made by this process.
	renders atomic.Int64
	// slots holds a token per rendition being made (MaxConcurrentRenders);
	// waiting counts those queued for one.
	slots   chan struct{}
	waiting atomic.Int64
}

// New returns the library over st and bucket.
func New(st Storage, bucket *blob.Bucket, cfg Config) (*Service, error) {
	if len(cfg.Secret) < 16 {
		return nil, fmt.Errorf("media: the URL signing secret must be at least 16 bytes")
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if cfg.MaxPixels <= 0 {
		cfg.MaxPixels = DefaultMaxPixels
	}
	if cfg.MaxConcurrentRenders <= 0 {
		cfg.MaxConcurrentRenders = runtime.GOMAXPROCS(0)
	}
	cfg.URLPrefix = strings.TrimRight(cfg.URLPrefix, "/")
	return &Service{st: st, bucket: bucket, cfg: cfg, slots: make(chan struct{}, cfg.MaxConcurrentRenders)}, nil
}

// MaxUploadBytes is the largest file accepted.
func (s *Service) MaxUploadBytes() int64 { return s.cfg.MaxUploadBytes }

// Renders is how many renditions this process has made.
func (s *Service) Renders() int64 { return s.renders.Load() }

// RendersWaiting is how many renditions wait for one of the
// MaxConcurrentRenders slots.
func (s *Service) RendersWaiting() int64 { return s.waiting.Load() }

// ByID returns an image, or nil.
func (s *Service) ByID(ctx context.Context, id uint64) (*models.Image, error) {
	return s.st.ImageByID(ctx, id)
}

// List returns a page of the library, newest first.
func (s *Service) List(ctx context.Context, search string, args page.Args) (*page.List[*models.Image], error) {
	p, err := args.Request(true)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(search) > 200 {
		return nil, apperr.Invalidf("search", "search is longer than 200 characters")
	}
	return s.st.ListImages(ctx, search, p)
}

// Input is a description of an image; nil fields stay as they are.
type Input struct {
	Alt, Caption, Credit *string
	Focal                *models.FocalPoint
}

// apply validates in and writes it onto img.
func (in Input) apply(img *models.Image) error {
	var errs apperr.FieldErrors
	check := func(field string, v *string, limit int, dst *string) {
		if v == nil {
			return
		}
		t := strings.TrimSpace(*v)
		if utf8.RuneCountInString(t) > limit {
			errs = append(errs, apperr.Invalidf(field, "%s is longer than %d characters", field, limit))
			return
		}
		*dst = t
	}
	check("alt", in.Alt, MaxAltRunes, &img.Alt)
	check("caption", in.Caption, MaxCaptionRunes, &img.Caption)
	check("credit", in.Credit, MaxCreditRunes, &img.Credit)
	if f := in.Focal; f != nil {
		if !(f.X >= 0 && f.X <= 1 && f.Y >= 0 && f.Y <= 1) {
			errs = append(errs, apperr.Invalidf("focalPoint", "focal point coordinates are fractions between 0 and 1"))
		} else {
			img.FocalX, img.FocalY = f.X, f.Y
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Update changes an image's description.
func (s *Service) Update(ctx context.Context, id uint64, in Input) (*models.Image, error) {
	img, err := s.st.ImageByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if img == nil {
		return nil, notFound(id)
	}
	if err := in.apply(img); err != nil {
		return nil, err
	}
	if err := s.write(ctx, events.ImageUpdated, img, func(st Storage) error { return st.SaveImage(ctx, img) }); err != nil {
		return nil, err
	}
	return img, nil
}

// write runs change with the picture's outbox event in one transaction
// when the library has consumers, else on its own.
func (s *Service) write(ctx context.Context, typ string, img *models.Image, change func(st Storage) error) error {
	if len(s.cfg.Consumers) == 0 {
		return change(s.st)
	}
	action := map[string]string{events.ImageUpdated: "image.update", events.ImageDeleted: "image.delete"}[typ]
	err := s.st.Tx(ctx, func(tx *store.Store) error {
		if err := change(tx); err != nil {
			return err
		}
		row, err := events.NewRow(typ, events.ObjectImage, img.ID, actor(ctx), time.Now(), events.Payload{Action: action})
		if err != nil {
			return err
		}
		return tx.AppendEvents(ctx, s.cfg.Consumers, row)
	})
	if err == nil && s.cfg.Committed != nil {
		s.cfg.Committed()
	}
	return err
}

// actor names who made a change in its event: the token's name.
func actor(ctx context.Context) string {
	if v := auth.ViewerFrom(ctx); v.TokenName != "" {
		return v.TokenName
	}
	return "system"
}

// InUseError refuses to delete an image articles use; Articles lists them.
type InUseError struct {
	Err      *apperr.Error
	Articles []uint64
}

func (e *InUseError) Error() string { return e.Err.Error() }
func (e *InUseError) Unwrap() error { return e.Err }

// Delete removes an image, its original and its renditions, unless an
// article uses it (an *InUseError naming them).
func (s *Service) Delete(ctx context.Context, id uint64) (*models.Image, error) {
	img, err := s.st.ImageByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if img == nil {
		return nil, notFound(id)
	}
	uses, err := s.st.ArticlesUsingImage(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(uses) > 0 {
		var ids []uint64
		var names []string
		for _, u := range uses {
			// An article with the picture as cover and in its body is
			// named twice in the message, listed once in usedBy.
			if !slices.Contains(ids, u.ArticleID) {
				ids = append(ids, u.ArticleID)
			}
			names = append(names, fmt.Sprintf("%q (%s)", u.Slug, u.Where))
		}
		return nil, &InUseError{Err: &apperr.Error{Kind: apperr.Invalid, Code: "IN_USE", Field: "id",
			Message: "the picture is used by " + strings.Join(names, ", ") + ": remove it from them first"}, Articles: ids}
	}
	if err := s.write(ctx, events.ImageDeleted, img, func(st Storage) error { return st.DeleteImage(ctx, id) }); err != nil {
		return nil, err
	}
	// The row is gone, so no new URL can be signed for it; the blobs go
	// after (a failure leaves orphans, never a broken picture).
	s.deleteBlobs(ctx, img)
	return img, nil
}

func notFound(id uint64) error {
	return &apperr.Error{Kind: apperr.NotFound, Code: "NOT_FOUND", Field: "id",
		Message: fmt.Sprintf("no image with id %q", globalid.ID(globalid.TypeImage, id))}
}
