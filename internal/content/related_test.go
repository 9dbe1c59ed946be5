package content_test

import (
	"context"
	"github.com/broadsheet/broadsheet/internal/related"
	"slices"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

var (
	reader = context.Background()
	editor = auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Editor, TokenName: "test"})
)

func seeded(t *testing.T, db *dbconn.DB) *content.Service {
	t.Helper()
	svc := content.New(content.StorageOf(store.New(db)))
	if err := demo.Seed(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	return svc
}

func bySlug(t *testing.T, svc *content.Service, slug string) *models.Article {
	t.Helper()
	a, err := svc.ArticleBySlug(editor, slug)
	if err != nil || a == nil {
		t.Fatalf("article %s: %v %v", slug, a, err)
	}
	return a
}

func relatedSlugs(t *testing.T, ctx context.Context, svc *content.Service, id uint64, n int) []string {
	t.Helper()
	lists, err := svc.RelatedOfArticles(ctx, []uint64{id}, n)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range lists[0] {
		out = append(out, a.Slug)
	}
	return out
}

const (
	films    = "the-10-best-films-about-us-presidential-elections"
	nobel    = "how-to-win-a-nobel-prize-the-path-to-one-of-the-most-prestigious-awards"
	unDraft  = "un-security-council-to-discuss-north-korean-arms-transfers"
	election = "us-election-2024-a-simple-guide-to-the-presidential-vote"
)

func TestSetRelatedArticles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		svc := seeded(t, db)
		seed, readAlso := bySlug(t, svc, demo.SeedSlug), bySlug(t, svc, demo.ReadAlsoSlug)
		pick1, pick2, draft := bySlug(t, svc, nobel), bySlug(t, svc, films), bySlug(t, svc, unDraft)

		// Picks come first, in the editor's order; a pick that is also a
		// suggestion is not repeated; an unpublished pick is for editors only.
		if err := svc.SetRelatedArticles(editor, seed.ID, []uint64{pick1.ID, draft.ID, readAlso.ID, pick2.ID}, nil); err != nil {
			t.Fatal(err)
		}
		if got, want := relatedSlugs(t, reader, svc, seed.ID, 10), []string{nobel, demo.ReadAlsoSlug, films}; !slices.Equal(got, want) {
			t.Errorf("reader's related = %v, want %v", got, want)
		}
		if got, want := relatedSlugs(t, editor, svc, seed.ID, 10), []string{nobel, unDraft, demo.ReadAlsoSlug, films}; !slices.Equal(got, want) {
			t.Errorf("editor's related = %v, want %v", got, want)
		}
		if got, want := relatedSlugs(t, reader, svc, seed.ID, 2), []string{nobel, demo.ReadAlsoSlug}; !slices.Equal(got, want) {
			t.Errorf("reader's related(first: 2) = %v, want %v", got, want)
		}
		picks, err := svc.RelatedPicks(reader, seed.ID)
		if err != nil || len(picks) != 3 || picks[0].Slug != nobel {
			t.Errorf("RelatedPicks for a reader = %v, %v", picks, err)
		}

		for _, tc := range []struct {
			name    string
			article uint64
			ids     []uint64
			kind    apperr.Kind
		}{
			{"itself", seed.ID, []uint64{pick1.ID, seed.ID}, apperr.Invalid},
			{"twice", seed.ID, []uint64{pick1.ID, pick1.ID}, apperr.Invalid},
			{"too many", seed.ID, make([]uint64, related.Max+1), apperr.Invalid},
			{"unknown related", seed.ID, []uint64{pick1.ID, 999999}, apperr.Invalid},
			{"unknown article", 999999, []uint64{pick1.ID}, apperr.NotFound},
		} {
			if err := svc.SetRelatedArticles(editor, tc.article, tc.ids, nil); apperr.KindOf(err) != tc.kind {
				t.Errorf("%s: err = %v, want %s", tc.name, err, tc.kind)
			}
		}
		if got := relatedSlugs(t, reader, svc, seed.ID, 10); len(got) != 3 || got[0] != nobel {
			t.Errorf("a refused change altered the picks: %v", got)
		}

		if err := svc.SetRelatedArticles(editor, seed.ID, nil, nil); err != nil {
			t.Fatal(err)
		}
		if got := relatedSlugs(t, reader, svc, seed.ID, 10); !slices.Equal(got, []string{demo.ReadAlsoSlug}) {
			t.Errorf("related after clearing picks = %v", got)
		}
	})
}

// TestNewArticleJoinsOlderLists: creating an article offers it to the lists
// of the articles it relates to, without a rebuild; unpublishing withdraws it.
func TestNewArticleJoinsOlderLists(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		svc := seeded(t, db)
		seed := bySlug(t, svc, demo.SeedSlug)
		author, _ := svc.LookupAuthor(reader, 0, "giulia-marino")
		when := time.Date(2024, 1, 10, 9, 0, 0, 0, time.UTC)
		follow, err := svc.CreateArticle(reader, content.ArticleInput{
			Title: "Security Council meets on Pyongyang's arms shipments to Moscow", Category: "world",
			Tags: []string{"North Korea", "Russia", "Sanctions"}, AuthorIDs: []uint64{author.ID},
			Body:   "Diplomats met a day after [the joint statement](/articles/" + demo.SeedSlug + ").",
			Status: models.StatusPublished, PublishedAt: &when,
		})
		if err != nil {
			t.Fatal(err)
		}
		got := relatedSlugs(t, reader, svc, seed.ID, 5)
		if !slices.Contains(got, follow.Slug) {
			t.Errorf("related(seed) = %v, lacks the new follow-up", got)
		}
		// The editorial issue's unpublish path calls RefreshRelated after
		// changing the status; do what it will do.
		if err := db.Exec("UPDATE articles SET status = 'DRAFT' WHERE id = ?", follow.ID).Error; err != nil {
			t.Fatal(err)
		}
		if got := relatedSlugs(t, editor, svc, seed.ID, 5); !slices.Contains(got, follow.Slug) {
			t.Fatalf("before the refresh, editors still see the stale suggestion: %v", got)
		}
		if got := relatedSlugs(t, reader, svc, seed.ID, 5); slices.Contains(got, follow.Slug) {
			t.Errorf("a reader sees an unpublished suggestion even before the refresh: %v", got)
		}
		if err := svc.RefreshRelated(reader, follow.ID); err != nil {
			t.Fatal(err)
		}
		if got := relatedSlugs(t, editor, svc, seed.ID, 5); slices.Contains(got, follow.Slug) {
			t.Errorf("after the refresh, the unpublished article is still suggested: %v", got)
		}

		// Deleted for good (no foreign key cleans suggestions naming it):
		// refreshing it forgets it everywhere.
		readAlso := bySlug(t, svc, demo.ReadAlsoSlug)
		if err := db.Exec("DELETE FROM articles WHERE id = ?", readAlso.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := svc.RefreshRelated(reader, readAlso.ID); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := db.Table("article_related_candidates").Where("article_id = ? OR candidate_id = ?", readAlso.ID, readAlso.ID).Count(&n).Error; err != nil || n != 0 {
			t.Errorf("%d suggestion rows still name the deleted article (%v)", n, err)
		}
	})
}

func TestRelatedCandidatesAreForEditors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		svc := seeded(t, db)
		seed := bySlug(t, svc, demo.SeedSlug)
		if _, err := svc.RelatedCandidates(reader, seed.ID, nil); apperr.KindOf(err) != apperr.Unauthenticated {
			t.Errorf("reader: err = %v, want UNAUTHENTICATED", err)
		}
		cands, err := svc.RelatedCandidates(editor, seed.ID, nil)
		if err != nil || len(cands) == 0 {
			t.Fatalf("editor: %v, %v", cands, err)
		}
		top := cands[0]
		if top.Article.Slug != demo.ReadAlsoSlug || top.Score <= 0 {
			t.Errorf("top candidate %s (%.2f), want the Read also article", top.Article.Slug, top.Score)
		}
		kinds := map[related.ReasonKind]related.Reason{}
		sum := 0.0
		for _, r := range top.Reasons {
			kinds[r.Kind] = r
			if r.Kind != related.ReasonCloseInTime {
				sum += r.Points
			}
		}
		for _, k := range []related.ReasonKind{related.ReasonLinked, related.ReasonSharedTags, related.ReasonSameSection, related.ReasonSharedAuthors, related.ReasonSimilarText, related.ReasonCloseInTime} {
			if _, ok := kinds[k]; !ok {
				t.Errorf("reasons lack %s: %+v", k, top.Reasons)
			}
		}
		if got := kinds[related.ReasonSharedTags].Detail; got != "shared tags: Kim Jong Un, North Korea" && got != "shared tags: North Korea, Kim Jong Un" {
			t.Errorf("shared tags detail = %q", got)
		}
		if want := sum * kinds[related.ReasonCloseInTime].Points; abs(want-top.Score) > 1e-9 {
			t.Errorf("reasons add up to %.6f, score is %.6f", want, top.Score)
		}
		if _, err := svc.RelatedCandidates(editor, seed.ID, ptr(related.Max+1)); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("first too large: err = %v", err)
		}
	})
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func ptr[T any](v T) *T { return &v }
