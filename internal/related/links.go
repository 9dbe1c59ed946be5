package related

import (
	"net/url"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"

	"github.com/broadsheet/broadsheet/models"
)

// LinkedSlugs returns the slugs of the articles a Markdown body links to
// (article:<slug>, or /articles/<slug> relative or on any host), in order,
// without repeats.
func LinkedSlugs(body string) []string {
	src := []byte(body)
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(src))
	var out []string
	seen := map[string]bool{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest string
		switch l := n.(type) {
		case *ast.Link:
			dest = string(l.Destination)
		case *ast.AutoLink:
			dest = string(l.URL(src))
		default:
			return ast.WalkContinue, nil
		}
		if sl := articleSlug(dest); sl != "" && !seen[sl] {
			seen[sl] = true
			out = append(out, sl)
		}
		return ast.WalkContinue, nil
	})
	return out
}

// articleSlug returns the slug of an article URL, or "".
func articleSlug(dest string) string {
	if slug, ok := strings.CutPrefix(strings.TrimSpace(dest), "article:"); ok {
		if models.ValidSlug(slug) {
			return slug
		}
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(dest))
	if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	rest, ok := strings.CutPrefix(u.Path, "/articles/")
	if !ok {
		return ""
	}
	rest = strings.TrimSuffix(rest, "/")
	if !models.ValidSlug(rest) {
		return ""
	}
	return rest
}
