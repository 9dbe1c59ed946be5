package demo_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

// fixture splits testdata/seed-article.txt (a copy of
// shared/fixtures/seed-article.txt) into its blocks.
func fixture(t *testing.T) []string {
	raw, err := os.ReadFile("testdata/seed-article.txt")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, b := range strings.Split(string(raw), "\n\n") {
		if b = strings.TrimSpace(b); b != "" {
			blocks = append(blocks, b)
		}
	}
	return blocks
}

func TestSeedArticleIsFaithfulToTheFixture(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		svc := content.New(content.StorageOf(store.New(db)))
		if err := demo.Seed(ctx, svc); err != nil {
			t.Fatal(err)
		}
		a, err := svc.ArticleBySlug(ctx, demo.SeedSlug)
		if err != nil || a == nil {
			t.Fatalf("seed article: %v, %v", a, err)
		}
		blocks := fixture(t)
		if a.Title != blocks[0] {
			t.Errorf("title %q, fixture %q", a.Title, blocks[0])
		}
		if a.Subtitle != blocks[1] {
			t.Errorf("subtitle %q, fixture %q", a.Subtitle, blocks[1])
		}
		readAlso := -1
		for i, b := range blocks {
			if strings.HasPrefix(b, "Read also: ") {
				readAlso = i
				break
			}
		}
		if readAlso < 0 {
			t.Fatal("fixture has no Read also line")
		}
		subheads := 0
		for _, b := range blocks[2:readAlso] {
			paragraph := b
			if !strings.HasSuffix(b, ".") && !strings.HasSuffix(b, "”") && !strings.Contains(b, ". ") {
				paragraph = "## " + b // a subhead
				subheads++
			}
			if !strings.Contains(a.Body, "\n"+paragraph+"\n") && !strings.HasPrefix(a.Body, paragraph+"\n") {
				t.Errorf("body lacks fixture block verbatim: %q", paragraph)
			}
		}
		if subheads != 3 {
			t.Errorf("found %d subheads in the fixture, want 3", subheads)
		}
		title := strings.TrimPrefix(blocks[readAlso], "Read also: ")
		link := "Read also: [" + title + "](article:" + demo.ReadAlsoSlug + ")"
		if !strings.Contains(a.Body, link) {
			t.Errorf("body lacks the Read also link %q", link)
		}
		target, err := svc.ArticleBySlug(ctx, demo.ReadAlsoSlug)
		if err != nil || target == nil || target.Title != title {
			t.Errorf("Read also target: %+v, %v", target, err)
		}
		for _, chrome := range []string{"Related articles", "Latest news", "Newsletter", "Sign up now"} {
			if strings.Contains(a.Body, chrome) {
				t.Errorf("body contains site chrome %q", chrome)
			}
		}
		// Every "Latest news" title is its own published article.
		latest := blocks[readAlso+1:]
		found := 0
		for _, b := range latest {
			if b == "alveria" || strings.HasPrefix(b, "Related articles") || b == "Newsletter" || strings.HasPrefix(b, "Sign up") {
				continue // a logo's alt text and the page's chrome
			}
			// The page sets one title with no-break spaces; the article uses plain ones.
			b = strings.Join(strings.Fields(b), " ")
			other, err := svc.ArticleBySlug(ctx, models.Slugify(b))
			if err != nil || other == nil || other.Title != b || other.CategoryID == nil {
				t.Errorf("latest news %q: %+v, %v", b, other, err)
				continue
			}
			found++
		}
		if found != 6 {
			t.Errorf("found %d latest-news articles, want 6", found)
		}
	})
}

func TestSyntheticContent(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: slow; runs in the full suite")
	}
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		svc := content.New(content.StorageOf(store.New(db)))
		if err := demo.Synthetic(ctx, demo.StorageOf(store.New(db)), svc, 1500, demo.SyntheticOptions{Seed: 1}); err != nil {
			t.Fatal(err)
		}
		f := store.ArticleFilter{}
		n, err := store.New(db).CountArticles(ctx, f)
		if err != nil || n != 1500 {
			t.Fatalf("count = %d, %v", n, err)
		}
		list, err := store.New(db).ListArticles(ctx, f, models.SortPublishedAt, page.Request{First: 50, Desc: true})
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]uint64, len(list.Items))
		for i, a := range list.Items {
			ids[i] = a.ID
		}
		authors, err := svc.AuthorsOfArticles(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		tags, err := svc.TagsOfArticles(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ids {
			if len(authors[i]) == 0 || len(tags[i]) == 0 {
				t.Errorf("synthetic article %d lacks authors (%d) or tags (%d)", ids[i], len(authors[i]), len(tags[i]))
			}
		}
	})
}

func TestDemoLiveBlog(t *testing.T) {
	db := dbtest.Open(t, dbconn.SQLite)
	ctx := context.Background()
	svc := content.New(content.StorageOf(store.New(db)))
	if err := demo.Seed(ctx, svc); err != nil {
		t.Fatal(err)
	}
	a, err := svc.ArticleBySlug(ctx, demo.LiveBlogSlug)
	if err != nil || a == nil {
		t.Fatalf("live blog article: %v, %v", a, err)
	}
	if b, err := svc.LiveBlog(ctx, a); err != nil || b == nil || !b.IsLive() {
		t.Fatalf("live blog: %+v, %v", b, err)
	}
	first := 20
	l, err := svc.LiveEntries(ctx, content.LiveEntryFilter{ArticleID: a.ID}, page.Args{First: &first})
	if err != nil {
		t.Fatal(err)
	}
	pinned, keys, corrected := 0, 0, 0
	for _, e := range l.Items {
		if e.IsPinned {
			pinned++
		}
		if e.IsKeyEvent {
			keys++
		}
		if e.Correction() != nil {
			corrected++
		}
	}
	if len(l.Items) != 12 || pinned != 1 || keys != 1 || corrected != 1 {
		t.Errorf("demo live blog: %d entries, %d pinned, %d key events, %d corrected", len(l.Items), pinned, keys, corrected)
	}
}
