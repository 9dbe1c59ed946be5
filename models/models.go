// Package models holds the GORM structs that back Broadsheet's content.
// gqlgen binds the GraphQL types in schema.graphql to these structs, so a
// field added here and in the schema needs no hand-written mapping.
package models

import (
	"io"
	"strconv"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

// ArticleStatus is where an article stands in the editorial workflow.
type ArticleStatus string

// The article statuses. Only PUBLISHED articles whose PublishedAt has passed
// are visible to readers.
const (
	StatusDraft     ArticleStatus = "DRAFT"
	StatusScheduled ArticleStatus = "SCHEDULED"
	StatusPublished ArticleStatus = "PUBLISHED"
	StatusArchived  ArticleStatus = "ARCHIVED"
)

// AllArticleStatuses lists every status in workflow order.
var AllArticleStatuses = []ArticleStatus{StatusDraft, StatusScheduled, StatusPublished, StatusArchived}

// IsValid reports whether s is one of the known statuses.
func (s ArticleStatus) IsValid() bool {
	switch s {
	case StatusDraft, StatusScheduled, StatusPublished, StatusArchived:
		return true
	}
	return false
}

// UnmarshalGQL implements graphql.Unmarshaler.
func (s *ArticleStatus) UnmarshalGQL(v any) error {
	str, ok := v.(string)
	if !ok {
		return apperr.Invalidf("status", "ArticleStatus must be a string")
	}
	*s = ArticleStatus(str)
	if !s.IsValid() {
		return apperr.Invalidf("status", "%q is not a valid ArticleStatus", apperr.Clip(str, 32))
	}
	return nil
}

// MarshalGQL implements graphql.Marshaler.
func (s ArticleStatus) MarshalGQL(w io.Writer) { io.WriteString(w, strconv.Quote(string(s))) }

// CoverImage is the picture shown at the top of an article and in teasers.
type CoverImage struct {
	URL     string `gorm:"column:url;size:2048;not null;default:''"`
	Alt     string `gorm:"column:alt;size:512;not null;default:''"`
	Caption string `gorm:"column:caption;size:1024;not null;default:''"`
	Credit  string `gorm:"column:credit;size:255;not null;default:''"`
	// ImageID is the media-library picture used as the cover (0: none);
	// URL is then empty and the picture's renditions are served instead.
	ImageID RefID `gorm:"column:image_id"`
}

// Article is one story. Body holds the Markdown source; BodyHTML the
// sanitised rendering, computed when the article is saved so that reads do
// no rendering work.
type Article struct {
	ID       uint64 `gorm:"primaryKey"`
	Slug     string
	Title    string
	Subtitle string
	Body     string
	BodyHTML string `gorm:"column:body_html"`
	// BodyBlocks is the body as structured blocks (JSON of
	// []markdown.Block), derived with BodyHTML on save; "" for an article
	// saved before blocks were stored (parsed on read).
	BodyBlocks string `gorm:"column:body_blocks"`
	// BodyText is the body as plain text, rendered with BodyHTML; the
	// full-text index reads it. Written on save, never loaded by article
	// queries (search selects it explicitly for snippets).
	BodyText           string `gorm:"column:body_text;->:false;<-"`
	Excerpt            string
	Status             ArticleStatus
	PublishedAt        *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
	DeletedAt          *time.Time
	ReadingTimeMinutes int
	WordCount          int
	Cover              CoverImage `gorm:"embedded;embeddedPrefix:cover_"`
	CanonicalURL       string     `gorm:"column:canonical_url"`
	CategoryID         *uint64
	Version            int
	// Locale is the article's language, a configured BCP 47 tag.
	Locale string
	// TranslationGroup links an article with its translations: the id of
	// the group's first article, 0 for an article with none.
	TranslationGroup uint64 `gorm:"column:translation_group"`
	// SEO holds the editor's search-engine fields (empty: fall back).
	SEOFields ArticleSEO `gorm:"embedded"`
	// ExpiresAt is when a published article leaves the site by itself
	// (readers stop seeing it at that instant; the scheduler then takes it
	// down); nil for never.
	ExpiresAt *time.Time
	// EmbargoUntil is the earliest time the article may be published; nil
	// for no embargo.
	EmbargoUntil *time.Time
	// PreviewGeneration is the generation every valid preview link of the
	// article names; revoking the links increments it. Never shown.
	PreviewGeneration int
	// LiveVersion is the version readers see: that of the last change they
	// could see. Changes readers do not see (staged edits) bump Version,
	// the editors' conflict counter, and leave it; readers' queries read
	// it into Version (see the store's articleColumns).
	LiveVersion int
	// Relations, when set, holds the byline, section and tags loaded with
	// the article (live updates); resolvers then need no query for them.
	Relations *ArticleRelations `gorm:"-"`

	// CreatedByAccountID is the account that created the article (nil for
	// articles created by accountless tokens or before accounts existed).
	CreatedByAccountID *uint64
	// ReviewState is where the article stands in review (NONE by default).
	ReviewState ReviewState
}

// CoverImage returns the article's cover, or nil when it has none.
func (a *Article) CoverImage() *CoverImage {
	if a.Cover.URL == "" && a.Cover.ImageID == 0 {
		return nil
	}
	c := a.Cover
	return &c
}

// Author is a person credited on articles.
type Author struct {
	ID        uint64 `gorm:"primaryKey"`
	Slug      string
	Name      string
	Bio       string
	AvatarURL string `gorm:"column:avatar_url"`
	JobTitle  string
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt *time.Time
}

// AvatarURLOrNil is the portrait URL for the API: null rather than an
// empty string when the author has none.
func (a *Author) AvatarURLOrNil() *string {
	if a.AvatarURL == "" {
		return nil
	}
	return &a.AvatarURL
}

// Category is a section of the publication (World, Business, …).
type Category struct {
	ID          uint64 `gorm:"primaryKey"`
	Slug        string
	Name        string
	Description string
	Position    int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Categories is the GORM table name (plural of category).
func (Category) TableName() string { return "categories" }

// CategoryTranslation is a section's name and description in one locale
// other than the default (whose are the category's own).
type CategoryTranslation struct {
	CategoryID  uint64 `gorm:"primaryKey"`
	Locale      string `gorm:"primaryKey"`
	Name        string
	Description string
}

// TagTranslation is a tag's name in one locale other than the default.
type TagTranslation struct {
	TagID  uint64 `gorm:"primaryKey"`
	Locale string `gorm:"primaryKey"`
	Name   string
}

// Tag is a free-form topic label.
type Tag struct {
	ID        uint64 `gorm:"primaryKey"`
	Slug      string
	Name      string
	CreatedAt time.Time
}

// ArticleAuthor credits an author on an article; Position orders the byline.
type ArticleAuthor struct {
	ArticleID uint64 `gorm:"primaryKey"`
	AuthorID  uint64 `gorm:"primaryKey"`
	Position  int
}

// ArticleTag attaches a tag to an article.
type ArticleTag struct {
	ArticleID uint64 `gorm:"primaryKey"`
	TagID     uint64 `gorm:"primaryKey"`
}

// IsNode marks the types that implement the GraphQL Node interface.
func (Article) IsNode()  {}
func (Author) IsNode()   {}
func (Category) IsNode() {}
func (Tag) IsNode()      {}

// ArticleSort names what article lists are sorted by (the values of the
// ArticleOrderField enum).
type ArticleSort string

// The article orderings.
const (
	SortPublishedAt ArticleSort = "PUBLISHED_AT"
	SortUpdatedAt   ArticleSort = "UPDATED_AT"
	SortTitle       ArticleSort = "TITLE"
)

// SortValue returns a's value for the ordering, for building its cursor.
func (f ArticleSort) SortValue(a *Article) any {
	switch f {
	case SortUpdatedAt:
		return a.UpdatedAt
	case SortTitle:
		return a.Title
	default:
		return a.PublishedAt
	}
}
