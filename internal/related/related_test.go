package related_test

import (
	"context"
	"slices"
	"testing"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/related"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
)

// TestRebuildMatchesRefresh: the full rebuild (in memory) and the refresh of
// one article (in SQL) find the same suggestions for the same data.
func TestRebuildMatchesRefresh(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: slow; runs in the full suite")
	}
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		svc := content.New(content.StorageOf(store.New(db)))
		if err := demo.Seed(context.Background(), svc); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := demo.Synthetic(ctx, demo.StorageOf(store.New(db)), svc, 150, demo.SyntheticOptions{Seed: 5}); err != nil {
			t.Fatal(err)
		}
		all, err := store.New(db).AllRelatedFeatures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rebuilt := map[uint64][]store.RelatedScore{}
		nonEmpty := 0
		for _, f := range all {
			rebuilt[f.ID], err = store.New(db).RelatedScoresOf(ctx, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(rebuilt[f.ID]) > 0 {
				nonEmpty++
			}
		}
		if nonEmpty < len(all)*9/10 {
			t.Fatalf("only %d of %d articles have suggestions after the rebuild", nonEmpty, len(all))
		}
		sources, err := related.CandidateSources(ctx, store.New(db))
		if err != nil {
			t.Fatal(err)
		}
		for id, both := range sources {
			if !slices.Equal(both[0], both[1]) {
				t.Fatalf("article %d: candidates in SQL %v, in memory %v", id, both[0], both[1])
			}
		}
		for _, f := range all {
			if err := svc.RefreshRelated(ctx, f.ID); err != nil {
				t.Fatal(err)
			}
			got, err := store.New(db).RelatedScoresOf(ctx, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, rebuilt[f.ID]) {
				t.Fatalf("article %d (%s): refresh found\n%v\nrebuild found\n%v", f.ID, f.Slug, got, rebuilt[f.ID])
			}
		}
	})
}
