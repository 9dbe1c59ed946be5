// Package app wires one Broadsheet server from its parts: the database,
// the stores, the services, the path of live updates (commit → outbox relay
// → broker → hub, in live.go) and the HTTP handler; and runs it until it is
// told to stop. Commands parse flags into a Config; everything they start
// is put together here.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/locale"
	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/newsletter"
	"github.com/broadsheet/broadsheet/internal/newsletter/mail"
	"github.com/broadsheet/broadsheet/internal/permalink"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/web/persisted"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/internal/web/tracing"
	"github.com/broadsheet/broadsheet/internal/webhooks"
)

// Config is everything a server is built from.
type Config struct {
	DB     *dbconn.DB
	Logger *slog.Logger
	// Server holds the transport's settings (guardrails, caching, limits);
	// New fills in the services.
	Server server.Config
	Live   LiveConfig
	// Demo fills an empty embedded database with the demo content.
	Demo bool
	// ScheduleSweep is how often due scheduled articles are looked for.
	ScheduleSweep time.Duration
	// PublicURL is the base of links in emails.
	PublicURL string
	// Publication is who publishes and the public addresses (URL pattern);
	// zero: content.DefaultPublication over PublicURL.
	Publication content.Publication
	// Preview signs preview links and builds their URL.
	Preview content.PreviewConfig
	// SMTPURL sends email; unset, emails go to the log.
	SMTPURL  string
	Webhooks webhooks.Config
	// RedisURL shares persisted queries between replicas; TrustedDocuments
	// (a file) runs only registered documents instead.
	RedisURL, TrustedDocuments string
	// APQTTL is how long Redis keeps a persisted query after its last use.
	APQTTL time.Duration
	// OTLPEndpoint receives traces.
	OTLPEndpoint string
	// MemoryLimit, when positive, is the process's soft memory limit
	// without live subscribers; Serve raises it by MemoryPerSubscriber for
	// each connected one and by the search index's size. Zero leaves the
	// limit alone (GOMEMLIMIT set).
	MemoryLimit int64
	// MetricsAddr and PprofAddr serve /metrics and the profiler aside.
	MetricsAddr, PprofAddr string
	// Media configures the media library.
	Media MediaConfig
	// DrainDelay is how long /readyz fails before the listener closes;
	// Grace how long in-flight requests then get.
	DrainDelay, Grace time.Duration
	// OIDC, when set, accepts single sign-on tokens besides API tokens.
	OIDC *auth.OIDCConfig
	// EmbedProviders names the providers whose URLs become embeds in
	// article bodies (and whose players iframes may load); nil: all.
	EmbedProviders []string
	// Locales are the publication's languages, the default first (nil:
	// English only).
	Locales *locale.Set
}

// App is one wired server.
type App struct {
	cfg     Config
	log     *slog.Logger
	Handler *server.Server
	Content *content.Service
	live    *Live
	hooks   *webhooks.Worker
	mail    *mail.Worker
	closers []func(context.Context)
}

// New builds the server: services over the stores, the live path, the
// workers, and the HTTP handler. Close releases what it opened.
func New(ctx context.Context, cfg Config) (_ *App, err error) {
	log := cfg.Logger
	a := &App{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			a.Close(context.Background())
		}
	}()
	db := cfg.DB
	lc := cfg.Live
	a.live, err = StartLive(db, lc.PubSubURL, LiveOptions{Logger: log, Sweep: lc.Sweep, Retention: lc.Retention})
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func(context.Context) { a.live.Close() })
	log.Info("live updates", "pubsub", a.live.Broker.Name(), "outbox_consumer", a.live.Relay.Consumer())
	if a.live.Broker.Name() == "memory" && db.Dialect == dbconn.MySQL {
		// MySQL is what several replicas share; SQLite is one process.
		log.Warn("live updates and response-cache purges reach only this replica with the in-memory broker " +
			"(other replicas still get every event through their own brokers); " +
			"when several replicas share this database, set --pubsub redis://… or nats://… (BROADSHEET_PUBSUB)")
	}

	// The webhooks worker needs the service and the service wakes the
	// worker; the worker exists before anything can commit.
	consumers := []string{events.ConsumerBroker, events.ConsumerWebhooks}
	if cfg.Locales == nil {
		cfg.Locales = locale.Default()
	}
	// Articles from before translations existed are in the default locale.
	started := time.Now()
	if n, err := store.New(db).AssignDefaultLocale(ctx, cfg.Locales.Default()); err != nil {
		return nil, err
	} else if n > 0 {
		log.Info("gave existing articles the default locale", "locale", cfg.Locales.Default(), "articles", n, "took", time.Since(started).Round(time.Millisecond))
	}
	pub, err := publication(cfg)
	if err != nil {
		return nil, err
	}
	md, err := markdown.NewWith(markdown.Config{EmbedProviders: cfg.EmbedProviders})
	if err != nil {
		return nil, err
	}
	svc := content.New(content.StorageOf(store.New(db)), a.live.ContentOption(consumers, func() { a.hooks.Wake() }), content.WithPublication(pub), content.WithPreview(cfg.Preview), content.WithRenderer(md), content.WithMaxEntryBytes(lc.MaxEntryBytes), content.WithLocales(cfg.Locales))
	a.Content = svc
	a.hooks = webhooks.NewWorker(store.New(db), svc, cfg.Webhooks, log)
	mailer, from, err := newMailer(cfg.SMTPURL, db.Dialect, log)
	if err != nil {
		return nil, err
	}
	a.mail = mail.NewWorker(mail.Worker{Store: store.New(db), Mailer: mailer, From: from, Log: log})
	letters := newsletter.New(newsletter.StorageOf(store.New(db)), newsletter.Config{PublicURL: cfg.PublicURL, Queued: a.mail.Wake,
		Consumers: []string{events.ConsumerWebhooks}, Committed: a.hooks.Wake})

	sc := cfg.Server
	sc.Content, sc.Newsletter, sc.Webhooks = svc, letters, webhooks.New(store.New(db), cfg.Webhooks)
	if sc.Media, err = a.openMedia(ctx, store.New(db)); err != nil {
		return nil, err
	}
	sc.DB, sc.Logger = db, log
	tokens := auth.NewTokens(store.New(db))
	if cfg.OIDC != nil {
		oc := *cfg.OIDC
		oc.Logger = log
		if _, err := tokens.WithOIDC(oc, store.New(db)); err != nil {
			return nil, err
		}
		log.Info("single sign-on on", "issuer", oc.Issuer, "audience", oc.Audience)
	}
	sc.Authenticate = tokens.Authenticate
	sc.OutboxConsumers = consumers
	sc.AllowedOrigins = lc.Origins
	sc.KeepAlive = lc.KeepAlive
	if sc.KeepAlive == 0 {
		sc.KeepAlive = -1
	}
	sc.ExposeMetrics = cfg.MetricsAddr == ""
	if cfg.Demo && db.Dialect == dbconn.SQLite {
		if err := seedDemo(ctx, store.New(db), svc, sc.Media, log); err != nil {
			return nil, err
		}
	}
	if err := a.openTransportParts(ctx, &sc); err != nil {
		return nil, err
	}
	if err := a.live.StartHub(svc, live.Options{Buffer: lc.Buffer, MaxSubscriptions: lc.MaxSubscriptions, MaxPerConnection: lc.MaxPerConnection, Retention: lc.Retention}); err != nil {
		log.Error("live updates: subscribe to broker", "err", err)
	}
	sc.Live = a.live.Hub
	// After the hub listens: an article changed while the index is being
	// built is either read by the build or queued by its event.
	indexCtx, stopIndex := context.WithCancel(context.Background())
	a.closers = append(a.closers, func(context.Context) { stopIndex() })
	svc.StartSearchIndex(indexCtx, log)
	a.Handler = server.New(sc)
	a.live.SetPurge(a.Handler.Purge)
	return a, nil
}

// publication is cfg.Publication, or the default one at cfg.PublicURL.
func publication(cfg Config) (content.Publication, error) {
	p := cfg.Publication
	if p.Links != nil {
		return p, nil
	}
	d := content.DefaultPublication()
	if p.Name == "" {
		p.Name = d.Name
	}
	if p.Language == "" {
		p.Language = d.Language
	}
	p.Links = d.Links
	if cfg.PublicURL != "" {
		l, err := permalink.New(cfg.PublicURL, "")
		if err != nil {
			return p, fmt.Errorf("public URL: %w", err)
		}
		p.Links = l
	}
	return p, nil
}

// openTransportParts opens the persisted-query store and the tracer.
func (a *App) openTransportParts(ctx context.Context, sc *server.Config) error {
	if a.cfg.TrustedDocuments != "" {
		t, err := persisted.LoadTrusted(a.cfg.TrustedDocuments)
		if err != nil {
			return err
		}
		sc.Trusted = t
		a.log.Info("trusted documents mode: only registered documents run", "documents", t.Len())
	} else if a.cfg.RedisURL != "" {
		r, err := persisted.NewRedis(ctx, persisted.RedisOptions{URL: a.cfg.RedisURL, Logger: a.log, TTL: a.cfg.APQTTL, LocalBytes: sc.APQCacheBytes})
		if err != nil {
			return err
		}
		sc.APQCache = r
		a.closers = append(a.closers, func(context.Context) { r.Close() })
	}
	if a.cfg.OTLPEndpoint != "" {
		t, err := tracing.Setup(ctx, tracing.Options{Endpoint: a.cfg.OTLPEndpoint})
		if err != nil {
			return err
		}
		sc.Tracing = t
		a.closers = append(a.closers, func(ctx context.Context) { t.Shutdown(ctx) })
		a.log.Info("tracing to OTLP collector", "endpoint", a.cfg.OTLPEndpoint)
	}
	return nil
}

// seedDemo adds the demo content to an empty database.
func seedDemo(ctx context.Context, st *store.Store, svc *content.Service, lib *media.Service, log *slog.Logger) error {
	empty, err := demo.Empty(ctx, demo.StorageOf(st))
	if err != nil || !empty {
		return err
	}
	if err := demo.Seed(ctx, svc, demo.WithCovers(lib)); err != nil {
		return err
	}
	log.Info("added demo content to the empty database", "articles", len(demo.Articles))
	return nil
}

// newMailer sends through smtpURL, or to the log when it is unset.
func newMailer(smtpURL string, dialect dbconn.Dialect, log *slog.Logger) (mail.Mailer, string, error) {
	if smtpURL != "" {
		m, err := mail.NewSMTPMailer(smtpURL)
		if err != nil {
			return nil, "", err
		}
		return m, m.From(), nil
	}
	if dialect == dbconn.MySQL {
		// Trying the flow locally is what the log mailer is for; on a
		// production database it would put readers' addresses and their
		// confirmation links in the logs.
		log.Warn("no --smtp-url: newsletter emails, with readers' addresses and links, are written to this log instead of sent")
	}
	return mail.LogMailer{Log: log}, "newsletter@localhost", nil
}

// Close releases what New opened (broker, Redis, tracer), last first.
func (a *App) Close(ctx context.Context) {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i](ctx)
	}
	a.closers = nil
}

// Serve runs the workers and serves ln until ctx ends, then drains: /readyz
// fails for DrainDelay (a second SIGINT or SIGTERM cuts it short) so load
// balancers stop routing here, the listener closes, in-flight requests get
// Grace to finish, live connections are closed and the outbox is flushed.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	go a.Content.RunScheduler(ctx, a.cfg.ScheduleSweep, a.log)
	if a.cfg.MemoryLimit > 0 {
		needs := memoryNeeds{searchIndex: a.Content.SearchIndexBytes}
		if a.live != nil && a.live.Hub != nil {
			hub := a.live.Hub
			needs.subscribers = func() int { return hub.Stats().Subscribers }
		}
		go followMemory(ctx, needs, a.cfg.MemoryLimit, 2*time.Second)
	}
	hooksStopped := make(chan struct{})
	go func() {
		defer close(hooksStopped)
		a.hooks.Run(ctx, 15*time.Second)
	}()
	go a.mail.Run(ctx, 10*time.Second)
	if a.cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", a.Handler.Metrics().Handler())
		if err := serveAside(ctx, "metrics", a.cfg.MetricsAddr, mux, a.log); err != nil {
			return err
		}
	}
	if a.cfg.PprofAddr != "" {
		if err := serveAside(ctx, "profiler", a.cfg.PprofAddr, pprofMux(), a.log); err != nil {
			return err
		}
	}
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Drain: /readyz fails so load balancers stop routing here, requests
	// are still served; then stop accepting and let in-flight ones finish.
	// A second signal skips the rest of the delay.
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	a.Handler.Drain()
	a.log.Info("draining", "delay", a.cfg.DrainDelay.String())
	select {
	case <-time.After(a.cfg.DrainDelay):
	case <-again:
	case err := <-errc:
		return err
	}
	a.log.Info("shutting down", "grace", a.cfg.Grace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), a.cfg.Grace)
	defer cancel()
	// Stop accepting and let in-flight requests finish; meanwhile end every
	// subscription and close websockets with 1001 Going Away (Shutdown does
	// not wait for hijacked connections). Then publish what the last
	// mutations left in the outbox.
	liveClosed := make(chan struct{})
	srv.RegisterOnShutdown(func() {
		defer close(liveClosed)
		a.Handler.CloseLive(shutdownCtx)
	})
	err := srv.Shutdown(shutdownCtx)
	select { // Shutdown does not wait for its hooks: the close frames must go out
	case <-liveClosed:
	case <-shutdownCtx.Done():
	}
	// The outbox flush has its own budget: requests that used up the grace
	// period must not also cost the events of the last mutations their
	// prompt delivery (they are not lost either way: the next start, or
	// another replica's relay, publishes them).
	flushCtx, cancelFlush := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelFlush()
	a.live.Flush(flushCtx)
	// Webhook attempts still in flight get the grace too, so their outcome
	// is recorded rather than left for their lease to run out.
	select {
	case <-hooksStopped:
	case <-shutdownCtx.Done():
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// serveAside serves a mux on its own address (metrics, profiler) until
// ctx ends.
func serveAside(ctx context.Context, what, addr string, mux *http.ServeMux, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s for %s: %w", addr, what, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(what+" server", "err", err)
		}
	}()
	log.Info("serving "+what, "addr", ln.Addr().String())
	return nil
}
