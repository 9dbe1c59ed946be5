package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/fulltext"
	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

var (
	subjects = []string{"Parliament", "The central bank", "A coalition of states", "Researchers", "The city council", "Regulators", "Investors", "The health ministry", "Union leaders", "A tech start-up", "Farmers", "The football league", "Climate scientists", "Museum curators", "The energy agency"}
	verbs    = []string{"approves", "rejects", "debates", "unveils", "delays", "questions", "backs", "warns about", "invests in", "celebrates", "investigates", "reforms", "expands", "cuts", "launches"}
	objects  = []string{"a new budget", "interest rates", "the housing plan", "solar subsidies", "a rail link", "the pension reform", "data privacy rules", "a vaccine programme", "export controls", "the water supply", "an arts festival", "electric buses", "the school calendar", "a trade agreement", "flood defences"}
	places   = []string{"in Rome", "in Berlin", "in Nairobi", "in Seoul", "in São Paulo", "in Warsaw", "in Toronto", "in Madrid", "in Jakarta", "in Lyon", "in Cairo", "in Osaka", "in Chicago", "in Oslo", "in Melbourne"}
	words    = strings.Fields("government economy market growth inflation energy climate policy election vote reform health school city region report data study budget tax price trade security defence science research technology industry workers company profit investment transport housing water food culture film music museum sport league season court law judge minister president summit agreement sanctions protest community hospital university")
)

// SyntheticOptions tune Synthetic.
type SyntheticOptions struct {
	// Seed makes the generated content reproducible.
	Seed uint64
	// Progress, when set, is called after each batch with the count so far.
	Progress func(done int)
}

// Synthetic inserts n realistic articles with authors, categories and tags,
// in large batches, for benchmarks. It reuses existing categories and adds
// its own authors and tags.
func Synthetic(ctx context.Context, st Storage, svc *content.Service, n int, opt SyntheticOptions) error {
	if n <= 0 {
		return fmt.Errorf("synthetic: count must be positive, got %d", n)
	}
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))
	run := time.Now().UTC().Format("20060102150405")

	cats, err := svc.Categories(ctx)
	if err != nil {
		return err
	}
	if len(cats) == 0 {
		for _, c := range Categories {
			created, err := svc.CreateCategory(ctx, c)
			if err != nil {
				return fmt.Errorf("synthetic: %w", err)
			}
			cats = append(cats, created)
		}
	}

	nAuthors := max(20, n/200)
	authorIDs := make([]uint64, nAuthors)
	for i := range nAuthors {
		a, err := svc.CreateAuthor(ctx, content.AuthorInput{
			Name:     fmt.Sprintf("Reporter %s-%d", run, i+1),
			Slug:     fmt.Sprintf("reporter-%s-%d", run, i+1),
			JobTitle: "Staff writer",
			Bio:      "A synthetic byline for benchmarks.",
		})
		if err != nil {
			return fmt.Errorf("synthetic: %w", err)
		}
		authorIDs[i] = a.ID
	}

	nTags := max(50, min(2000, n/20))
	tagSlugs, tagNames := make([]string, nTags), make([]string, nTags)
	for i := range nTags {
		w := words[i%len(words)]
		tagNames[i] = fmt.Sprintf("%s %d", strings.ToUpper(w[:1])+w[1:], i/len(words)+1)
		tagSlugs[i] = fmt.Sprintf("%s-%d", w, i/len(words)+1)
	}
	var tagIDs []uint64
	err = st.Tx(ctx, func(tx BulkStorage) error {
		tags, err := tx.EnsureTags(ctx, tagSlugs, tagNames)
		for _, t := range tags {
			tagIDs = append(tagIDs, t.ID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("synthetic tags: %w", err)
	}

	// Render a handful of bodies once; articles share them.
	md := markdown.New()
	type body struct {
		src, blocks string
		r           markdown.Rendered
		keywords    []string
	}
	var variants []body
	for range 16 {
		src := syntheticBody(rng)
		r, err := md.Render(src)
		if err != nil {
			return err
		}
		blocks, err := markdown.EncodeBlocks(r.Blocks)
		if err != nil {
			return err
		}
		variants = append(variants, body{src, blocks, r, fulltext.BodyKeywords(r.Text)})
	}

	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Since(start)
	const batch = 1000
	for done := 0; done < n; {
		size := min(batch, n-done)
		articles := make([]*models.Article, size)
		bodyKeywords := make([][]string, size)
		for i := range size {
			title := fmt.Sprintf("%s %s %s %s", pick(rng, subjects), pick(rng, verbs), pick(rng, objects), pick(rng, places))
			v := variants[rng.IntN(len(variants))]
			pub := start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second)
			status := models.StatusPublished
			var published *time.Time = &pub
			if rng.IntN(20) == 0 { // one in twenty is a draft
				status, published = models.StatusDraft, nil
			}
			cat := cats[rng.IntN(len(cats))].ID
			articles[i] = &models.Article{
				Slug:               fmt.Sprintf("%s-%s-%d", models.Slugify(title), run, done+i+1),
				Title:              title,
				Subtitle:           "A synthetic article for benchmarks: " + strings.ToLower(title) + ".",
				Body:               v.src,
				BodyHTML:           v.r.HTML,
				BodyBlocks:         v.blocks,
				BodyText:           v.r.Text,
				Excerpt:            markdown.Excerpt(v.r.Text, 200),
				Status:             status,
				PublishedAt:        published,
				Locale:             svc.Locales().Default(),
				ReadingTimeMinutes: v.r.ReadingTimeMinutes,
				WordCount:          v.r.WordCount,
				CategoryID:         &cat,
				Version:            1,
			}
			bodyKeywords[i] = v.keywords
		}
		err := st.Tx(ctx, func(tx BulkStorage) error {
			if err := tx.InsertArticles(ctx, articles); err != nil {
				return err
			}
			var credits []models.ArticleAuthor
			var tagged []models.ArticleTag
			for _, a := range articles {
				first := rng.IntN(len(authorIDs))
				credits = append(credits, models.ArticleAuthor{ArticleID: a.ID, AuthorID: authorIDs[first]})
				if rng.IntN(4) == 0 {
					second := (first + 1 + rng.IntN(len(authorIDs)-1)) % len(authorIDs)
					credits = append(credits, models.ArticleAuthor{ArticleID: a.ID, AuthorID: authorIDs[second], Position: 1})
				}
				seen := map[uint64]bool{}
				for range 2 + rng.IntN(4) {
					// Zipf-like: low tag indexes are common, high ones rare.
					t := tagIDs[int(float64(len(tagIDs))*rng.Float64()*rng.Float64())]
					if !seen[t] {
						seen[t] = true
						tagged = append(tagged, models.ArticleTag{ArticleID: a.ID, TagID: t})
					}
				}
			}
			if err := tx.InsertArticleLinks(ctx, credits, tagged); err != nil {
				return err
			}
			index := store.ArticleIndexRows{Keywords: map[uint64][]string{}}
			for i, a := range articles {
				index.Keywords[a.ID] = fulltext.Keywords(a.Title, a.Subtitle, bodyKeywords[i])
			}
			return tx.InsertArticleIndex(ctx, index)
		})
		if err != nil {
			return fmt.Errorf("synthetic articles %d–%d: %w", done+1, done+size, err)
		}
		done += size
		if opt.Progress != nil {
			opt.Progress(done)
		}
	}
	// Related lists for everything, the new articles and those before them.
	if _, err := svc.RebuildRelated(ctx); err != nil {
		return fmt.Errorf("synthetic related articles: %w", err)
	}
	return nil
}

func pick(rng *rand.Rand, list []string) string { return list[rng.IntN(len(list))] }

func syntheticBody(rng *rand.Rand) string {
	var b strings.Builder
	for p := range 6 {
		if p == 3 {
			fmt.Fprintf(&b, "## %s %s\n\n", strings.ToUpper(pick(rng, words)[:1])+pick(rng, words)[1:], pick(rng, words))
		}
		for s := range 4 {
			n := 10 + rng.IntN(12)
			sentence := make([]string, n)
			for i := range sentence {
				sentence[i] = pick(rng, words)
			}
			sentence[0] = strings.ToUpper(sentence[0][:1]) + sentence[0][1:]
			b.WriteString(strings.Join(sentence, " "))
			b.WriteString(". ")
			_ = s
		}
		b.WriteString("\n\n")
	}
	return b.String()
}
