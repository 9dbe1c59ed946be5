package models

import "time"

// PendingChange is the content staged on a published article: readers keep
// seeing the live article until the change is published (now, or by the
// scheduler at PublishAt) or discarded.
type PendingChange struct {
	ArticleID uint64 `gorm:"primaryKey;autoIncrement:false"`
	// Snapshot is the pending content as JSON (see content.Snapshot).
	Snapshot  string
	StagedBy  string
	StagedAt  time.Time
	PublishAt *time.Time
}

// TableName is the GORM table name.
func (PendingChange) TableName() string { return "article_pending_changes" }

// ServerSecret is a key the server made itself, shared by every replica
// through the database.
type ServerSecret struct {
	Name      string `gorm:"primaryKey"`
	Secret    string
	CreatedAt time.Time
}

// TableName is the GORM table name.
func (ServerSecret) TableName() string { return "server_secrets" }
