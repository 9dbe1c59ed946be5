package content

import (
	"github.com/broadsheet/broadsheet/internal/permalink"
	"github.com/broadsheet/broadsheet/models"
)

// Publication is who publishes: the name, language and logo search
// engines and feed readers show, and the public addresses of everything
// (Links). Feeds, sitemaps, JSON-LD, webhooks and the route query read it.
type Publication struct {
	// Name is the publication's name (--publication-name), e.g. in the
	// JSON-LD publisher and Google News sitemaps.
	Name string
	// Language is its BCP 47 language (--publication-language), e.g. "en".
	Language string
	// LogoURL is the publisher logo in JSON-LD (--publisher-logo-url).
	LogoURL string
	// Links builds and reads the public addresses.
	Links *permalink.Links
	// AllowExternalRedirects lets editors' redirects point to other hosts.
	AllowExternalRedirects bool
}

// DefaultPublication is used when none is configured (tests, tools).
func DefaultPublication() Publication {
	return Publication{Name: "Broadsheet", Language: "en", Links: permalink.MustNew("http://localhost:8080", "")}
}

// WithPublication sets who publishes and the URL pattern.
func WithPublication(p Publication) Option {
	return func(s *Service) {
		if p.Links == nil {
			p.Links = DefaultPublication().Links
		}
		s.pub = p
	}
}

// Publication returns who publishes and the public addresses.
func (s *Service) Publication() Publication { return s.pub }

// ArticleURL returns the article's absolute public URL and its path.
// section is the slug of its section ("" for none): callers that hold
// the section already pass it, to spare a query.
func (s *Service) ArticleURL(a *models.Article, section string) (absolute, path string) {
	f := permalink.Fields{Section: section, Slug: a.Slug, ID: a.ID, Published: a.CreatedAt, Locale: a.Locale}
	if a.PublishedAt != nil {
		f.Published = *a.PublishedAt
	}
	return s.pub.Links.Article(f)
}
