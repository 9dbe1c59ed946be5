package content

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/locale"
	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/models"
)

// Limits on what an article may hold; exceeding one is a user error.
const (
	MaxTitleRunes    = 300
	MaxSubtitleRunes = 1000
	MaxBodyBytes     = 512 << 10
	MaxTags          = 30
	MaxAuthors       = 10
	excerptRunes     = 280
)

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
	SEO          models.ArticleSEO
	Status       models.ArticleStatus // DRAFT when empty
	PublishedAt  *time.Time
	// EmbargoUntil, when set, is the earliest time it may be published.
	EmbargoUntil *time.Time
	// IDErrors are ids the caller could not parse (malformed, or of the
	// wrong type); they are reported with every other problem.
	IDErrors apperr.FieldErrors
	// Locale is the article's language as sent (checked here; the default
	// locale when nil, except for a translation, which must say).
	Locale *string
	// TranslationOf links the new article to an existing one (and its
	// translations); 0 for none.
	TranslationOf uint64
}

// CreateArticle validates and stores a new article with its byline and tags
// (creating tags by name), its first revision and an audit entry, all in one
// transaction. A slug is generated from the title when none is given.
func (s *Service) CreateArticle(ctx context.Context, in ArticleInput) (*models.Article, error) {
	snap := Snapshot{
		Title: in.Title, Slug: in.Slug, Subtitle: in.Subtitle, Body: in.Body, Status: in.Status,
		PublishedAt: in.PublishedAt, Tags: dedupeTags(in.Tags), AuthorIDs: in.AuthorIDs,
		Cover: in.Cover, CanonicalURL: in.CanonicalURL, SEO: trimSEO(in.SEO), EmbargoUntil: utcPtr(in.EmbargoUntil),
	}
	if snap.Status == "" {
		snap.Status = models.StatusDraft
	}
	if err := mayCreate(ctx, snap.Status); err != nil {
		return nil, err // audited as refused by the GraphQL layer
	}
	if snap.Status == models.StatusPublished && snap.PublishedAt == nil {
		now := s.Now()
		snap.PublishedAt = &now
	}
	a := &models.Article{}
	loc, locErr := s.articleLocale(in)
	if locErr != nil {
		in.IDErrors = append(in.IDErrors, locErr)
	}
	generated := snap.Slug == ""
	if generated {
		snap.Slug = models.SlugifyLang(snap.Title, locale.Base(loc))
	}
	a.Locale = loc
	err := s.change(ctx, ActionCreate, "Article", 0, func(tx TxStorage) (uint64, error) {
		errs := withLinkErrors(append(validateSnapshot(&snap, generated), in.IDErrors...), append(resolveLinks(ctx, tx, &snap, &in.Category), s.checkBody(ctx, tx, &snap)...))
		var original *models.Article
		if in.TranslationOf != 0 && locErr == nil {
			var err error
			if original, err = s.translationOriginal(ctx, tx, in.TranslationOf, loc); err != nil {
				if e, ok := apperr.As(err); !ok || e.Kind == apperr.Internal {
					return 0, err
				}
				errs = append(errs, err.(*apperr.Error))
			}
		}
		if !generated && len(errs) > 0 && models.ValidSlug(snap.Slug) && !hasInternal(errs) {
			// A taken slug is reported with the other problems, not after they are fixed.
			if taken, err := tx.SlugTaken(ctx, loc, snap.Slug, 0); err != nil {
				return 0, err
			} else if taken {
				errs = append(errs, apperr.Takenf("slug", "slug %q is taken by another article", snap.Slug))
			}
		}
		if len(errs) > 0 {
			return 0, errs
		}
		if generated {
			free, err := freeSlug(ctx, tx, loc, snap.Slug, 0)
			if err != nil {
				return 0, err
			}
			snap.Slug = free
		} else if taken, err := tx.SlugTaken(ctx, loc, snap.Slug, 0); err != nil {
			return 0, err
		} else if taken {
			return 0, apperr.Takenf("slug", "slug %q is taken by another article", snap.Slug)
		}
		if original != nil {
			// In the group before it is saved: its first related
			// suggestions already leave out its translations.
			if err := s.adoptInto(ctx, tx, a, original); err != nil {
				return 0, err
			}
		}
		if _, err := s.save(ctx, tx, a, snap, ActionCreate, []string{"created"}); err != nil {
			return a.ID, slugConflict(err, snap.Slug)
		}
		if original != nil {
			if err := s.refreshRelated(ctx, tx, []uint64{original.ID}); err != nil {
				return a.ID, err
			}
		}
		return a.ID, s.recordArticle(ctx, tx, ActionCreate, a, true, false, []string{"created"})
	})
	if err != nil {
		return nil, err
	}
	s.wakeScheduler(a)
	return a, nil
}

// freeSlug returns base, or base-2, base-3, … whichever is unused in locale.
func freeSlug(ctx context.Context, tx TxStorage, locale, base string, exceptID uint64) (string, error) {
	if base == "" {
		base = "article"
	}
	return firstFree(base, func(slug string) (bool, error) { return tx.SlugTaken(ctx, locale, slug, exceptID) })
}

// firstFree returns base, or base-2, base-3, … whichever taken reports
// unused: a slug made from a name never collides, as for articles.
func firstFree(base string, taken func(string) (bool, error)) (string, error) {
	for i := 1; i < 1000; i++ {
		candidate := base
		if i > 1 {
			suffix := fmt.Sprintf("-%d", i)
			candidate = strings.TrimRight(base[:min(len(base), models.MaxSlugLen-len(suffix))], "-") + suffix
		}
		used, err := taken(candidate)
		if err != nil {
			return "", err
		}
		if !used {
			return candidate, nil
		}
	}
	return "", apperr.Takenf("slug", "no free slug like %q", base)
}

// ensureTags finds or creates tags by name and returns their ids.
func ensureTags(ctx context.Context, tx TxStorage, names []string) ([]uint64, error) {
	var slugs, clean []string
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		sl := models.Slugify(n)
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

// render fills the derived fields of a from its Markdown body (or from pre,
// the same body rendered when it was checked) and returns the library
// images the body shows.
func (s *Service) render(a *models.Article, pre *renderedBody) ([]uint64, error) {
	var r markdown.Rendered
	if pre != nil && pre.body == a.Body {
		r = pre.r
	} else {
		var err error
		if r, err = s.md.Render(a.Body); err != nil {
			return nil, err
		}
	}
	imageIDs := resolveImages(r.Blocks)
	blocks, err := markdown.EncodeBlocks(r.Blocks)
	if err != nil {
		return nil, err
	}
	a.BodyHTML, a.BodyBlocks = r.HTML, blocks
	a.BodyText = r.Text
	a.WordCount = r.WordCount
	a.ReadingTimeMinutes = r.ReadingTimeMinutes
	if a.Subtitle != "" {
		a.Excerpt = markdown.Excerpt(a.Subtitle, excerptRunes)
	} else {
		a.Excerpt = markdown.Excerpt(r.Text, excerptRunes)
	}
	return imageIDs, nil
}
