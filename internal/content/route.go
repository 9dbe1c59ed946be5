package content

import (
	"context"

	"github.com/broadsheet/broadsheet/internal/permalink"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Route tells a frontend what its request path shows: one of
// *models.Article, *models.Category, *models.Tag, *models.Author, or a
// *models.Redirect to follow; nil when nothing is there (or the viewer may
// not see it). A malformed path is nothing, never an error. An editor's
// redirect of the path comes first; then the object at its current
// address; then an earlier address of an article (an old slug, section or
// date), which redirects with 301 to the current one. A query string is
// ignored, except that a redirect stored with the path and its query (an
// imported /?p=123) is found before one of the path alone.
func (s *Service) Route(ctx context.Context, path string) (any, error) {
	clean, targets := s.pub.Links.Resolve(path)
	if clean == "" {
		return nil, nil
	}
	r, err := s.store.RedirectFrom(ctx, clean)
	if err != nil {
		return nil, err
	}
	// An old address that names its page by query (WordPress's /?p=123,
	// kept by imports) is looked up with its query first.
	if withQuery, ok := s.pub.Links.CleanQuery(path); ok && withQuery != clean {
		if qr, err := s.store.RedirectFrom(ctx, withQuery); err != nil {
			return nil, err
		} else if qr != nil {
			r = qr
		}
	}
	if r != nil {
		// A redirect to an article's earlier address goes on to its
		// current one: a chain is followed to its end.
		if loc, ok := s.pub.Links.Clean(r.Location); ok && r.Location[0] == '/' {
			if next, err := s.routeObject(ctx, s.store, s.visibility(ctx), loc, nil); err != nil {
				return nil, err
			} else if nr, ok := next.(*models.Redirect); ok {
				r.Location = nr.Location
			}
		}
		return r, nil
	}
	return s.routeObject(ctx, s.store, s.visibility(ctx), clean, targets)
}

// routeObject resolves a cleaned path to an object or an earlier
// article address, without editors' redirects, reading through st (the
// service's store, or a transaction's).
func (s *Service) routeObject(ctx context.Context, st TxStorage, v store.Visibility, clean string, targets []permalink.Target) (any, error) {
	if targets == nil {
		_, targets = s.pub.Links.Resolve(clean)
	}
	var moved *models.Article
	for _, t := range targets {
		switch t.Kind {
		case permalink.KindTag:
			if tag, err := st.TagBySlug(ctx, v, t.Fields.Slug); err != nil || tag != nil {
				return tag, err
			}
		case permalink.KindAuthor:
			if a, err := st.AuthorBySlug(ctx, t.Fields.Slug); err != nil || a != nil {
				return a, err
			}
		case permalink.KindSection:
			if c, err := st.CategoryBySlug(ctx, t.Fields.Slug); err != nil || c != nil {
				return c, err
			}
		case permalink.KindArticle:
			a, err := s.articleAt(ctx, st, v, t.Fields)
			if err != nil {
				return nil, err
			}
			if a == nil {
				continue
			}
			_, p, err := s.articlePath(ctx, st, a)
			if err != nil {
				return nil, err
			}
			if p == clean {
				return a, nil
			}
			if moved == nil {
				moved = a
			}
		}
	}
	if moved == nil {
		return nil, nil
	}
	u, p, err := s.articlePath(ctx, st, moved)
	if err != nil {
		return nil, err
	}
	loc := p
	if s.pub.Links.ArticlePattern().Base() != s.pub.Links.Base() {
		loc = u // the article pages live on another host
	}
	return &models.Redirect{FromPath: clean, Location: loc, StatusCode: 301}, nil
}

// articleAt finds the article a matched path names: by id when the
// pattern has one, else by its slug, current or earlier.
func (s *Service) articleAt(ctx context.Context, st TxStorage, v store.Visibility, f permalink.Fields) (*models.Article, error) {
	if f.ID != 0 {
		return st.ArticleByID(ctx, v, f.ID)
	}
	var (
		a   *models.Article
		err error
	)
	if f.Locale != "" {
		// A path or query naming its locale: that locale's slug only.
		loc, ok := s.locales.Canonical(f.Locale)
		if !ok {
			return nil, nil
		}
		f.Locale = loc
		a, err = st.ArticleBySlug(ctx, v, loc, f.Slug)
	} else {
		// An address without a locale: the default locale's article
		// first, else one in another locale (slugs are unique per locale).
		a, err = st.ArticleBySlugAnyLocale(ctx, v, f.Slug, s.locales.Default())
	}
	if err != nil || a != nil {
		return a, err
	}
	// Earlier slugs likewise: the path's locale only, else the default
	// locale's first.
	oldIn, anyLocale := f.Locale, f.Locale == ""
	if anyLocale {
		oldIn = s.locales.Default()
	}
	id, err := st.ArticleIDByOldSlug(ctx, oldIn, f.Slug, anyLocale)
	if err != nil || id == 0 {
		return nil, err
	}
	a, err = st.ArticleByID(ctx, v, id)
	if err != nil || a == nil || (f.Locale != "" && a.Locale != f.Locale) {
		return nil, err
	}
	return a, nil
}

// articlePath returns the article's URL and path, loading its section.
func (s *Service) articlePath(ctx context.Context, st TxStorage, a *models.Article) (string, string, error) {
	section := ""
	if a.CategoryID != nil {
		c, err := st.CategoryByID(ctx, *a.CategoryID)
		if err != nil {
			return "", "", err
		}
		if c != nil {
			section = c.Slug
		}
	}
	u, p := s.ArticleURL(a, section)
	return u, p, nil
}
