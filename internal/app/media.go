package app

import (
	"context"
	"log/slog"
	"net/url"

	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
)

// MediaConfig configures the media library.
type MediaConfig struct {
	// URL is the blob store: file://DIR or s3://BUCKET?… (required).
	URL string
	// Secret signs rendition URLs; empty: generated once and kept in the
	// store (shared by the replicas that share the store).
	Secret string
	// MaxUploadBytes and MaxPixels bound uploads (defaults in media).
	MaxUploadBytes, MaxPixels int64
	// URLPrefix goes before /media/… in the URLs the API hands out.
	URLPrefix string
	// OnRender hears each rendition made (tests).
	OnRender func()
	// Consumers and Committed: see media.Config (the app sets them, so
	// every replica purges a changed picture's answers at once).
	Consumers []string
	Committed func()
}

// openMedia opens the media library's store and service; without a store
// URL there is no library.
func (a *App) openMedia(ctx context.Context, st *store.Store) (*media.Service, error) {
	if a.cfg.Media.URL == "" {
		a.log.Warn("no --media store: uploads and pictures are off")
		return nil, nil
	}
	mc := a.cfg.Media
	// Picture changes are outbox events for the brokers (purges on every
	// replica); webhooks do not carry them.
	mc.Consumers, mc.Committed = []string{events.ConsumerBroker}, a.live.Relay.Wake
	lib, closeLib, err := OpenMedia(ctx, st, a.cfg.DB.Dialect, mc, a.log)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func(context.Context) { closeLib() })
	return lib, nil
}

// OpenMedia opens the media library described by mc over st; close
// releases its store.
func OpenMedia(ctx context.Context, st *store.Store, dialect dbconn.Dialect, mc MediaConfig, log *slog.Logger) (_ *media.Service, close func(), err error) {
	bucket, err := media.OpenBucket(ctx, mc.URL)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			bucket.Close()
		}
	}()
	secret, err := media.Secret(ctx, bucket, mc.Secret)
	if err != nil {
		return nil, nil, err
	}
	u, _ := url.Parse(mc.URL)
	if u != nil && u.Scheme == "file" && dialect == dbconn.MySQL {
		log.Warn("the media library is a local directory: replicas sharing this database need a shared store (--media s3://…)", "media", mc.URL)
	}
	lib, err := media.New(st, bucket, media.Config{MaxUploadBytes: mc.MaxUploadBytes, MaxPixels: mc.MaxPixels,
		Secret: secret, URLPrefix: mc.URLPrefix, OnRender: mc.OnRender, Consumers: mc.Consumers, Committed: mc.Committed})
	if err != nil {
		return nil, nil, err
	}
	log.Info("media library", "store", redactURL(mc.URL))
	return lib, func() { bucket.Close() }, nil
}

// redactURL drops credentials and query parameters (which may hold keys)
// from a store URL for the log.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}
