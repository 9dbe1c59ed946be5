package store

import (
	"context"
	"fmt"
	"slices"
)

// ---- Full rebuilds ----

// AllRelatedFeatures loads the features of every article, deleted ones
// included (they count in document frequencies, as in the incremental path).
func (s *Store) AllRelatedFeatures(ctx context.Context) ([]*RelatedFeatures, error) {
	var rows []featureRow
	if err := s.q(ctx).Table("articles").Select(featureColumns).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load articles for related: %w", err)
	}
	out := make([]*RelatedFeatures, len(rows))
	byID := make(map[uint64]*RelatedFeatures, len(rows))
	for i, r := range rows {
		out[i] = r.features()
		byID[r.ID] = out[i]
	}
	loadIDs := func(what, table, col string, set func(f *RelatedFeatures, v uint64)) error {
		rs, err := s.q(ctx).Table(table).Select("article_id, " + col).Order("article_id, " + col).Rows()
		if err != nil {
			return fmt.Errorf("load %s for related: %w", what, err)
		}
		defer rs.Close()
		for rs.Next() {
			var id, v uint64
			if err := rs.Scan(&id, &v); err != nil {
				return fmt.Errorf("load %s for related: %w", what, err)
			}
			if f := byID[id]; f != nil {
				set(f, v)
			}
		}
		return rs.Err()
	}
	if err := loadIDs("tags", "article_tags", "tag_id", func(f *RelatedFeatures, v uint64) { f.Tags = append(f.Tags, v) }); err != nil {
		return nil, err
	}
	if err := loadIDs("authors", "article_authors", "author_id", func(f *RelatedFeatures, v uint64) { f.Authors = append(f.Authors, v) }); err != nil {
		return nil, err
	}
	interned := map[string]string{}
	loadStrings := func(what, table, col string, set func(f *RelatedFeatures, v string)) error {
		rs, err := s.q(ctx).Table(table).Select("article_id, " + col).Rows()
		if err != nil {
			return fmt.Errorf("load %s for related: %w", what, err)
		}
		defer rs.Close()
		for rs.Next() {
			var id uint64
			var v string
			if err := rs.Scan(&id, &v); err != nil {
				return fmt.Errorf("load %s for related: %w", what, err)
			}
			if w, ok := interned[v]; ok {
				v = w
			} else {
				interned[v] = v
			}
			if f := byID[id]; f != nil {
				set(f, v)
			}
		}
		return rs.Err()
	}
	if err := loadStrings("keywords", "article_keywords", "keyword", func(f *RelatedFeatures, v string) { f.Keywords = append(f.Keywords, v) }); err != nil {
		return nil, err
	}
	if err := loadStrings("links", "article_links", "target_slug", func(f *RelatedFeatures, v string) { f.Links = append(f.Links, v) }); err != nil {
		return nil, err
	}
	for _, f := range out {
		slices.Sort(f.Keywords)
		slices.Sort(f.Links)
	}
	return out, nil
}

// ReplaceAllRelatedScores replaces every stored suggestion with rows.
func (s *Store) ReplaceAllRelatedScores(ctx context.Context, rows []RelatedScore) error {
	if err := s.q(ctx).Where("1 = 1").Delete(&RelatedScore{}).Error; err != nil {
		return fmt.Errorf("clear suggestions: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	if err := s.q(ctx).CreateInBatches(rows, 2000).Error; err != nil {
		return fmt.Errorf("store %d suggestions: %w", len(rows), err)
	}
	return nil
}
