package models

import (
	"io"
	"strconv"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

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
	// AccountID is the person the token acts for; nil for tokens made
	// before accounts (or without one), attributed to the token's name.
	AccountID *uint64
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
	// AccountID is the person who made the change, when known.
	AccountID *uint64
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
	// AccountID is the person who acted, when known.
	AccountID *uint64
}

// TableName is the GORM table name.
func (AuditEntry) TableName() string { return "audit_log" }

// Account is a person of the newsroom: API tokens and single sign-on
// identities act as one, and revisions, audit entries and review notes
// name it.
type Account struct {
	ID    uint64 `gorm:"primaryKey"`
	Email string
	Name  string
	// Role is reader, contributor, editor or admin (as auth.ParseRole reads it).
	Role string
	// AuthorID links the account to its byline, so a contributor may
	// change the articles it is credited on.
	AuthorID  *uint64
	CreatedAt time.Time
}

// ReviewState is where an article stands in review.
type ReviewState string

// The review states.
const (
	ReviewNone             ReviewState = "NONE"
	ReviewInReview         ReviewState = "IN_REVIEW"
	ReviewChangesRequested ReviewState = "CHANGES_REQUESTED"
	ReviewApproved         ReviewState = "APPROVED"
)

// IsValid reports whether s is a known review state.
func (s ReviewState) IsValid() bool {
	switch s {
	case ReviewNone, ReviewInReview, ReviewChangesRequested, ReviewApproved:
		return true
	}
	return false
}

// UnmarshalGQL implements graphql.Unmarshaler.
func (s *ReviewState) UnmarshalGQL(v any) error {
	str, ok := v.(string)
	if !ok {
		return apperr.Invalidf("reviewState", "ReviewState must be a string")
	}
	*s = ReviewState(str)
	if !s.IsValid() {
		return apperr.Invalidf("reviewState", "%q is not a valid ReviewState", apperr.Clip(str, 32))
	}
	return nil
}

// MarshalGQL implements graphql.Marshaler; a row from before review
// (empty) is NONE.
func (s ReviewState) MarshalGQL(w io.Writer) {
	if s == "" {
		s = ReviewNone
	}
	io.WriteString(w, strconv.Quote(string(s)))
}

// ReviewNote is one review transition: the state it led to, the note that
// came with it, and who made it.
type ReviewNote struct {
	ID        uint64 `gorm:"primaryKey"`
	ArticleID uint64
	State     ReviewState
	Note      string
	Actor     string
	AccountID *uint64
	CreatedAt time.Time
}
