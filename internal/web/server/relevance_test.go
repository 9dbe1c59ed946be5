package server_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/models"
)

// relevanceSet is testdata/relevance.json: articles added to the demo
// content, with what a human editor would call related and what a reader's
// search should find.
type relevanceSet struct {
	Articles []struct {
		Slug, Title, Subtitle, Body, Category string
		Tags, Authors                         []string
		PublishedAt                           time.Time
	}
	Related map[string][]string
	Search  []struct {
		Query    string
		Relevant []string
	}
}

func loadRelevanceSet(t testing.TB, s *testserver.Server) relevanceSet {
	t.Helper()
	raw, err := os.ReadFile("../../../testdata/relevance.json")
	if err != nil {
		t.Fatal(err)
	}
	var set relevanceSet
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatalf("testdata/relevance.json: %v", err)
	}
	ctx := context.Background()
	if err := demo.Seed(ctx, s.Content); err != nil {
		t.Fatal(err)
	}
	for _, a := range set.Articles {
		in := content.ArticleInput{Slug: a.Slug, Title: a.Title, Subtitle: a.Subtitle, Body: a.Body, Category: a.Category, Tags: a.Tags, Status: models.StatusPublished, PublishedAt: &a.PublishedAt}
		for _, sl := range a.Authors {
			au, err := s.Content.LookupAuthor(ctx, 0, sl)
			if err != nil || au == nil {
				t.Fatalf("author %s: %v", sl, err)
			}
			in.AuthorIDs = append(in.AuthorIDs, au.ID)
		}
		if _, err := s.Content.CreateArticle(ctx, in); err != nil {
			t.Fatalf("create %s: %v", a.Slug, err)
		}
	}
	return set
}

// hitsAt3 counts the relevant results among the first three.
func hitsAt3(got, relevant []string) int {
	hits := 0
	for _, g := range got[:min(3, len(got))] {
		if slices.Contains(relevant, g) {
			hits++
		}
	}
	return hits
}

// precisionAt3 is the standard precision at 3: the share of three result
// slots filled by relevant articles. A query with fewer than three
// relevant articles cannot reach 1.
func precisionAt3(got, relevant []string) float64 { return float64(hitsAt3(got, relevant)) / 3 }

// cappedPrecisionAt3 counts against what a perfect ranking could reach:
// min(3, relevant) (R-precision at a cut-off of 3).
func cappedPrecisionAt3(got, relevant []string) float64 {
	return float64(hitsAt3(got, relevant)) / float64(min(3, len(relevant)))
}

// TestRelatedPrecisionAt3 measures related(first: 3) against the labelled
// set, as articles are created one by one (incremental refreshes) and after
// a full rebuild.
func TestRelatedPrecisionAt3(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil)
		set := loadRelevanceSet(t, s)
		measure := func(stage string) float64 {
			sum := 0.0
			for slug, relevant := range set.Related {
				var got struct {
					Article struct{ Related []struct{ Slug string } }
				}
				s.MustData(t, testserver.Request{Query: `query($s: String!) { article(slug: $s) { related(first: 3) { slug } } }`, Variables: map[string]any{"s": slug}}, &got)
				var slugs []string
				for _, r := range got.Article.Related {
					slugs = append(slugs, r.Slug)
				}
				p := precisionAt3(slugs, relevant)
				if p < 1 {
					t.Logf("%s: %s: precision@3 %.2f: %v", stage, slug, p, slugs)
				}
				sum += p
			}
			mean := sum / float64(len(set.Related))
			t.Logf("%s: related precision@3 = %.3f over %d labelled articles", stage, mean, len(set.Related))
			return mean
		}
		incremental := measure("incremental")
		if _, err := s.Content.RebuildRelated(context.Background()); err != nil {
			t.Fatal(err)
		}
		rebuilt := measure("rebuilt")
		for stage, p := range map[string]float64{"incremental": incremental, "rebuilt": rebuilt} {
			if p < 0.85 {
				t.Errorf("%s: related precision@3 %.3f, want at least 0.85", stage, p)
			}
		}
	})
}

// TestSearchPrecisionAt3 measures search(first: 3) against the labelled
// queries; the first result must always be relevant.
func TestSearchPrecisionAt3(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil)
		set := loadRelevanceSet(t, s)
		var standard, ideal, capped float64
		for _, q := range set.Search {
			got, _ := search(t, s, "", q.Query, map[string]any{"first": 3})
			slugs := got.slugs()
			if len(slugs) == 0 || !slices.Contains(q.Relevant, slugs[0]) {
				t.Errorf("search %q: first result %v is not relevant", q.Query, slugs)
			}
			c := cappedPrecisionAt3(slugs, q.Relevant)
			if c < 1 {
				t.Logf("search %q: %d of %d relevant in the first 3: %v", q.Query, hitsAt3(slugs, q.Relevant), min(3, len(q.Relevant)), slugs)
			}
			standard += precisionAt3(slugs, q.Relevant)
			ideal += precisionAt3(q.Relevant, q.Relevant)
			capped += c
		}
		n := float64(len(set.Search))
		// Most labelled queries have one or two relevant articles, so the
		// standard figure's ceiling is well under 1: both are reported.
		t.Logf("search precision@3 = %.3f (a perfect ranking: %.3f); capped at min(3, relevant) = %.3f, over %d labelled queries",
			standard/n, ideal/n, capped/n, len(set.Search))
		if capped/n < 0.85 {
			t.Errorf("search precision@3 capped at min(3, relevant) %.3f, want at least 0.85", capped/n)
		}
	})
}
