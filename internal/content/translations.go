package content

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/related"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Translations. An article is in one locale and may belong to a
// translation group: the same story in other languages, each its own
// article (slug, byline, workflow, revisions, publication time). A group
// holds at most one article per locale; readers see only the published
// members. Deleting an article takes it out of its group.

// Actions of the translation mutations, in the audit log.
const (
	ActionLinkTranslation         = "article.link_translation"
	ActionUnlinkTranslation       = "article.unlink_translation"
	ActionCategoryTranslation     = "category.set_translation"
	ActionTagTranslation          = "tag.set_translation"
	codeLocaleTaken               = "LOCALE_TAKEN"
	fieldTranslationOf            = "translationOf"
	changedTranslations           = "translations"
	errTranslateDeletedArticleMsg = "the article to translate does not exist or is deleted"
)

// CheckLocale returns the configured locale raw names, or BAD_USER_INPUT
// naming arg; nil gives "" (no locale asked for).
func (s *Service) CheckLocale(arg string, raw *string) (string, error) {
	return s.locales.Optional(arg, raw)
}

// localeTaken is the LOCALE_TAKEN user error.
func localeTaken(field, loc string, id uint64) error {
	return &apperr.Error{Kind: apperr.Conflict, Code: codeLocaleTaken, Field: field,
		Message: fmt.Sprintf("the translation group already has an article in %s (%s): a group holds one article per locale", loc, globalid.ID(globalid.TypeArticle, id))}
}

// TranslationsOfArticles returns, for each article, the other members of
// its translation group the viewer may see, by locale (for loaders).
func (s *Service) TranslationsOfArticles(ctx context.Context, arts []*models.Article) ([][]*models.Article, error) {
	m, err := s.store.TranslationsOf(ctx, s.visibility(ctx), arts)
	if err != nil {
		return nil, err
	}
	out := make([][]*models.Article, len(arts))
	for i, a := range arts {
		out[i] = m[a.ID]
		if out[i] == nil {
			out[i] = []*models.Article{}
		}
	}
	return out, nil
}

// joinGroup puts the articles of a's group and b's group in one group,
// refusing with LOCALE_TAKEN (on field) when two would share a locale.
// extra is a member not yet stored (a new translation: its locale).
func (s *Service) joinGroup(ctx context.Context, tx TxStorage, a, b *models.Article, field string) (uint64, error) {
	ma, err := groupOrSelf(ctx, tx, a)
	if err != nil {
		return 0, err
	}
	mb, err := groupOrSelf(ctx, tx, b)
	if err != nil {
		return 0, err
	}
	byLocale := map[string]uint64{}
	for _, m := range ma {
		byLocale[m.Locale] = m.ID
	}
	var ids []uint64
	for _, m := range ma {
		ids = append(ids, m.ID)
	}
	for _, m := range mb {
		if other, ok := byLocale[m.Locale]; ok && other != m.ID {
			// Name the article of the group being joined (b's), not
			// the editor's own: that is the one in the way.
			return 0, localeTaken(field, m.Locale, m.ID)
		}
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	g := ids[0] // the oldest member names the group
	if err := tx.SetTranslationGroup(ctx, ids, g); err != nil {
		return 0, err
	}
	return g, s.refreshRelated(ctx, tx, ids)
}

// groupOrSelf returns a's translation group, or a alone.
func groupOrSelf(ctx context.Context, tx TxStorage, a *models.Article) ([]store.GroupMember, error) {
	if a.TranslationGroup == 0 {
		return []store.GroupMember{{ID: a.ID, Locale: a.Locale}}, nil
	}
	return tx.GroupMembers(ctx, a.TranslationGroup)
}

// refreshRelated recomputes the suggestions of ids (group changes: a
// translation is never suggested for its own group).
func (s *Service) refreshRelated(ctx context.Context, tx TxStorage, ids []uint64) error {
	for _, id := range ids {
		if err := related.Refresh(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// LinkTranslation links article id with translationOf as translations of
// one story: their groups become one. Refused with LOCALE_TAKEN when the
// group would hold two articles of one locale.
func (s *Service) LinkTranslation(ctx context.Context, id, translationOf uint64) (*models.Article, error) {
	var a *models.Article
	err := s.change(ctx, ActionLinkTranslation, "Article", id, func(tx TxStorage) (uint64, error) {
		var err error
		if a, err = tx.LockArticle(ctx, id); err != nil {
			return 0, err
		}
		if a == nil || a.DeletedAt != nil {
			return 0, errNoArticle()
		}
		if translationOf == id {
			return id, apperr.Invalidf(fieldTranslationOf, "an article is not its own translation")
		}
		b, err := tx.LockArticle(ctx, translationOf)
		if err != nil {
			return 0, err
		}
		if b == nil || b.DeletedAt != nil {
			return id, &apperr.Error{Kind: apperr.NotFound, Field: fieldTranslationOf, Message: errTranslateDeletedArticleMsg}
		}
		if a.TranslationGroup != 0 && a.TranslationGroup == b.TranslationGroup {
			return id, nil // linked already
		}
		if a.TranslationGroup, err = s.joinGroup(ctx, tx, a, b, fieldTranslationOf); err != nil {
			return id, err
		}
		return id, s.recordTranslations(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return s.ArticleByID(ctx, id)
}

// UnlinkTranslation takes article id out of its translation group (a group
// left with one article is dissolved).
func (s *Service) UnlinkTranslation(ctx context.Context, id uint64) (*models.Article, error) {
	err := s.change(ctx, ActionUnlinkTranslation, "Article", id, func(tx TxStorage) (uint64, error) {
		a, err := tx.LockArticle(ctx, id)
		if err != nil {
			return 0, err
		}
		if a == nil || a.DeletedAt != nil {
			return 0, errNoArticle()
		}
		if a.TranslationGroup == 0 {
			return id, apperr.Invalidf("id", "the article is not linked to any translation")
		}
		return id, s.leaveGroup(ctx, tx, a, true)
	})
	if err != nil {
		return nil, err
	}
	return s.ArticleByID(ctx, id)
}

// leaveGroup takes a out of its group inside tx; record writes the
// article's event (not for a deletion, which records its own).
func (s *Service) leaveGroup(ctx context.Context, tx TxStorage, a *models.Article, record bool) error {
	if a.TranslationGroup == 0 {
		return nil
	}
	members, err := tx.GroupMembers(ctx, a.TranslationGroup)
	if err != nil {
		return err
	}
	var rest []uint64
	for _, m := range members {
		if m.ID != a.ID {
			rest = append(rest, m.ID)
		}
	}
	if err := tx.SetTranslationGroup(ctx, []uint64{a.ID}, 0); err != nil {
		return err
	}
	a.TranslationGroup = 0
	if len(rest) == 1 {
		if err := tx.SetTranslationGroup(ctx, rest, 0); err != nil {
			return err
		}
	} else if len(rest) > 1 && rest[0] != members[0].ID {
		// The group is named by its oldest member: a new name when it left.
		if err := tx.SetTranslationGroup(ctx, rest, rest[0]); err != nil {
			return err
		}
	}
	if err := s.refreshRelated(ctx, tx, rest); err != nil {
		return err
	}
	if !record {
		return nil
	}
	if err := s.refreshRelated(ctx, tx, []uint64{a.ID}); err != nil {
		return err
	}
	return s.recordTranslations(ctx, tx, a)
}

// recordTranslations records the event of a changed translation group
// (article.updated with changedFields [translations]): caches of the
// article are purged and subscribers learn of it.
func (s *Service) recordTranslations(ctx context.Context, tx TxStorage, a *models.Article) error {
	visible := ReaderVisible(a, s.Now())
	return s.recordArticle(ctx, tx, ActionUpdate, a, false, visible, []string{changedTranslations})
}

// CategoriesIn returns copies of cats named in locale where a translation
// exists (the default locale's names otherwise). The default locale, or
// "", returns cats as they are.
func (s *Service) CategoriesIn(ctx context.Context, locale string, cats []*models.Category) ([]*models.Category, error) {
	if locale == "" || locale == s.locales.Default() || len(cats) == 0 {
		return cats, nil
	}
	ids := make([]uint64, 0, len(cats))
	for _, c := range cats {
		if c != nil {
			ids = append(ids, c.ID)
		}
	}
	tr, err := s.store.CategoryTranslations(ctx, locale, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*models.Category, len(cats))
	for i, c := range cats {
		out[i] = c
		if t := tr[c.ID]; c != nil && t != nil {
			cp := *c
			cp.Name = t.Name
			if t.Description != "" {
				cp.Description = t.Description
			}
			out[i] = &cp
		}
	}
	return out, nil
}

// LocalizeTags returns copies of tags named in locale where a translation
// exists (see CategoriesIn).
func (s *Service) LocalizeTags(ctx context.Context, locale string, tags []*models.Tag) ([]*models.Tag, error) {
	if locale == "" || locale == s.locales.Default() || len(tags) == 0 {
		return tags, nil
	}
	ids := make([]uint64, len(tags))
	for i, t := range tags {
		ids[i] = t.ID
	}
	names, err := s.store.TagTranslations(ctx, locale, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*models.Tag, len(tags))
	for i, t := range tags {
		out[i] = t
		if n, ok := names[t.ID]; ok {
			cp := *t
			cp.Name = n
			out[i] = &cp
		}
	}
	return out, nil
}

// TranslationInput is a section's or tag's text in one locale; an empty
// name removes the translation (the default locale's text shows again).
type TranslationInput struct {
	Locale      *string
	Name        string
	Description string
}

// checkTranslation validates a translation's locale (not the default:
// that text is the object's own) and length.
func (s *Service) checkTranslation(in TranslationInput) (string, error) {
	loc, err := s.locales.Check("locale", strings.TrimSpace(deref(in.Locale)))
	if err != nil {
		return "", err
	}
	if loc == s.locales.Default() {
		return "", apperr.Invalidf("locale", "locale: %s is the default locale, whose name is the object's own: change it with the update mutation", loc)
	}
	if utf8.RuneCountInString(in.Name) > MaxNameRunes {
		return "", apperr.Invalidf("name", "name is longer than %d characters", MaxNameRunes)
	}
	if utf8.RuneCountInString(in.Description) > MaxBioRunes {
		return "", apperr.Invalidf("description", "description is longer than %d characters", MaxBioRunes)
	}
	return loc, nil
}

// SetCategoryTranslation sets (or with an empty name removes) a section's
// name and description in a locale other than the default.
func (s *Service) SetCategoryTranslation(ctx context.Context, id uint64, in TranslationInput) (*models.Category, error) {
	loc, err := s.checkTranslation(in)
	if err != nil {
		return nil, err
	}
	err = s.change(ctx, ActionCategoryTranslation, "Category", id, func(tx TxStorage) (uint64, error) {
		c, err := tx.CategoryByID(ctx, id)
		if err != nil {
			return 0, err
		}
		if c == nil {
			return 0, &apperr.Error{Kind: apperr.NotFound, Field: "id", Message: "no such section"}
		}
		if name := strings.TrimSpace(in.Name); name == "" {
			return id, tx.DeleteCategoryTranslation(ctx, id, loc)
		} else {
			return id, tx.SaveCategoryTranslation(ctx, &models.CategoryTranslation{CategoryID: id, Locale: loc, Name: name, Description: strings.TrimSpace(in.Description)})
		}
	})
	if err != nil {
		return nil, err
	}
	c, err := s.store.CategoryByID(ctx, id)
	if err != nil || c == nil {
		return c, err
	}
	cs, err := s.CategoriesIn(ctx, loc, []*models.Category{c})
	if err != nil {
		return nil, err
	}
	return cs[0], nil
}

// SetTagTranslation sets (or with an empty name removes) a tag's name in a
// locale other than the default.
func (s *Service) SetTagTranslation(ctx context.Context, id uint64, in TranslationInput) (*models.Tag, error) {
	loc, err := s.checkTranslation(in)
	if err != nil {
		return nil, err
	}
	err = s.change(ctx, ActionTagTranslation, "Tag", id, func(tx TxStorage) (uint64, error) {
		t, err := tx.TagByID(ctx, store.Visibility{}, id)
		if err != nil {
			return 0, err
		}
		if t == nil {
			return 0, &apperr.Error{Kind: apperr.NotFound, Field: "id", Message: "no such tag"}
		}
		if name := strings.TrimSpace(in.Name); name == "" {
			return id, tx.DeleteTagTranslation(ctx, id, loc)
		} else {
			return id, tx.SaveTagTranslation(ctx, &models.TagTranslation{TagID: id, Locale: loc, Name: name})
		}
	})
	if err != nil {
		return nil, err
	}
	t, err := s.store.TagByID(ctx, store.Visibility{}, id)
	if err != nil || t == nil {
		return t, err
	}
	ts, err := s.LocalizeTags(ctx, loc, []*models.Tag{t})
	if err != nil {
		return nil, err
	}
	return ts[0], nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// articleLocale returns the locale of a new article: the one sent (which
// must be configured), else the default; a translation must name its own.
func (s *Service) articleLocale(in ArticleInput) (string, *apperr.Error) {
	if in.Locale == nil {
		if in.TranslationOf != 0 {
			return s.locales.Default(), apperr.Invalidf("locale", "locale: a translation needs its locale (one of %s)", strings.Join(s.locales.All(), ", "))
		}
		return s.locales.Default(), nil
	}
	loc, err := s.locales.Check("locale", *in.Locale)
	if err != nil {
		e, _ := apperr.As(err)
		return s.locales.Default(), e
	}
	return loc, nil
}

// translationOriginal loads (locked) the article a new translation in loc
// is of: it must exist, not be deleted, and its group must have no
// article in loc yet.
func (s *Service) translationOriginal(ctx context.Context, tx TxStorage, id uint64, loc string) (*models.Article, error) {
	o, err := tx.LockArticle(ctx, id)
	if err != nil {
		return nil, &apperr.Error{Kind: apperr.Internal, Message: "load the article to translate", Err: err}
	}
	if o == nil || o.DeletedAt != nil {
		return nil, &apperr.Error{Kind: apperr.Invalid, Code: "NOT_FOUND", Field: fieldTranslationOf, Message: errTranslateDeletedArticleMsg}
	}
	members, err := groupOrSelf(ctx, tx, o)
	if err != nil {
		return nil, &apperr.Error{Kind: apperr.Internal, Message: "load the translation group", Err: err}
	}
	for _, m := range members {
		if m.Locale == loc {
			e, _ := apperr.As(localeTaken(fieldTranslationOf, loc, m.ID))
			return nil, e
		}
	}
	return o, nil
}

// adoptInto puts a new article a (not yet stored) in original's group.
func (s *Service) adoptInto(ctx context.Context, tx TxStorage, a, original *models.Article) error {
	if original.TranslationGroup == 0 {
		original.TranslationGroup = original.ID
		if err := tx.SetTranslationGroup(ctx, []uint64{original.ID}, original.ID); err != nil {
			return err
		}
	}
	a.TranslationGroup = original.TranslationGroup
	return nil
}

// TagNames returns the names of the tags ids in locale, where they have one.
func (s *Service) TagNames(ctx context.Context, locale string, ids []uint64) (map[uint64]string, error) {
	return s.store.TagTranslations(ctx, locale, ids)
}

// DefaultLocale reports whether loc is the default locale (or unset).
func (s *Service) DefaultLocale(loc string) bool { return loc == "" || loc == s.locales.Default() }
