package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

type relatedArticle struct {
	ID, Slug, Status string
	Related          []struct{ ID, Slug, Status string }
}

func TestRelatedOnDemoContent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		var got struct{ Article relatedArticle }
		s.MustData(t, testserver.Request{Query: `query($slug: String!) { article(slug: $slug) { id slug related { id slug status } } }`, Variables: map[string]any{"slug": demo.SeedSlug}}, &got)
		var slugs []string
		for _, r := range got.Article.Related {
			slugs = append(slugs, r.Slug)
		}
		t.Logf("related to the seed article: %v", slugs)
		if len(slugs) == 0 || slugs[0] != demo.ReadAlsoSlug {
			t.Errorf("related(seed) = %v, want the Read also article first", slugs)
		}
		if slices.Contains(slugs, demo.SeedSlug) {
			t.Errorf("related(seed) contains the seed itself")
		}
		if slices.Contains(slugs, "un-security-council-to-discuss-north-korean-arms-transfers") {
			t.Errorf("related(seed) contains the demo draft")
		}
	})
}

// TestRelatedListCostsConstantStatements: a list of articles each asking
// for related(first: 3), with their authors, costs the same number of SQL
// statements for 5 articles as for 20.
func TestRelatedListCostsConstantStatements(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil, func(c *server.Config) { c.Authenticate = editorAuth })
		ctx := context.Background()
		if err := demo.Seed(ctx, s.Content); err != nil {
			t.Fatal(err)
		}
		if err := demo.Synthetic(ctx, demo.StorageOf(store.New(s.DB)), s.Content, 200, demo.SyntheticOptions{Seed: 11}); err != nil {
			t.Fatal(err)
		}
		q := `query($n: Int!) { articles(first: $n) { nodes { slug related(first: 3) { slug title authors { name } } } } }`
		counts := map[int]int64{}
		for _, n := range []int{5, 20} {
			var got struct {
				Articles struct {
					Nodes []struct {
						Slug    string
						Related []struct {
							Slug    string
							Authors []struct{ Name string }
						}
					}
				}
			}
			r := s.MustData(t, testserver.Request{Query: q, Variables: map[string]any{"n": n}}, &got)
			if len(got.Articles.Nodes) != n {
				t.Fatalf("got %d articles, want %d", len(got.Articles.Nodes), n)
			}
			for _, a := range got.Articles.Nodes {
				if len(a.Related) != 3 {
					t.Errorf("%s: %d related, want 3", a.Slug, len(a.Related))
				}
				seen := map[string]bool{a.Slug: true}
				for _, rel := range a.Related {
					if seen[rel.Slug] {
						t.Errorf("%s: related lists %s twice or itself", a.Slug, rel.Slug)
					}
					seen[rel.Slug] = true
					if len(rel.Authors) == 0 {
						t.Errorf("%s: related %s has no authors", a.Slug, rel.Slug)
					}
				}
			}
			counts[n] = r.Statements
		}
		if counts[5] != counts[20] {
			t.Errorf("statements grow with the list: %d for 5 articles, %d for 20", counts[5], counts[20])
		}
		// page + related + authors of the related articles
		if counts[20] > 3 {
			t.Errorf("20 × related(first: 3) took %d statements, want at most 3", counts[20])
		}
		t.Logf("20 articles × related(first: 3) with authors: %d SQL statements", counts[20])
	})
}

// TestRelatedNeverShowsUnpublishedToReaders: articles with the seed's words,
// tags, section, author, and a link to it, in every unpublished state, never
// appear in a reader's related lists, not even as editor's picks.
func TestRelatedNeverShowsUnpublishedToReaders(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil, func(c *server.Config) { c.Authenticate = editorAuth })
		ctx := context.Background()
		if err := demo.Seed(ctx, s.Content); err != nil {
			t.Fatal(err)
		}
		hidden := hiddenTwins(t, s)
		seed, _ := s.Content.ArticleBySlug(ctx, demo.SeedSlug)
		var hiddenIDs []uint64
		for sl := range hidden {
			a, _ := store.New(s.DB).ArticleBySlug(ctx, store.Visibility{}, "en", sl)
			hiddenIDs = append(hiddenIDs, a.ID)
		}
		if err := s.Content.SetRelatedArticles(ctx, seed.ID, hiddenIDs, nil); err != nil {
			t.Fatal(err)
		}
		q := `{ articles(first: 20) { nodes { slug related(first: 10) { slug status } } }
		        article(slug: "` + demo.ReadAlsoSlug + `") { related(first: 10) { slug } } }`
		var got struct {
			Articles struct {
				Nodes []struct {
					Slug    string
					Related []struct{ Slug, Status string }
				}
			}
			Article struct{ Related []struct{ Slug string } }
		}
		s.MustData(t, testserver.Request{Query: q}, &got)
		for _, a := range got.Articles.Nodes {
			for _, r := range a.Related {
				if hidden[r.Slug] || r.Status != "PUBLISHED" {
					t.Errorf("reader: related(%s) includes %s (%s)", a.Slug, r.Slug, r.Status)
				}
			}
		}
		for _, r := range got.Article.Related {
			if hidden[r.Slug] {
				t.Errorf("reader: related(read also) includes %s", r.Slug)
			}
		}
		// Editors see the picks, unpublished or not.
		var ed struct {
			Article struct{ Related []struct{ Slug string } }
		}
		s.MustData(t, testserver.Request{Query: `{ article(slug: "` + demo.SeedSlug + `") { related(first: 10) { slug } } }`, Token: "test-editor"}, &ed)
		n := 0
		for _, r := range ed.Article.Related {
			if hidden[r.Slug] {
				n++
			}
		}
		if n != len(hidden) {
			t.Errorf("editor sees %d of %d unpublished picks: %v", n, len(hidden), ed.Article.Related)
		}
	})
}

func TestRelatedCandidatesOverGraphQL(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil, func(c *server.Config) { c.Authenticate = editorAuth })
		if err := demo.Seed(context.Background(), s.Content); err != nil {
			t.Fatal(err)
		}
		q := `{ article(slug: "` + demo.SeedSlug + `") { relatedCandidates(first: 3) { score picked article { slug } reasons { kind detail points } } } }`
		r := s.Do(t, testserver.Request{Query: q})
		if codes := r.Codes(); !slices.Equal(codes, []string{"UNAUTHENTICATED"}) {
			t.Errorf("reader: codes %v, want UNAUTHENTICATED", codes)
		}
		var got struct {
			Article struct {
				RelatedCandidates []struct {
					Score   float64
					Picked  bool
					Article struct{ Slug string }
					Reasons []struct {
						Kind, Detail string
						Points       float64
					}
				}
			}
		}
		s.MustData(t, testserver.Request{Query: q, Token: "test-editor"}, &got)
		cands := got.Article.RelatedCandidates
		if len(cands) == 0 || cands[0].Article.Slug != demo.ReadAlsoSlug || cands[0].Picked {
			t.Fatalf("candidates = %+v", cands)
		}
		if k := cands[0].Reasons[0]; k.Kind != "LINKED" || k.Points <= 0 || !strings.Contains(k.Detail, demo.ReadAlsoSlug) {
			t.Errorf("strongest reason = %+v, want LINKED", k)
		}
		for _, first := range []int{-1, 11} {
			r := s.Do(t, testserver.Request{Query: `query($n: Int) { article(slug: "` + demo.SeedSlug + `") { related(first: $n) { slug } } }`, Variables: map[string]any{"n": first}})
			if codes := r.Codes(); !slices.Equal(codes, []string{"BAD_USER_INPUT"}) {
				t.Errorf("related(first: %d): codes %v, want BAD_USER_INPUT", first, codes)
			}
		}
	})
}
