package content_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/related"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

// TestImportedArticlesRelateByTextAndLinks imports an archive in one batch,
// as the import command does, and rebuilds the suggestions: the imported
// articles are suggested for what they say and what they link to, not
// only for their section and time. A bulk load once skipped indexing the
// articles' words and links along with their scoring, so that the rebuild
// at its end found neither.
func TestImportedArticlesRelateByTextAndLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		svc := content.New(content.StorageOf(store.New(db)))
		ctx := content.AsSystem(context.Background(), "import:test")
		day := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
		at := func(d int) *time.Time { t := day.AddDate(0, 0, d); return &t }
		items := []content.ImportItem{
			{Source: "test", ExternalID: "1", Title: "Harbour dredging delayed by silt survey", Slug: "harbour-dredging",
				Body:    "The harbour dredging project waits for a silt survey. Dredging the harbour channel costs the port authority millions.",
				Section: "Local", Status: models.StatusPublished, PublishedAt: at(0)},
			{Source: "test", ExternalID: "2", Title: "Port authority approves harbour dredging budget",
				Body:    "After the silt survey the port authority approved the harbour dredging budget. See [the delay](article:harbour-dredging).",
				Section: "Local", Status: models.StatusPublished, PublishedAt: at(3)},
			{Source: "test", ExternalID: "3", Title: "Library opens on Sundays",
				Body:    "Readers asked for weekend hours and the library listened.",
				Section: "Local", Status: models.StatusPublished, PublishedAt: at(1)},
		}
		outs, err := svc.ImportBatch(ctx, items, false)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range outs {
			if o.Result != content.ImportCreated {
				t.Fatalf("item %d: %+v", i, o)
			}
		}
		check := func(when string) {
			t.Helper()
			if _, err := svc.RebuildRelated(ctx); err != nil {
				t.Fatal(err)
			}
			cands, err := svc.RelatedCandidates(editor, outs[1].ArticleID, nil)
			if err != nil || len(cands) == 0 {
				t.Fatalf("%s: candidates of the budget article: %v, %v", when, cands, err)
			}
			top := cands[0]
			if top.Article.ID != outs[0].ArticleID {
				t.Fatalf("%s: top candidate %q, want the dredging article it links to and shares words with", when, top.Article.Slug)
			}
			kinds := map[related.ReasonKind]bool{}
			for _, r := range top.Reasons {
				kinds[r.Kind] = true
			}
			for _, k := range []related.ReasonKind{related.ReasonLinked, related.ReasonSimilarText, related.ReasonSameSection} {
				if !kinds[k] {
					t.Errorf("%s: reasons lack %s: %+v", when, k, top.Reasons)
				}
			}
		}
		check("imported")
		scores := func() []store.RelatedScore {
			t.Helper()
			var rows []store.RelatedScore
			if err := db.Order("article_id, candidate_id").Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			return rows
		}
		indexed := scores()

		// An archive imported before bulk loads indexed words and links:
		// the rebuild (broadsheet related rebuild) indexes them first, and
		// scores as it would have had they been there.
		for _, table := range []string{"article_keywords", "article_links"} {
			if err := db.Exec("DELETE FROM " + table).Error; err != nil {
				t.Fatal(err)
			}
		}
		check("rebuilt over an unindexed archive")
		if got := scores(); !slices.Equal(got, indexed) {
			t.Errorf("suggestions rebuilt over the unindexed archive:\n%v\nwant those of the indexed one:\n%v", got, indexed)
		}
	})
}
