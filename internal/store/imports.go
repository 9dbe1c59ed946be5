package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/models"
)

// importSource maps an item of an imported archive to the article it became.
type importSource struct {
	Source     string `gorm:"primaryKey"`
	ExternalID string `gorm:"primaryKey;column:external_id"`
	ArticleID  uint64
	ImportedAt time.Time
}

func (importSource) TableName() string { return "import_sources" }

// ImportedArticle returns the id of the article that the item (source,
// externalID) was imported as, or 0 when it never was (or the article has
// since been deleted for good).
func (s *Store) ImportedArticle(ctx context.Context, source, externalID string) (uint64, error) {
	var ids []uint64
	err := s.q(ctx).Model(&importSource{}).Where("source = ? AND external_id = ?", source, externalID).Limit(1).Pluck("article_id", &ids).Error
	if err != nil {
		return 0, fmt.Errorf("look up imported item %s %q: %w", source, externalID, err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// RecordImport remembers that the item (source, externalID) is article id.
func (s *Store) RecordImport(ctx context.Context, source, externalID string, id uint64, at time.Time) error {
	row := importSource{Source: source, ExternalID: externalID, ArticleID: id, ImportedAt: at}
	err := s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "source"}, {Name: "external_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"article_id", "imported_at"}),
	}).Create(&row).Error
	return translate(fmt.Sprintf("record imported item %s %q", source, externalID), err)
}

// ImageBySHA256 returns a media-library image with these bytes (the hex
// digest of its original), or nil: an import uploads each picture once,
// however many articles or runs use it.
func (s *Store) ImageBySHA256(ctx context.Context, sum string) (*models.Image, error) {
	var img models.Image
	r, err := notFound(&img, s.q(ctx).Where("sha256 = ?", sum).Order("id").Take(&img).Error)
	if err != nil {
		return nil, fmt.Errorf("look up image %s: %w", sum, err)
	}
	return r, nil
}
