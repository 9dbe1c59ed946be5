package content

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/markdown"
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
	// CoverSizes are renditions of a library cover at the aspect ratios
	// search engines ask for (16:9, 4:3, 1:1), with their sizes; empty for
	// a cover given by URL. They stand for the cover in "image" unless the
	// editor set an SEO image.
	CoverSizes []ImageSize
	// LiveBlog is the article's live blog (nil when it is not one), and
	// LiveEntries its newest shown entries, newest first, with their
	// bylines (at most MaxLiveUpdatesLD are listed): the document is then
	// a LiveBlogPosting.
	LiveBlog    *models.LiveBlog
	LiveEntries []*models.LiveEntry
}

// ImageSize is a picture's URL with its size in pixels.
type ImageSize struct {
	URL           string
	Width, Height int
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
		// A live blog (LiveBlogPosting): when it was covered live, and
		// its newest entries.
		CoverageStartTime string          `json:"coverageStartTime,omitempty"`
		CoverageEndTime   string          `json:"coverageEndTime,omitempty"`
		LiveBlogUpdate    []ldBlogPosting `json:"liveBlogUpdate,omitempty"`
	}
	// ldBlogPosting is one entry of a live blog.
	ldBlogPosting struct {
		Type          string         `json:"@type"`
		Headline      string         `json:"headline"`
		URL           string         `json:"url"`
		DatePublished string         `json:"datePublished"`
		DateModified  string         `json:"dateModified"`
		ArticleBody   string         `json:"articleBody"`
		Author        []ldPerson     `json:"author,omitempty"`
		Correction    []ldCorrection `json:"correction,omitempty"`
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
		Width      int    `json:"width,omitempty"`
		Height     int    `json:"height,omitempty"`
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
// RFC 3339 in UTC and every URL is absolute. A live blog's is a
// LiveBlogPosting (an Article too, so every property stays) with its
// coverage times and newest entries (see ldLiveBlog).
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
		if a.SEOFields.Image == "" && len(parts.CoverSizes) > 0 {
			doc.Image = doc.Image[:0]
			for _, sz := range parts.CoverSizes {
				img.URL, img.Width, img.Height = s.pub.Links.Absolute(sz.URL), sz.Width, sz.Height
				doc.Image = append(doc.Image, img)
			}
		}
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
	if parts.LiveBlog != nil {
		if err := s.ldLiveBlog(&doc, a, parts, modified); err != nil {
			return "", err
		}
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

// ldLiveBlog makes doc a LiveBlogPosting (Google's live-blog rich result):
// coverageStartTime, coverageEndTime once it ended, and liveBlogUpdate
// with the newest entries as BlogPostings (headline: the entry's title,
// else the start of its text; articleBody: its plain text). The page was
// modified when its latest entry was, or when the blog started or ended.
func (s *Service) ldLiveBlog(doc *ldArticle, a *models.Article, parts ArticleParts, modified time.Time) error {
	b := parts.LiveBlog
	doc.Type = "LiveBlogPosting"
	doc.CoverageStartTime = ldTime(b.StartedAt)
	latest := func(t time.Time) {
		if t.After(modified) {
			modified = t
		}
	}
	latest(b.StartedAt)
	if b.EndedAt != nil {
		doc.CoverageEndTime = ldTime(*b.EndedAt)
		latest(*b.EndedAt)
	}
	entries := parts.LiveEntries
	if len(entries) > MaxLiveUpdatesLD {
		entries = entries[:MaxLiveUpdatesLD]
	}
	for _, e := range entries {
		blocks, err := s.EntryBlocks(e)
		if err != nil {
			return err
		}
		text := markdown.Text(blocks)
		headline := e.Title
		if headline == "" {
			headline = markdown.Excerpt(strings.ReplaceAll(text, "\n", " "), ldHeadlineRunes)
		}
		if headline == "" {
			headline = a.Title // a picture without a caption
		}
		up := ldBlogPosting{Type: "BlogPosting", Headline: headline, URL: doc.URL + "#" + e.GlobalID(),
			DatePublished: ldTime(e.CreatedAt), DateModified: ldTime(e.UpdatedAt), ArticleBody: text}
		for _, au := range e.Byline() {
			u, _ := s.pub.Links.Author(au.Slug)
			up.Author = append(up.Author, ldPerson{Type: "Person", Name: au.Name, URL: u, JobTitle: au.JobTitle})
		}
		if c := e.Correction(); c != nil {
			up.Correction = []ldCorrection{{Type: "CorrectionComment", Text: c.Text, DatePublished: ldTime(c.At)}}
		}
		doc.LiveBlogUpdate = append(doc.LiveBlogUpdate, up)
		latest(e.UpdatedAt)
	}
	doc.DateModified = ldTime(modified)
	return nil
}

// ldHeadlineRunes caps an untitled entry's headline (Google shows 110
// characters of a headline).
const ldHeadlineRunes = 110
