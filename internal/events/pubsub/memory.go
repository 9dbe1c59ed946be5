package pubsub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
)

// Memory is the in-process broker: what one replica publishes, its own
// handlers receive. Delivery runs on its own goroutine, so publishing never
// waits for subscribers.
type Memory struct {
	mu       sync.Mutex
	handlers map[int]Handler
	next     int
	queue    []Message
	wake     chan struct{}
	closed   bool
	done     chan struct{}
	identity string
}

// NewMemory returns an in-process broker.
func NewMemory() *Memory {
	m := &Memory{handlers: map[int]Handler{}, wake: make(chan struct{}, 1), done: make(chan struct{}), identity: memoryIdentity()}
	go m.deliver()
	return m
}

// Name implements Broker.
func (m *Memory) Name() string { return "memory" }

// Identity implements Broker: unique to this broker (and so this process),
// with the host and process id for people reading it.
func (m *Memory) Identity() string { return m.identity }

func memoryIdentity() string {
	host, _ := os.Hostname()
	if len(host) > 40 {
		host = host[:40]
	}
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("memory:%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Publish implements Broker.
func (m *Memory) Publish(_ context.Context, msgs []Message) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrNotReady
	}
	m.queue = append(m.queue, msgs...)
	select { // under the lock, so Close cannot close wake meanwhile
	case m.wake <- struct{}{}:
	default:
	}
	m.mu.Unlock()
	return nil
}

// Subscribe implements Broker.
func (m *Memory) Subscribe(ctx context.Context, h Handler) error {
	m.mu.Lock()
	id := m.next
	m.next++
	m.handlers[id] = h
	m.mu.Unlock()
	context.AfterFunc(ctx, func() {
		m.mu.Lock()
		delete(m.handlers, id)
		m.mu.Unlock()
	})
	return nil
}

func (m *Memory) deliver() {
	defer close(m.done)
	for range m.wake {
		for {
			m.mu.Lock()
			if len(m.queue) == 0 {
				closed := m.closed
				m.mu.Unlock()
				if closed {
					return
				}
				break
			}
			batch := m.queue
			m.queue = nil
			hs := make([]Handler, 0, len(m.handlers))
			for _, h := range m.handlers {
				hs = append(hs, h)
			}
			m.mu.Unlock()
			for _, msg := range batch {
				for _, h := range hs {
					h(msg)
				}
			}
		}
	}
}

// Ready implements Broker: memory is always ready until closed.
func (m *Memory) Ready(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrNotReady
	}
	return nil
}

// Close delivers what is queued and stops.
func (m *Memory) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	close(m.wake)
	m.mu.Unlock()
	<-m.done
	return nil
}
