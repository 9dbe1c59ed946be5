package content

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/models"
)

// AuthorInput describes an author; on update, empty Slug keeps the old one.
type AuthorInput struct {
	Name, Slug, Bio, AvatarURL, JobTitle string
}

// AuthorChanges are the author fields an update sets; nil leaves one as it is.
type AuthorChanges struct {
	Name, Slug, Bio, AvatarURL, JobTitle *string
}

func validateAuthor(a *models.Author) apperr.FieldErrors {
	var errs apperr.FieldErrors
	if strings.TrimSpace(a.Name) == "" {
		errs = append(errs, apperr.Invalidf("name", "name is required"))
	} else if utf8.RuneCountInString(a.Name) > MaxNameRunes {
		errs = append(errs, apperr.Invalidf("name", "name is longer than %d characters", MaxNameRunes))
	}
	if !models.ValidSlug(a.Slug) {
		errs = append(errs, apperr.Invalidf("slug", "slug %q must be lower-case letters, digits and single hyphens", apperr.Clip(a.Slug, 60)))
	}
	if utf8.RuneCountInString(a.Bio) > MaxBioRunes {
		errs = append(errs, apperr.Invalidf("bio", "bio is longer than %d characters", MaxBioRunes))
	}
	if a.AvatarURL != "" && !absoluteHTTPURL(a.AvatarURL) && !strings.HasPrefix(a.AvatarURL, "/") {
		errs = append(errs, apperr.Invalidf("avatarUrl", "avatarUrl must be an absolute http(s) URL or a site path"))
	}
	if utf8.RuneCountInString(a.JobTitle) > MaxNameRunes {
		errs = append(errs, apperr.Invalidf("jobTitle", "jobTitle is longer than %d characters", MaxNameRunes))
	}
	return errs
}

func takenAs(err error, field, value string) error {
	if apperr.KindOf(err) == apperr.Conflict {
		return apperr.Takenf(field, "%s %q is taken", field, value)
	}
	return err
}

// CreateAuthor stores a new author.
func (s *Service) CreateAuthor(ctx context.Context, in AuthorInput) (*models.Author, error) {
	a := &models.Author{Name: strings.TrimSpace(in.Name), Slug: in.Slug, Bio: in.Bio, AvatarURL: in.AvatarURL, JobTitle: in.JobTitle}
	generated := a.Slug == ""
	if generated {
		a.Slug = models.Slugify(a.Name)
	}
	err := s.change(ctx, ActionAuthorCreate, "Author", 0, func(tx TxStorage) (uint64, error) {
		if errs := validateAuthor(a); len(errs) > 0 {
			return 0, errs
		}
		if generated {
			free, err := firstFree(a.Slug, func(slug string) (bool, error) { return tx.AuthorSlugTaken(ctx, slug) })
			if err != nil {
				return 0, err
			}
			a.Slug = free
		}
		err := takenAs(tx.CreateAuthor(ctx, a), "slug", a.Slug)
		return a.ID, err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// UpdateAuthor changes an author.
func (s *Service) UpdateAuthor(ctx context.Context, id uint64, ch AuthorChanges) (*models.Author, error) {
	var a *models.Author
	err := s.change(ctx, ActionAuthorUpdate, "Author", id, func(tx TxStorage) (uint64, error) {
		var err error
		if a, err = tx.AuthorByID(ctx, id); err != nil {
			return 0, err
		}
		if a == nil {
			return 0, &apperr.Error{Kind: apperr.NotFound, Field: "id", Message: "no such author"}
		}
		set(&a.Name, ch.Name, strings.TrimSpace)
		set(&a.Slug, ch.Slug, strings.TrimSpace)
		set(&a.Bio, ch.Bio, nil)
		set(&a.AvatarURL, ch.AvatarURL, strings.TrimSpace)
		set(&a.JobTitle, ch.JobTitle, strings.TrimSpace)
		if errs := validateAuthor(a); len(errs) > 0 {
			return 0, errs
		}
		return a.ID, takenAs(tx.UpdateAuthor(ctx, a), "slug", a.Slug)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// DeleteAuthor removes an author who is not credited on published or
// scheduled articles (a scheduled byline would change under the editor,
// with no revision to show it).
func (s *Service) DeleteAuthor(ctx context.Context, id uint64) (*models.Author, error) {
	var a *models.Author
	err := s.change(ctx, ActionAuthorDelete, "Author", id, func(tx TxStorage) (uint64, error) {
		var err error
		if a, err = tx.AuthorByID(ctx, id); err != nil {
			return 0, err
		}
		if a == nil {
			return 0, &apperr.Error{Kind: apperr.NotFound, Field: "id", Message: "no such author"}
		}
		n, err := tx.CountPublishedByAuthor(ctx, id)
		if err != nil {
			return 0, err
		}
		if n > 0 {
			return 0, &apperr.Error{Kind: apperr.Conflict, Code: "IN_USE", Field: "id",
				Message: pluralf(n, "%s is credited on %d published or scheduled article; unpublish it or change its byline first", "%s is credited on %d published or scheduled articles; unpublish them or change their bylines first", a.Name, n)}
		}
		now := s.Now()
		a.DeletedAt = &now
		return a.ID, tx.UpdateAuthor(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// CategoryInput describes a section.
type CategoryInput struct {
	Name, Slug, Description string
	Position                int
}

// CategoryChanges are the section fields an update sets.
type CategoryChanges struct {
	Name, Slug, Description *string
	Position                *int
}

func validateCategory(c *models.Category) apperr.FieldErrors {
	var errs apperr.FieldErrors
	if strings.TrimSpace(c.Name) == "" {
		errs = append(errs, apperr.Invalidf("name", "name is required"))
	} else if utf8.RuneCountInString(c.Name) > MaxNameRunes {
		errs = append(errs, apperr.Invalidf("name", "name is longer than %d characters", MaxNameRunes))
	}
	if !models.ValidSlug(c.Slug) {
		errs = append(errs, apperr.Invalidf("slug", "slug %q must be lower-case letters, digits and single hyphens", apperr.Clip(c.Slug, 60)))
	}
	if utf8.RuneCountInString(c.Description) > MaxBioRunes {
		errs = append(errs, apperr.Invalidf("description", "description is longer than %d characters", MaxBioRunes))
	}
	return errs
}

// CreateCategory stores a new section.
func (s *Service) CreateCategory(ctx context.Context, in CategoryInput) (*models.Category, error) {
	c := &models.Category{Name: strings.TrimSpace(in.Name), Slug: in.Slug, Description: in.Description, Position: in.Position}
	generated := c.Slug == ""
	if generated {
		c.Slug = models.Slugify(c.Name)
	}
	err := s.change(ctx, ActionCategoryCreate, "Category", 0, func(tx TxStorage) (uint64, error) {
		if errs := validateCategory(c); len(errs) > 0 {
			return 0, errs
		}
		if generated {
			// As for articles: a slug made from the name gets a suffix
			// rather than a TAKEN error on a field that was not sent.
			free, err := firstFree(c.Slug, func(slug string) (bool, error) { return tx.CategorySlugTaken(ctx, slug) })
			if err != nil {
				return 0, err
			}
			c.Slug = free
		}
		err := takenAs(tx.CreateCategory(ctx, c), "slug", c.Slug)
		return c.ID, err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateCategory changes a section.
func (s *Service) UpdateCategory(ctx context.Context, id uint64, ch CategoryChanges) (*models.Category, error) {
	var c *models.Category
	err := s.change(ctx, ActionCategoryUpdate, "Category", id, func(tx TxStorage) (uint64, error) {
		var err error
		if c, err = tx.CategoryByID(ctx, id); err != nil {
			return 0, err
		}
		if c == nil {
			return 0, &apperr.Error{Kind: apperr.NotFound, Field: "id", Message: "no such section"}
		}
		set(&c.Name, ch.Name, strings.TrimSpace)
		set(&c.Slug, ch.Slug, strings.TrimSpace)
		set(&c.Description, ch.Description, nil)
		if ch.Position != nil {
			c.Position = *ch.Position
		}
		if errs := validateCategory(c); len(errs) > 0 {
			return 0, errs
		}
		return c.ID, takenAs(tx.UpdateCategory(ctx, c), "slug", c.Slug)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// set copies *from into *to when given, through clean when not nil.
func set(to *string, from *string, clean func(string) string) {
	if from == nil {
		return
	}
	v := *from
	if clean != nil {
		v = clean(v)
	}
	*to = v
}
