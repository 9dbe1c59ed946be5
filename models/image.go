package models

import (
	"time"

	"github.com/broadsheet/broadsheet/internal/globalid"
)

// Image is a picture in the media library. The original lies in the blob
// store under Key; renditions are made from it on demand.
type Image struct {
	ID uint64 `gorm:"primaryKey"`
	// Key is the original's blob key. It is never served as it is: what a
	// reader gets is always re-encoded from decoded pixels (no EXIF).
	Key string `gorm:"column:blob_key"`
	// Width and Height are the displayed size, EXIF orientation applied.
	Width, Height int
	// MimeType is the original's type, sniffed from its bytes.
	MimeType string `gorm:"column:mime_type"`
	// Bytes is the original's size.
	Bytes    int64
	Filename string
	// SHA256 is the hex digest of the original's bytes.
	SHA256  string `gorm:"column:sha256"`
	Alt     string
	Caption string
	Credit  string
	// FocalX and FocalY say what matters in the picture, as fractions of
	// its width and height (0.5, 0.5 is the centre); crops keep it in view.
	FocalX float64 `gorm:"column:focal_x"`
	FocalY float64 `gorm:"column:focal_y"`
	// Placeholder is a tiny data: URI (a 12 px PNG, a few hundred bytes) shown
	// while the picture loads.
	Placeholder string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// IsNode marks Image as a GraphQL Node.
func (Image) IsNode() {}

// GlobalID is the image's Relay global id.
func (i *Image) GlobalID() string { return globalid.ID(globalid.TypeImage, i.ID) }

// FocalPoint is the point of an image that crops keep in view.
type FocalPoint struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// FocalPoint returns the image's focal point.
func (i *Image) FocalPoint() *FocalPoint { return &FocalPoint{X: i.FocalX, Y: i.FocalY} }
