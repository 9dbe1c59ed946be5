package dbconn

import (
	"strings"
	"sync"

	"gorm.io/gorm"
)

// writeHooks fans a successful write statement out to listeners. The GORM
// callbacks are registered once per connection; listeners come and go.
type writeHooks struct {
	mu        sync.RWMutex
	next      int
	listeners map[int]func(*gorm.Statement)
}

func (h *writeHooks) fire(tx *gorm.DB) {
	if tx.Error != nil || tx.Statement == nil {
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, f := range h.listeners {
		f(tx.Statement)
	}
}

func registerWriteHooks(db *gorm.DB, h *writeHooks) error {
	c := db.Callback()
	for _, err := range []error{
		c.Create().After("gorm:create").Register("broadsheet:write_create", h.fire),
		c.Update().After("gorm:update").Register("broadsheet:write_update", h.fire),
		c.Delete().After("gorm:delete").Register("broadsheet:write_delete", h.fire),
		c.Raw().After("gorm:raw").Register("broadsheet:write_raw", func(tx *gorm.DB) {
			sql := strings.TrimSpace(tx.Statement.SQL.String())
			if len(sql) > 6 && !strings.EqualFold(sql[:6], "select") {
				h.fire(tx)
			}
		}),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// OnWrite calls f after every successful INSERT, UPDATE, DELETE or raw
// write statement on db (inside transactions too, before they commit).
// The returned func stops the calls.
func (db *DB) OnWrite(f func(stmt *gorm.Statement)) (stop func()) {
	h := db.writes
	if h == nil {
		return func() {}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.listeners == nil {
		h.listeners = map[int]func(*gorm.Statement){}
	}
	id := h.next
	h.next++
	h.listeners[id] = f
	return func() {
		h.mu.Lock()
		delete(h.listeners, id)
		h.mu.Unlock()
	}
}
