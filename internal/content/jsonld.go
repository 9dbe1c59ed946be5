package content

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/models"
)

// ArticleParts are what an article's structured data is made of besides
// the article itself; the GraphQL layer fills them from its loaders.
type ArticleParts struct {
	Authors     []*models.Author
	Section     *models.Category
	Tags        []*models.Tag
	Corrections []*models.Correction
	// Translations are the other members of its translation group the
	// viewer may see, each with its section's slug (for its address).
	Translations []Translation
}

// Translation is an article of a translation group with its section's
// slug ("" for none), enough to build its address.
type Translation struct {
	Article *models.Article
	Section string
}

// JSON-LD shapes (schema.org), in the order Google's Article guidelines
// list them.
type (
	ldArticle struct {
		Context             string         `json:"@context"`
		Type                string         `json:"@type"`
		Headline            string         `json:"headline"`
		Description         string         `json:"description,omitempty"`
		Image               []ldImage      `json:"image,omitempty"`
		DatePublished       string         `json:"datePublished"`
		DateModified        string         `json:"dateModified"`
		Author              []ldPerson     `json:"author"`
		Publisher           ldOrganization `json:"publisher"`
		MainEntityOfPage    ldWebPage      `json:"mainEntityOfPage"`
		URL                 string         `json:"url"`
		ArticleSection      string         `json:"articleSection,omitempty"`
		Keywords            []string       `json:"keywords,omitempty"`
		InLanguage          string         `json:"inLanguage,omitempty"`
		WordCount           int            `json:"wordCount"`
		IsAccessibleForFree bool           `json:"isAccessibleForFree"`
		Correction          []ldCorrection `json:"correction,omitempty"`
		IsBasedOn           string         `json:"isBasedOn,omitempty"`
		// The same story in other languages: the group's first article
		// lists its translations (workTranslation), a translation names
		// that original (translationOfWork).
		WorkTranslation   []ldWork `json:"workTranslation,omitempty"`
		TranslationOfWork *ldWork  `json:"translationOfWork,omitempty"`
	}
	ldWork struct {
		Type       string `json:"@type"`
		ID         string `json:"@id"`
		URL        string `json:"url"`
		Headline   string `json:"headline"`
		InLanguage string `json:"inLanguage"`
	}
	ldImage struct {
		Type       string `json:"@type"`
		URL        string `json:"url"`
		Caption    string `json:"caption,omitempty"`
		CreditText string `json:"creditText,omitempty"`
	}
	ldPerson struct {
		Type     string `json:"@type"`
		Name     string `json:"name"`
		URL      string `json:"url"`
		JobTitle string `json:"jobTitle,omitempty"`
	}
	ldOrganization struct {
		Type string   `json:"@type"`
		Name string   `json:"name"`
		URL  string   `json:"url"`
		Logo *ldImage `json:"logo,omitempty"`
	}
	ldWebPage struct {
		Type string `json:"@type"`
		ID   string `json:"@id"`
	}
	ldCorrection struct {
		Type          string `json:"@type"`
		Text          string `json:"text"`
		DatePublished string `json:"datePublished"`
	}
)

// JSONLD returns the article's schema.org NewsArticle document, for a
// frontend to put in a <script type="application/ld+json"> element as it
// is (< and > are escaped, so it cannot close the element). Dates are
// RFC 3339 in UTC and every URL is absolute.
func (s *Service) JSONLD(a *models.Article, parts ArticleParts) (string, error) {
	section := ""
	if parts.Section != nil {
		section = parts.Section.Slug
	}
	pageURL, _ := s.ArticleURL(a, section)
	seo := s.SEO(a)
	published := a.CreatedAt
	if a.PublishedAt != nil {
		published = *a.PublishedAt
	}
	modified := a.UpdatedAt
	if modified.Before(published) {
		modified = published // a scheduled article is modified when it goes out
	}
	doc := ldArticle{
		Context: "https://schema.org", Type: "NewsArticle",
		Headline: a.Title, Description: seo.Description,
		DatePublished: ldTime(published), DateModified: ldTime(modified),
		Author:           []ldPerson{},
		Publisher:        ldOrganization{Type: "Organization", Name: s.pub.Name, URL: s.pub.Links.Base() + "/"},
		MainEntityOfPage: ldWebPage{Type: "WebPage", ID: pageURL}, URL: pageURL,
		InLanguage: s.pub.Language, WordCount: a.WordCount, IsAccessibleForFree: true,
		IsBasedOn: a.CanonicalURL,
	}
	if a.Locale != "" {
		doc.InLanguage = a.Locale
	}
	s.ldTranslations(&doc, a, parts.Translations)
	if seo.Image != nil {
		img := ldImage{Type: "ImageObject", URL: *seo.Image}
		if a.SEOFields.Image == "" {
			img.Caption, img.CreditText = a.Cover.Caption, a.Cover.Credit
		}
		doc.Image = []ldImage{img}
	}
	if seo.Image == nil && s.pub.LogoURL != "" {
		// Search engines want a picture for every article: without one of
		// its own, the publication's logo stands in.
		doc.Image = []ldImage{{Type: "ImageObject", URL: s.pub.LogoURL}}
	}
	if s.pub.LogoURL != "" {
		doc.Publisher.Logo = &ldImage{Type: "ImageObject", URL: s.pub.LogoURL}
	}
	for _, au := range parts.Authors {
		u, _ := s.pub.Links.Author(au.Slug)
		doc.Author = append(doc.Author, ldPerson{Type: "Person", Name: au.Name, URL: u, JobTitle: au.JobTitle})
	}
	if parts.Section != nil {
		doc.ArticleSection = parts.Section.Name
	}
	for _, t := range parts.Tags {
		doc.Keywords = append(doc.Keywords, t.Name)
	}
	for _, c := range parts.Corrections {
		doc.Correction = append(doc.Correction, ldCorrection{Type: "CorrectionComment", Text: c.Text, DatePublished: ldTime(c.CreatedAt)})
	}
	if len(doc.Author) == 0 {
		// Google wants an author; a story without a byline is the
		// publication's own.
		doc.Author = append(doc.Author, ldPerson{Type: "Organization", Name: s.pub.Name, URL: s.pub.Links.Base() + "/"})
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("encode JSON-LD of article %d: %w", a.ID, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func ldTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ldTranslations links the article with its visible translations: the
// group's original (its first article, whose id names the group) lists
// them as workTranslation; a translation names the original as
// translationOfWork, or, when the original is not visible, lists its
// siblings as workTranslation so that every language stays reachable.
func (s *Service) ldTranslations(doc *ldArticle, a *models.Article, trs []Translation) {
	work := func(t Translation) ldWork {
		u, _ := s.ArticleURL(t.Article, t.Section)
		return ldWork{Type: "NewsArticle", ID: u, URL: u, Headline: t.Article.Title, InLanguage: t.Article.Locale}
	}
	for _, t := range trs {
		if a.TranslationGroup != a.ID && t.Article.ID == a.TranslationGroup {
			w := work(t)
			doc.TranslationOfWork = &w
			return
		}
	}
	for _, t := range trs {
		doc.WorkTranslation = append(doc.WorkTranslation, work(t))
	}
}
