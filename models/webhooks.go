package models

import "time"

// Webhook is a receiver of signed event notifications.
type Webhook struct {
	ID          uint64 `gorm:"primaryKey"`
	URL         string `gorm:"column:url"`
	Events      string // comma-separated event names
	Description string
	Secret      string
	Active      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DeletedAt   *time.Time
}

// Webhook delivery statuses.
const (
	DeliveryPending   = "PENDING"
	DeliveryDelivered = "DELIVERED"
	DeliveryFailed    = "FAILED"
)

// WebhookDelivery is one event on its way to one webhook.
type WebhookDelivery struct {
	ID        uint64 `gorm:"primaryKey"`
	WebhookID uint64
	EventID   string
	EventType string
	// Sequence numbers the webhook's deliveries in the order they were
	// queued (webhooks.last_sequence is the last one handed out; it is not
	// in Webhook, so saving a webhook never moves it back).
	Sequence       uint64
	Body           string
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	LockedUntil    *time.Time
	LastStatusCode int
	LastError      string
	CreatedAt      time.Time
	DeliveredAt    *time.Time
}
