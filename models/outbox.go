package models

import "time"

// OutboxEvent is one event in the outbox: written in the same transaction as
// the change it describes, then handed on by each consumer (the broker relay
// for live updates; webhooks later).
type OutboxEvent struct {
	// Seq orders events in the outbox.
	Seq uint64 `gorm:"primaryKey;column:seq"`
	// EventID is the event's unique id (a UUID), the same on every replica
	// and every delivery, so duplicates are recognisable.
	EventID string
	// Type names what happened, e.g. article.published.
	Type       string
	ObjectType string
	ObjectID   uint64
	Actor      string
	// Payload is the event's details as JSON (see internal/events).
	Payload   string
	CreatedAt time.Time
}

// TableName is the GORM table name.
func (OutboxEvent) TableName() string { return "outbox_events" }

// OutboxPending marks an event a consumer has not handled yet.
type OutboxPending struct {
	Consumer string `gorm:"primaryKey"`
	EventSeq uint64 `gorm:"primaryKey"`
}

// TableName is the GORM table name.
func (OutboxPending) TableName() string { return "outbox_pending" }

// OutboxBroker is a broker the outbox relays publish to, registered by the
// relays that use it. Consumer is the broker's consumer name in
// outbox_pending; the row with the empty name is a lock anchor.
type OutboxBroker struct {
	Consumer  string `gorm:"primaryKey"`
	SeenAt    time.Time
	ExpiresAt time.Time
}

// TableName is the GORM table name.
func (OutboxBroker) TableName() string { return "outbox_brokers" }
