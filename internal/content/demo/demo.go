// Package demo fills a database with content to explore: the real article in
// shared/fixtures/seed-article.txt, the articles its page links to, and the
// sections, tags and authors around them. Synthetic content for benchmarks
// lives in synthetic.go.
package demo

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/models"
)

//go:embed content/*.md content/fr/*.md
var bodies embed.FS

// SeedSlug is the slug of the seed article.
const SeedSlug = "the-exchange-of-weapons-between-putin-and-kim-jong-un-alarms-the-west"

// ReadAlsoSlug is the slug of the article the seed's "Read also" links to.
const ReadAlsoSlug = "north-korea-what-is-life-like-in-one-of-the-most-closed-and-authoritarian-countries-in-the-world"

// Categories are the demo sections, in menu order.
var Categories = []content.CategoryInput{
	{Name: "World", Slug: "world", Description: "International news and foreign affairs."},
	{Name: "Politics", Slug: "politics", Description: "Elections, governments and policy."},
	{Name: "Business", Slug: "business", Description: "Companies, markets and the economy."},
	{Name: "Technology", Slug: "technology", Description: "Software, science and the industries they change."},
	{Name: "Science", Slug: "science", Description: "Research, discovery and the people behind it."},
	{Name: "Culture", Slug: "culture", Description: "Film, books, music and the arts."},
	{Name: "Lifestyle", Slug: "lifestyle", Description: "Health, travel and how we live."},
}

// Authors are the demo bylines.
var Authors = []content.AuthorInput{
	{Name: "Giulia Marino", Slug: "giulia-marino", JobTitle: "Foreign affairs correspondent", Bio: "Covers Russia, East Asia and international security."},
	{Name: "Daniel Brooks", Slug: "daniel-brooks", JobTitle: "Business editor", Bio: "Writes about companies, energy and the future of work."},
	{Name: "Amira Haddad", Slug: "amira-haddad", JobTitle: "Culture and science writer", Bio: "Reports on film, research and healthy living."},
	{Name: "Tom Whitaker", Slug: "tom-whitaker", JobTitle: "US correspondent", Bio: "Follows American politics from Washington."},
}

// Article describes one demo article; its body is content/<Slug>.md.
type Article struct {
	Slug, Title, Subtitle, Category string
	Tags                            []string
	Authors                         []string // author slugs
	PublishedAt                     string   // RFC 3339; empty for a draft
}

func at(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// Articles are the demo articles. The first is the seed article; the six
// after the "Read also" target are the seed page's "Latest news" titles.
var Articles = []Article{
	{
		Slug:        SeedSlug,
		Title:       "The exchange of weapons between Putin and Kim Jong Un alarms the West",
		Subtitle:    "North Korea is reportedly exploiting Russia's know-how for spy satellites, in exchange providing missiles for the invasion of Ukraine.",
		Category:    "world",
		Tags:        []string{"North Korea", "Russia", "Ukraine", "Kim Jong Un", "Vladimir Putin", "Missiles", "United Nations", "Sanctions"},
		Authors:     []string{"giulia-marino"},
		PublishedAt: "2024-01-09T10:30:00Z",
	},
	{
		Slug:        ReadAlsoSlug,
		Title:       "North Korea, what is life like in one of the most closed and authoritarian countries in the world",
		Subtitle:    "Surveillance, hereditary loyalty ranks and black markets: daily life under the Kim dynasty.",
		Category:    "world",
		Tags:        []string{"North Korea", "Kim Jong Un", "Human rights"},
		Authors:     []string{"giulia-marino"},
		PublishedAt: "2023-11-20T08:00:00Z",
	},
	{
		Slug:        "pc-project-first-in-the-renewable-energy-sector-with-photovoltaics",
		Title:       "PC Project: First in the renewable energy sector with photovoltaics",
		Subtitle:    "A manufacturer now meets all of its electricity needs with its own solar panels.",
		Category:    "business",
		Tags:        []string{"Renewable energy", "Photovoltaics", "Industry"},
		Authors:     []string{"daniel-brooks"},
		PublishedAt: "2024-10-28T09:00:00Z",
	},
	{
		Slug:        "alveria-leads-the-hr-tech-world-into-the-future",
		Title:       "Alveria leads the HR Tech world into the future",
		Subtitle:    "The start-up brings hiring, onboarding and skills tracking into one platform.",
		Category:    "technology",
		Tags:        []string{"HR Tech", "Start-ups", "Future of work"},
		Authors:     []string{"daniel-brooks"},
		PublishedAt: "2024-10-29T09:00:00Z",
	},
	{
		Slug:        "singapore-the-new-blue-zone-fostering-longevity-and-quality-of-life",
		Title:       "Singapore: the new blue zone fostering longevity and quality of life",
		Subtitle:    "How a city-state engineered the habits of the world's longest-lived communities.",
		Category:    "lifestyle",
		Tags:        []string{"Longevity", "Health", "Singapore"},
		Authors:     []string{"amira-haddad"},
		PublishedAt: "2024-10-30T09:00:00Z",
	},
	{
		Slug:        "the-10-best-films-about-us-presidential-elections",
		Title:       "The 10 best films about US Presidential Elections",
		Subtitle:    "From The Best Man to Game Change: the campaign trail on the big screen.",
		Category:    "culture",
		Tags:        []string{"Film", "US Election 2024"},
		Authors:     []string{"amira-haddad"},
		PublishedAt: "2024-10-31T09:00:00Z",
	},
	{
		Slug:        "how-to-win-a-nobel-prize-the-path-to-one-of-the-most-prestigious-awards",
		Title:       "How to win a Nobel Prize: the path to one of the most prestigious awards",
		Subtitle:    "Secret nominations, invited nominators and decades of waiting.",
		Category:    "science",
		Tags:        []string{"Nobel Prize", "Research"},
		Authors:     []string{"amira-haddad"},
		PublishedAt: "2024-11-01T09:00:00Z",
	},
	{
		Slug:        "us-election-2024-a-simple-guide-to-the-presidential-vote",
		Title:       "US Election 2024: a simple guide to the presidential vote",
		Subtitle:    "The Electoral College, swing states and what happens on election night.",
		Category:    "politics",
		Tags:        []string{"US Election 2024", "United States", "Explainer"},
		Authors:     []string{"tom-whitaker"},
		PublishedAt: "2024-11-02T09:00:00Z",
	},
	{
		Slug:     "un-security-council-to-discuss-north-korean-arms-transfers",
		Title:    "UN Security Council to discuss North Korean arms transfers",
		Subtitle: "A draft follow-up: never visible to readers until an editor publishes it.",
		Category: "world",
		Tags:     []string{"North Korea", "Russia", "United Nations"},
		Authors:  []string{"giulia-marino"},
	},
}

// Seed writes the demo content through the content service, so it is
// rendered, slugged and validated like anything an editor writes.
func Seed(ctx context.Context, svc *content.Service, opts ...SeedOption) error {
	var o seedOptions
	for _, opt := range opts {
		opt(&o)
	}
	// Related lists are computed once at the end, with every article present.
	ctx = content.DeferRelated(content.AsSystem(ctx, "seed"))
	for i, c := range Categories {
		c.Position = i + 1
		if _, err := svc.CreateCategory(ctx, c); err != nil {
			return fmt.Errorf("seed category %q: %w", c.Slug, err)
		}
	}
	authorIDs := map[string]uint64{}
	for _, a := range Authors {
		created, err := svc.CreateAuthor(ctx, a)
		if err != nil {
			return fmt.Errorf("seed author %q: %w", a.Slug, err)
		}
		authorIDs[a.Slug] = created.ID
	}
	var seedID, liveBlogID uint64
	for _, a := range linkedFirst(Articles) {
		body, err := bodies.ReadFile("content/" + a.Slug + ".md")
		if err != nil {
			return fmt.Errorf("seed article %q: %w", a.Slug, err)
		}
		in := content.ArticleInput{
			Title: a.Title, Slug: a.Slug, Subtitle: a.Subtitle, Body: string(body),
			Category: a.Category, Tags: a.Tags, Status: models.StatusDraft,
		}
		if p := at(a.PublishedAt); p != nil {
			in.Status, in.PublishedAt = models.StatusPublished, p
		}
		for _, s := range a.Authors {
			in.AuthorIDs = append(in.AuthorIDs, authorIDs[s])
		}
		if err := o.cover(ctx, a, &in); err != nil {
			return fmt.Errorf("seed article %q: cover: %w", a.Slug, err)
		}
		created, err := svc.CreateArticle(ctx, in)
		if err != nil {
			return fmt.Errorf("seed article %q: %w", a.Slug, err)
		}
		switch a.Slug {
		case SeedSlug:
			seedID = created.ID
		case LiveBlogSlug:
			liveBlogID = created.ID
		}
	}
	if err := seedFrench(ctx, svc, o, seedID, authorIDs); err != nil {
		return err
	}
	if err := seedLiveBlog(ctx, svc, liveBlogID, authorIDs["tom-whitaker"]); err != nil {
		return fmt.Errorf("seed live blog: %w", err)
	}
	// Every related list, now that all the articles are present.
	if _, err := svc.RebuildRelated(ctx); err != nil {
		return fmt.Errorf("seed related articles: %w", err)
	}
	return nil
}

// linkedFirst orders articles so that an article whose body links to
// another (article:SLUG, checked on save) comes after it.
func linkedFirst(articles []Article) []Article {
	var out []Article
	done := map[string]bool{}
	for len(out) < len(articles) {
		progress := false
		for _, a := range articles {
			if done[a.Slug] {
				continue
			}
			body, _ := bodies.ReadFile("content/" + a.Slug + ".md")
			ready := true
			for _, b := range articles {
				if b.Slug != a.Slug && !done[b.Slug] && strings.Contains(string(body), "article:"+b.Slug+")") {
					ready = false
				}
			}
			if ready {
				out, done[a.Slug], progress = append(out, a), true, true
			}
		}
		if !progress { // a cycle: let the save report it
			for _, a := range articles {
				if !done[a.Slug] {
					out, done[a.Slug] = append(out, a), true
				}
			}
		}
	}
	return out
}

// Empty reports whether the database holds no articles, categories or authors yet.
func Empty(ctx context.Context, st Storage) (bool, error) {
	return st.IsEmpty(ctx)
}
