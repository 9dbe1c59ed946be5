package content_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

// TestConcurrentSavesAllSucceed: editors saving related articles at the
// same time (shared tags and sections, so their related-article lists
// overlap, and new tags) all get their saves through. On MySQL such saves
// used to deadlock on each other's suggestion rows, often enough that
// retries did not help (5% edits in the load harness's mix lost a third).
func TestConcurrentSavesAllSucceed(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: slow; runs in the full suite")
	}
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		svc := seeded(t, db)
		if err := demo.Synthetic(ctx, demo.StorageOf(store.New(db)), svc, 120, demo.SyntheticOptions{Seed: 7}); err != nil {
			t.Fatal(err)
		}
		list, err := store.New(db).ListArticles(ctx, store.ArticleFilter{}, models.SortPublishedAt, page.Request{First: 24, Desc: true})
		if err != nil {
			t.Fatal(err)
		}
		const editors, saves = 6, 8
		var wg sync.WaitGroup
		errs := make(chan error, editors*saves)
		for e := range editors {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range saves {
					a := list.Items[(e*5+i*7)%len(list.Items)]
					sub := fmt.Sprintf("Updated by editor %d, save %d: the budget, the election and the climate summit", e, i)
					tags := []string{"Politics", fmt.Sprintf("Desk %d", e), fmt.Sprintf("Story %d-%d", e, i)}
					if _, err := svc.UpdateArticle(editor, a.ID, content.ArticleChanges{Subtitle: &sub, Tags: &tags}, nil); err != nil {
						errs <- fmt.Errorf("editor %d, save %d of article %d: %w", e, i, a.ID, err)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}
