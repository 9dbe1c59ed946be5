package dbconn

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// IsUnavailable reports whether err means the database could not be
// reached (as opposed to a query that failed): refused or reset
// connections, timeouts dialling, connections that died under a query.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, ErrDown):
		return true
	case errors.As(err, &netErr):
		return true
	}
	return false
}

// ErrDown is returned while the database is known to be unreachable.
var ErrDown = errors.New("the database is unreachable")

// Health tracks whether the database answers, so that during an outage
// requests fail at once instead of each waiting for a connection attempt
// to time out. A statement that fails for want of a connection makes it
// suspect the database; one ping then decides, and while the database is
// down a background probe pings it until it answers again.
type Health struct {
	ping     func(context.Context) error
	interval time.Duration

	down     atomic.Bool
	checking atomic.Bool
	mu       sync.Mutex
	onChange []func(up bool)
	stop     chan struct{}
	stopOnce sync.Once
}

// NewHealth returns a tracker that pings with ping every interval while
// the database is down.
func NewHealth(ping func(context.Context) error, interval time.Duration) *Health {
	if interval <= 0 {
		interval = time.Second
	}
	return &Health{ping: ping, interval: interval, stop: make(chan struct{})}
}

// Stop ends a running probe (when the connection pool is closed).
func (h *Health) Stop() { h.stopOnce.Do(func() { close(h.stop) }) }

// OnChange registers f to hear when the database goes down or comes back.
func (h *Health) OnChange(f func(up bool)) {
	h.mu.Lock()
	h.onChange = append(h.onChange, f)
	h.mu.Unlock()
}

// Up reports whether the database is believed to answer.
func (h *Health) Up() bool { return !h.down.Load() }

// Check returns ErrDown while the database is down.
func (h *Health) Check(context.Context) error {
	if h.down.Load() {
		return ErrDown
	}
	return nil
}

// Suspect is called when a statement failed for want of a connection: one
// ping (at a time) decides whether the database is down.
func (h *Health) Suspect() {
	if h.down.Load() || !h.checking.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer h.checking.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := h.ping(ctx)
		cancel()
		if err != nil && h.down.CompareAndSwap(false, true) {
			h.notify(false)
			go h.probe()
		}
	}()
}

// probe pings until the database answers again.
func (h *Health) probe() {
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := h.ping(ctx)
		cancel()
		if err == nil {
			h.down.Store(false)
			h.notify(true)
			return
		}
	}
}

func (h *Health) notify(up bool) {
	h.mu.Lock()
	fs := append([]func(bool){}, h.onChange...)
	h.mu.Unlock()
	for _, f := range fs {
		f(up)
	}
}

// Watch makes h suspect the database whenever a statement on db fails for
// want of a connection.
func (h *Health) Watch(db *gorm.DB) error {
	check := func(tx *gorm.DB) {
		if tx.Error != nil && IsUnavailable(tx.Error) {
			h.Suspect()
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("broadsheet:health_query", check),
		cb.Row().After("gorm:row").Register("broadsheet:health_row", check),
		cb.Raw().After("gorm:raw").Register("broadsheet:health_raw", check),
		cb.Create().After("gorm:create").Register("broadsheet:health_create", check),
		cb.Update().After("gorm:update").Register("broadsheet:health_update", check),
		cb.Delete().After("gorm:delete").Register("broadsheet:health_delete", check),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
