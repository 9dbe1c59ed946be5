package models

import "time"

// APIToken lets an editorial tool act with a role. Only the SHA-256 of the
// token is stored; the token is shown once, when it is created.
type APIToken struct {
	ID        uint64 `gorm:"primaryKey"`
	Name      string
	Role      string
	TokenHash string
	CreatedAt time.Time
	RevokedAt *time.Time
	// LastUsedAt is when a request last presented the token, to within
	// auth.TouchEvery; nil if it never was.
	LastUsedAt *time.Time
	// ExpiresAt is when the token stops working by itself; nil for never.
	ExpiresAt *time.Time
}

// TableName is the GORM table name.
func (APIToken) TableName() string { return "api_tokens" }

// ArticleRevision is an article as it was after one saved change.
type ArticleRevision struct {
	ID        uint64 `gorm:"primaryKey"`
	ArticleID uint64
	Version   int
	Actor     string
	Action    string
	// ChangedFields is a comma-separated list of the fields the change touched.
	ChangedFields string
	// SnapshotJSON is the article's full content as JSON (see content.Snapshot).
	SnapshotJSON string `gorm:"column:snapshot"`
	CreatedAt    time.Time
}

// AuditEntry records one mutation: who, what, on which object, and how it ended.
type AuditEntry struct {
	ID         uint64 `gorm:"primaryKey"`
	Actor      string
	Action     string
	ObjectType string
	ObjectID   uint64
	Outcome    string
	Detail     string
	CreatedAt  time.Time
}

// TableName is the GORM table name.
func (AuditEntry) TableName() string { return "audit_log" }
