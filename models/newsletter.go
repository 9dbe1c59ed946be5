package models

import "time"

// Newsletter subscription statuses.
const (
	SubscriberPending      = "PENDING"
	SubscriberConfirmed    = "CONFIRMED"
	SubscriberUnsubscribed = "UNSUBSCRIBED"
)

// NewsletterSubscriber is one address signed up for the newsletter. Tokens
// are stored as SHA-256 hashes only.
type NewsletterSubscriber struct {
	ID             uint64 `gorm:"primaryKey"`
	Email          string
	Status         string
	Topics         string // comma-separated section slugs; empty means all
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ConfirmedAt    *time.Time
	UnsubscribedAt *time.Time
}

// Purposes of newsletter link tokens.
const (
	TokenConfirm = "confirm"
	TokenManage  = "manage"
)

// NewsletterToken is a token in an emailed link, stored by hash.
type NewsletterToken struct {
	TokenHash    string `gorm:"primaryKey"`
	SubscriberID uint64
	Purpose      string
	ExpiresAt    *time.Time
	CreatedAt    time.Time
}

// Mail statuses.
const (
	MailPending = "pending"
	MailSent    = "sent"
	MailFailed  = "failed"
)

// Mail is one queued email.
type Mail struct {
	ID            uint64 `gorm:"primaryKey"`
	ToAddr        string
	Subject       string
	Body          string
	Headers       string // JSON object
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LockedUntil   *time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

// TableName is the GORM table name.
func (Mail) TableName() string { return "mail_queue" }
