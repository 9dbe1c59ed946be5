package content

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gosimple/slug"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Limits on what an article may hold; exceeding one is a user error.
const (
	MaxTitleRunes    = 300
	MaxSubtitleRunes = 1000
	MaxBodyBytes     = 512 << 10
	MaxTags          = 30
	MaxAuthors       = 10
	MaxSlugLen       = 180
	excerptRunes     = 280
)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// Slugify makes a URL-safe slug from text, transliterating to ASCII.
func Slugify(text string) string {
	s := slug.Make(text)
	if len(s) > MaxSlugLen {
		s = strings.TrimRight(s[:MaxSlugLen], "-")
	}
	return s
}

// ValidSlug reports whether s is a well-formed slug.
func ValidSlug(s string) bool { return len(s) <= MaxSlugLen && slugPattern.MatchString(s) }

// ArticleInput is a whole article as the newsroom writes it.
type ArticleInput struct {
	Title        string
	Slug         string // generated from Title when empty
	Subtitle     string
	Body         string // Markdown
	Category     string // category slug
	Tags         []string
	AuthorIDs    []uint64
	Cover        models.CoverImage
	CanonicalURL string
	Status       models.ArticleStatus // DRAFT when empty
	PublishedAt  *time.Time
}

// validate checks limits and returns every problem found.
func (in *ArticleInput) validate() error {
	switch {
	case strings.TrimSpace(in.Title) == "":
		return apperr.Invalidf("title", "title is required")
	case utf8.RuneCountInString(in.Title) > MaxTitleRunes:
		return apperr.Invalidf("title", "title is longer than %d characters", MaxTitleRunes)
	case utf8.RuneCountInString(in.Subtitle) > MaxSubtitleRunes:
		return apperr.Invalidf("subtitle", "subtitle is longer than %d characters", MaxSubtitleRunes)
	case len(in.Body) > MaxBodyBytes:
		return apperr.Invalidf("body", "body is larger than %d KiB", MaxBodyBytes>>10)
	case len(in.Tags) > MaxTags:
		return apperr.Invalidf("tags", "at most %d tags", MaxTags)
	case len(in.AuthorIDs) > MaxAuthors:
		return apperr.Invalidf("authors", "at most %d authors", MaxAuthors)
	case in.Slug != "" && !ValidSlug(in.Slug):
		return apperr.Invalidf("slug", "slug %q must be lower-case letters, digits and single hyphens, at most %d characters", in.Slug, MaxSlugLen)
	}
	return nil
}

// render fills the derived fields of a from its Markdown body.
func (s *Service) render(a *models.Article) error {
	r, err := s.md.Render(a.Body)
	if err != nil {
		return err
	}
	a.BodyHTML = r.HTML
	a.BodyText = r.Text
	a.WordCount = r.WordCount
	a.ReadingTimeMinutes = r.ReadingTimeMinutes
	if a.Subtitle != "" {
		a.Excerpt = markdown.Excerpt(a.Subtitle, excerptRunes)
	} else {
		a.Excerpt = markdown.Excerpt(r.Text, excerptRunes)
	}
	return nil
}

// CreateArticle validates and stores a new article with its byline and
// tags (creating tags by name) in one transaction, which also computes its
// related-article suggestions (RefreshRelated).
func (s *Service) CreateArticle(ctx context.Context, in ArticleInput) (*models.Article, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	a := &models.Article{
		Slug:         in.Slug,
		Title:        strings.TrimSpace(in.Title),
		Subtitle:     strings.TrimSpace(in.Subtitle),
		Body:         in.Body,
		Status:       in.Status,
		PublishedAt:  in.PublishedAt,
		Cover:        in.Cover,
		CanonicalURL: in.CanonicalURL,
		Version:      1,
	}
	if a.Slug == "" {
		a.Slug = Slugify(a.Title)
	}
	if a.Status == "" {
		a.Status = models.StatusDraft
	}
	if a.Status == models.StatusPublished && a.PublishedAt == nil {
		now := s.Now()
		a.PublishedAt = &now
	}
	if err := s.render(a); err != nil {
		return nil, err
	}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if in.Category != "" {
			c, err := tx.CategoryBySlug(ctx, in.Category)
			if err != nil {
				return err
			}
			if c == nil {
				return apperr.Invalidf("category", "no category with slug %q", in.Category)
			}
			a.CategoryID = &c.ID
		}
		tagIDs, err := ensureTags(ctx, tx, in.Tags)
		if err != nil {
			return err
		}
		if err := tx.CreateArticle(ctx, a, in.AuthorIDs, tagIDs); err != nil {
			return err
		}
		return s.refreshRelated(ctx, tx, a.ID)
	})
	if err != nil {
		if apperr.KindOf(err) == apperr.Conflict {
			return nil, &apperr.Error{Kind: apperr.Conflict, Field: "slug", Message: fmt.Sprintf("slug %q is taken", a.Slug), Err: err}
		}
		return nil, fmt.Errorf("create article %q: %w", a.Slug, err)
	}
	return a, nil
}

// ensureTags finds or creates tags by name and returns their ids.
func ensureTags(ctx context.Context, tx *store.Store, names []string) ([]uint64, error) {
	var slugs, clean []string
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		sl := Slugify(n)
		if sl == "" {
			return nil, apperr.Invalidf("tags", "tag %q has no letters or digits", n)
		}
		if seen[sl] {
			continue
		}
		seen[sl] = true
		slugs, clean = append(slugs, sl), append(clean, n)
	}
	tags, err := tx.EnsureTags(ctx, slugs, clean)
	if err != nil {
		return nil, err
	}
	ids := make([]uint64, len(tags))
	for i, t := range tags {
		ids[i] = t.ID
	}
	return ids, nil
}

// AuthorInput describes an author.
type AuthorInput struct {
	Name, Slug, Bio, AvatarURL, JobTitle string
}

// CreateAuthor stores a new author.
func (s *Service) CreateAuthor(ctx context.Context, in AuthorInput) (*models.Author, error) {
	if strings.TrimSpace(in.Name) == "" {
		return nil, apperr.Invalidf("name", "name is required")
	}
	a := &models.Author{Name: strings.TrimSpace(in.Name), Slug: in.Slug, Bio: in.Bio, AvatarURL: in.AvatarURL, JobTitle: in.JobTitle}
	if a.Slug == "" {
		a.Slug = Slugify(a.Name)
	}
	if !ValidSlug(a.Slug) {
		return nil, apperr.Invalidf("slug", "invalid slug %q", a.Slug)
	}
	if err := s.store.CreateAuthor(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// CategoryInput describes a section.
type CategoryInput struct {
	Name, Slug, Description string
	Position                int
}

// CreateCategory stores a new section.
func (s *Service) CreateCategory(ctx context.Context, in CategoryInput) (*models.Category, error) {
	if strings.TrimSpace(in.Name) == "" {
		return nil, apperr.Invalidf("name", "name is required")
	}
	c := &models.Category{Name: strings.TrimSpace(in.Name), Slug: in.Slug, Description: in.Description, Position: in.Position}
	if c.Slug == "" {
		c.Slug = Slugify(c.Name)
	}
	if !ValidSlug(c.Slug) {
		return nil, apperr.Invalidf("slug", "invalid slug %q", c.Slug)
	}
	if err := s.store.CreateCategory(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}
