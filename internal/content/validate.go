package content

// What an article's content may be: the limits of its fields and the checks
// of a whole snapshot, run before any save.

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/models"
)

// Limits on input beyond the article's own (see write.go).
const (
	MaxTagRunes     = 100
	MaxNameRunes    = 200
	MaxBioRunes     = 5000
	MaxURLLen       = 2048
	MaxCaptionRunes = 1000
)

// validateSnapshot checks an article's whole content against the limits and
// returns every problem found, each with its input field. slugGenerated
// says the slug was made from the title, not sent: a problem with it is
// then the title's.
func validateSnapshot(snap *Snapshot, slugGenerated bool) apperr.FieldErrors {
	var errs apperr.FieldErrors
	bad := func(field, format string, args ...any) { errs = append(errs, apperr.Invalidf(field, format, args...)) }
	switch {
	case strings.TrimSpace(snap.Title) == "":
		bad("title", "title is required")
	case utf8.RuneCountInString(snap.Title) > MaxTitleRunes:
		bad("title", "title is longer than %d characters", MaxTitleRunes)
	}
	if !snap.Status.IsValid() {
		bad("status", "unknown status %q", snap.Status)
	} else if snap.Status == models.StatusScheduled && snap.PublishedAt == nil {
		bad("status", "a SCHEDULED article needs a publication time: use publishArticle(id, at:)")
	}
	if e := embargoError(snap, "embargoUntil"); e != nil {
		errs = append(errs, e)
	}
	if utf8.RuneCountInString(snap.Subtitle) > MaxSubtitleRunes {
		bad("subtitle", "subtitle is longer than %d characters", MaxSubtitleRunes)
	}
	if len(snap.Body) > MaxBodyBytes {
		bad("body", "body is larger than %d KiB", MaxBodyBytes>>10)
	}
	switch {
	case slugGenerated && strings.TrimSpace(snap.Title) == "":
		// Reported on the title already.
	case slugGenerated && snap.Slug == "":
		bad("title", "title %q has no letters or digits to make a slug from: pass a slug", apperr.Clip(snap.Title, 60))
	case !models.ValidSlug(snap.Slug):
		bad("slug", "slug %q must be lower-case letters, digits and single hyphens, at most %d characters", apperr.Clip(snap.Slug, 60), models.MaxSlugLen)
	}
	if len(snap.Tags) > MaxTags {
		bad("tags", "at most %d tags", MaxTags)
	}
	for _, t := range snap.Tags {
		if utf8.RuneCountInString(t) > MaxTagRunes {
			bad("tags", "tag %q is longer than %d characters", apperr.Clip(t, 40), MaxTagRunes)
		} else if models.Slugify(t) == "" {
			bad("tags", "tag %q has no letters or digits", t)
		}
	}
	if len(snap.AuthorIDs) > MaxAuthors {
		bad("authors", "at most %d authors", MaxAuthors)
	}
	if snap.CanonicalURL != "" && !absoluteHTTPURL(snap.CanonicalURL) {
		bad("canonicalUrl", "canonicalUrl must be an absolute http(s) URL")
	}
	c := snap.Cover
	if c.URL != "" && !absoluteHTTPURL(c.URL) && !strings.HasPrefix(c.URL, "/") {
		bad("coverImage.url", "cover image URL must be an absolute http(s) URL or a site path starting with /")
	}
	if c.URL == "" && c.ImageID == 0 && (c.Alt != "" || c.Caption != "" || c.Credit != "") {
		bad("coverImage.url", "a cover image needs a URL")
	}
	if len(c.URL) > MaxURLLen || utf8.RuneCountInString(c.Alt) > MaxCaptionRunes || utf8.RuneCountInString(c.Caption) > MaxCaptionRunes || utf8.RuneCountInString(c.Credit) > MaxNameRunes {
		bad("coverImage", "cover image fields are too long")
	}
	return append(errs, validateSEO(snap.SEO)...)
}

func absoluteHTTPURL(s string) bool {
	if len(s) > MaxURLLen {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// dedupeTags trims tag names and drops repeats (by slug), keeping order.
func dedupeTags(names []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.Join(strings.Fields(n), " ")
		key := models.Slugify(n)
		if key != "" && seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, n)
	}
	return out
}

// withLinkErrors adds the problems resolveLinks found (an unknown section
// or author) to the format problems, so a client sees them all at once;
// a failure to check is returned alone.
func withLinkErrors(format, links apperr.FieldErrors) apperr.FieldErrors {
	if hasInternal(links) {
		return links
	}
	return append(format, links...)
}

// hasInternal reports whether errs hold a failure to check, not a user error.
func hasInternal(errs apperr.FieldErrors) bool {
	for _, e := range errs {
		if e.Kind == apperr.Internal {
			return true
		}
	}
	return false
}

// resolveLinks checks authors and the category slug inside tx.
func resolveLinks(ctx context.Context, tx TxStorage, snap *Snapshot, categorySlug *string) apperr.FieldErrors {
	var errs apperr.FieldErrors
	if categorySlug != nil {
		if *categorySlug == "" {
			snap.CategoryID = nil
		} else if c, err := tx.CategoryBySlug(ctx, *categorySlug); err != nil || c == nil {
			errs = append(errs, &apperr.Error{Kind: apperr.Invalid, Code: "NOT_FOUND", Field: "category", Message: fmt.Sprintf("no section with slug %q", apperr.Clip(*categorySlug, 60))})
		} else {
			snap.CategoryID = &c.ID
		}
	}
	if len(snap.AuthorIDs) > 0 {
		seen := map[uint64]bool{}
		var ids []uint64
		for _, id := range snap.AuthorIDs {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		snap.AuthorIDs = ids
		exist, err := tx.AuthorsExist(ctx, ids)
		if err != nil {
			errs = append(errs, &apperr.Error{Kind: apperr.Internal, Message: "check authors", Err: err})
			return errs
		}
		for _, id := range ids {
			if !exist[id] {
				errs = append(errs, &apperr.Error{Kind: apperr.Invalid, Code: "NOT_FOUND", Field: "authors", Message: fmt.Sprintf("no author with id %q", globalid.ID(globalid.TypeAuthor, id))})
			}
		}
	}
	return append(errs, checkCoverImage(ctx, tx, snap.Cover)...)
}
