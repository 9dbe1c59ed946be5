package demo

import (
	"context"
	"fmt"
	"slices"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/models"
)

// FrenchSlug is the slug of the seed article's French translation.
const FrenchSlug = "l-echange-d-armes-entre-poutine-et-kim-jong-un-inquiete-l-occident"

// French is the seed article's French translation (its body is
// content/fr/<FrenchSlug>.md), added when the publication has the locale
// fr: the demo then shows a translation group, localized section and tag
// names, and a list per locale.
var French = Article{
	Slug:        FrenchSlug,
	Title:       "L’échange d’armes entre Poutine et Kim Jong Un inquiète l’Occident",
	Subtitle:    "La Corée du Nord exploiterait le savoir-faire de la Russie pour ses satellites espions, en échange de missiles fournis pour l’invasion de l’Ukraine.",
	Category:    "world",
	Tags:        Articles[0].Tags,
	Authors:     Articles[0].Authors,
	PublishedAt: "2024-01-09T12:00:00Z",
}

// frenchSections and frenchTags name the demo's sections and the seed
// article's tags in French.
var (
	frenchSections = map[string][2]string{
		"world":      {"Monde", "L’actualité internationale et la diplomatie."},
		"politics":   {"Politique", "Élections, gouvernements et politiques publiques."},
		"business":   {"Économie", "Entreprises, marchés et économie."},
		"technology": {"Technologie", "Logiciels, sciences et les industries qu’ils transforment."},
		"science":    {"Sciences", "La recherche, les découvertes et celles et ceux qui les font."},
		"culture":    {"Culture", "Cinéma, livres, musique et arts."},
		"lifestyle":  {"Art de vivre", "Santé, voyages et façons de vivre."},
	}
	frenchTags = map[string]string{
		"north-korea": "Corée du Nord", "russia": "Russie", "ukraine": "Ukraine", "kim-jong-un": "Kim Jong Un",
		"vladimir-putin": "Vladimir Poutine", "missiles": "Missiles", "united-nations": "Nations unies", "sanctions": "Sanctions",
	}
)

// seedFrench adds the French translation of the seed article (seedID) and
// the French names of sections and tags, when fr is a configured locale.
func seedFrench(ctx context.Context, svc *content.Service, o seedOptions, seedID uint64, authorIDs map[string]uint64) error {
	if !slices.Contains(svc.Locales().All(), "fr") {
		return nil
	}
	fr := "fr"
	for slug, text := range frenchSections {
		c, err := svc.CategoryBySlug(ctx, slug)
		if err != nil || c == nil {
			return fmt.Errorf("seed French section %q: %v", slug, err)
		}
		if _, err := svc.SetCategoryTranslation(ctx, c.ID, content.TranslationInput{Locale: &fr, Name: text[0], Description: text[1]}); err != nil {
			return fmt.Errorf("seed French section %q: %w", slug, err)
		}
	}
	for slug, name := range frenchTags {
		t, err := svc.TagBySlug(ctx, slug)
		if err != nil || t == nil {
			return fmt.Errorf("seed French tag %q: %v", slug, err)
		}
		if _, err := svc.SetTagTranslation(ctx, t.ID, content.TranslationInput{Locale: &fr, Name: name}); err != nil {
			return fmt.Errorf("seed French tag %q: %w", slug, err)
		}
	}
	body, err := bodies.ReadFile("content/fr/" + FrenchSlug + ".md")
	if err != nil {
		return fmt.Errorf("seed French article: %w", err)
	}
	in := content.ArticleInput{
		Title: French.Title, Slug: French.Slug, Subtitle: French.Subtitle, Body: string(body), Category: French.Category,
		Tags: French.Tags, Status: models.StatusPublished, PublishedAt: at(French.PublishedAt), Locale: &fr, TranslationOf: seedID,
	}
	for _, s := range French.Authors {
		in.AuthorIDs = append(in.AuthorIDs, authorIDs[s])
	}
	if err := o.cover(ctx, French, &in); err != nil {
		return fmt.Errorf("seed French article: cover: %w", err)
	}
	if _, err := svc.CreateArticle(ctx, in); err != nil {
		return fmt.Errorf("seed French article: %w", err)
	}
	return nil
}
