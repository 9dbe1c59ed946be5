package related

import (
	"context"

	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Store is the storage the engine reads and writes: articles' features,
// corpus statistics and the stored suggestions (*store.Store, usually a
// transaction).
type Store interface {
	ArticleWithText(ctx context.Context, id uint64) (*store.ArticleText, error)
	ReplaceArticleIndex(ctx context.Context, articleID uint64, keywords, linkSlugs []string) error
	RelatedFeaturesOf(ctx context.Context, ids []uint64, ff store.FeatureFilter) (map[uint64]*store.RelatedFeatures, error)
	AllRelatedFeatures(ctx context.Context) ([]*store.RelatedFeatures, error)
	TagsByArticleIDs(ctx context.Context, articleIDs []uint64) (map[uint64][]*models.Tag, error)

	CorpusSize(ctx context.Context) (int, error)
	TagFrequencies(ctx context.Context, tagIDs []uint64) (map[uint64]int, error)
	KeywordFrequencies(ctx context.Context, keywords []string, limit int) (map[string]int, error)
	CandidateIDs(ctx context.Context, q store.CandidateQuery) ([]uint64, error)

	TouchPicksOf(ctx context.Context, articleID uint64) error
	RelatedScoreFloors(ctx context.Context, ids []uint64) (map[uint64]store.ListFloor, error)
	ReplaceRelatedScores(ctx context.Context, articleID uint64, rows []store.RelatedScore) error
	UpsertRelatedScores(ctx context.Context, rows []store.RelatedScore) error
	RemoveFromRelatedScores(ctx context.Context, articleID uint64) error
	TrimRelatedScores(ctx context.Context, ids []uint64, keep int) error
	ReplaceAllRelatedScores(ctx context.Context, rows []store.RelatedScore) error
}

var _ Store = (*store.Store)(nil)
