package models

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/globalid"
)

// LiveBlog marks an article as a live blog: a stream of short entries
// written while a story unfolds. It is live from StartedAt until EndedAt.
type LiveBlog struct {
	ArticleID uint64 `gorm:"primaryKey;autoIncrement:false"`
	StartedAt time.Time
	EndedAt   *time.Time
	// ContributorsMayPost lets contributors post entries (and correct and
	// delete their own); editors always may.
	ContributorsMayPost bool
	// LastSeq and LastAt are the outbox sequence number and time of the
	// blog's latest change when it was loaded (LiveBlog.cursor): read before
	// its entries, so a client that subscribes from it misses nothing.
	LastSeq uint64    `gorm:"-"`
	LastAt  time.Time `gorm:"-"`
}

// TableName is the GORM table name.
func (LiveBlog) TableName() string { return "live_blogs" }

// IsLive reports whether entries may still be posted.
func (b *LiveBlog) IsLive() bool { return b.EndedAt == nil }

// LiveEntry is one entry of a live blog. Deleted entries keep their row
// (DeletedAt) so a change feed can name them, but are never shown.
type LiveEntry struct {
	ID        uint64 `gorm:"primaryKey"`
	ArticleID uint64
	Title     string
	Body      string // Markdown
	BodyHTML  string `gorm:"column:body_html"`
	// BodyBlocks is the body as structured blocks (JSON of
	// markdown.Blocks), derived on save like BodyHTML.
	BodyBlocks string `gorm:"column:body_blocks"`
	AuthorIDs  string // comma-separated author ids (see Authors)
	IsKeyEvent bool
	IsPinned   bool
	Version    int
	// CorrectionText and CorrectedAt are set when the entry was changed
	// after readers had seen it.
	CorrectionText string
	CorrectedAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeletedAt      *time.Time
	// CreatedByAccountID is the account that posted the entry (nil for
	// tokens without an account): a contributor may change what it posted.
	CreatedByAccountID *uint64
	// ImagesRecorded says live_entry_images holds the pictures the body
	// shows (every save since migration 00026 records them).
	ImagesRecorded bool
	// AuthorList, when set, is the byline loaded with the entry (live
	// updates): resolvers then need no query per subscriber.
	AuthorList []*Author `gorm:"-"`
}

// TableName is the GORM table name.
func (LiveEntry) TableName() string { return "live_entries" }

// GlobalID is the entry's Relay global id.
func (e *LiveEntry) GlobalID() string { return globalid.ID(globalid.TypeLiveEntry, e.ID) }

// Authors returns the entry's author ids in byline order.
func (e *LiveEntry) Authors() []uint64 {
	var ids []uint64
	for _, f := range strings.Split(e.AuthorIDs, ",") {
		if n, err := strconv.ParseUint(f, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	return ids
}

// SetAuthors stores ids as the entry's byline.
func (e *LiveEntry) SetAuthors(ids []uint64) {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatUint(id, 10)
	}
	e.AuthorIDs = strings.Join(s, ",")
}

// LiveEntryVersion is an earlier text of a corrected entry.
type LiveEntryVersion struct {
	ID        uint64 `gorm:"primaryKey"`
	EntryID   uint64
	Version   int
	Title     string
	Body      string
	Actor     string
	CreatedAt time.Time
}

// TableName is the GORM table name.
func (LiveEntryVersion) TableName() string { return "live_entry_history" }

// Byline is the entry's authors as loaded with it (AuthorList), read in
// line by LiveEntry.authors: the content service loads it with every entry
// it hands out, in one query per list or event.
func (e *LiveEntry) Byline() []*Author {
	if e.AuthorList == nil {
		return []*Author{}
	}
	return e.AuthorList
}

// TitleOrNil is the entry's title, or nil when it has none.
func (e *LiveEntry) TitleOrNil() *string {
	if e.Title == "" {
		return nil
	}
	return &e.Title
}

// LiveEntryCorrection is what readers are told about a corrected entry.
type LiveEntryCorrection struct {
	Text string
	At   time.Time
}

// Correction returns the entry's correction, or nil when it has none.
func (e *LiveEntry) Correction() *LiveEntryCorrection {
	if e.CorrectedAt == nil {
		return nil
	}
	return &LiveEntryCorrection{Text: e.CorrectionText, At: *e.CorrectedAt}
}

// TitleOrNil is the earlier title, or nil when there was none.
func (v *LiveEntryVersion) TitleOrNil() *string {
	if v.Title == "" {
		return nil
	}
	return &v.Title
}

// IsNode marks LiveEntry as a GraphQL Node.
func (LiveEntry) IsNode() {}

// LiveChangeKind is what happened to a live blog (the schema's
// LiveBlogChangeKind: POSTED, UPDATED, …). A Go type of its own marshals in
// line, with no resolver (and no goroutine) per subscriber and event.
type LiveChangeKind string

// MarshalGQL writes the enum value.
func (k LiveChangeKind) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL reads the enum value.
func (k *LiveChangeKind) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("LiveBlogChangeKind must be a string, not %T", v)
	}
	*k = LiveChangeKind(s)
	return nil
}
