// Package permalink builds and reads the public addresses of articles,
// sections, tags and authors. An article's address follows a pattern such
// as `{publicUrl}/{section}/{slug}` (--article-url-pattern); the same
// pattern read backwards tells which article a frontend's request path
// names, so GraphQL's Article.url, feeds, sitemaps, JSON-LD, webhooks and
// the route query all agree on one address per object.
package permalink

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultArticlePattern is the article address when none is configured.
const DefaultArticlePattern = "{publicUrl}/{section}/{slug}"

// NoSection stands in for {section} when an article has no section, so
// that its address keeps the pattern's shape.
const NoSection = "news"

// Placeholder names.
const (
	PublicURL = "publicUrl"
	Section   = "section"
	Slug      = "slug"
	Year      = "yyyy"
	Month     = "mm"
	Day       = "dd"
	ID        = "id"
	Locale    = "locale"
)

// slugRE is models' slug syntax, repeated here to keep this package a leaf.
const slugRE = `[a-z0-9]+(?:-[a-z0-9]+)*`

// placeholders maps each path placeholder to the text it matches.
var placeholders = map[string]string{
	Section: slugRE,
	Slug:    slugRE,
	Year:    `[0-9]{4}`,
	Month:   `[0-9]{2}`,
	Day:     `[0-9]{2}`,
	ID:      `[1-9][0-9]{0,18}`,
	// A BCP 47 tag as configured (fr, de-CH, zh-Hant-TW); the content
	// service checks it is one of the publication's.
	Locale: `[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}`,
}

// Fields are what an article's address is built from, or what a matched
// path names (Match sets only the fields its pattern has).
type Fields struct {
	// Section is the section's slug; empty for none (NoSection is used).
	Section string
	Slug    string
	ID      uint64
	// Published dates the address ({yyyy}/{mm}/{dd}), in UTC.
	Published time.Time
	// Locale is the article's locale ({locale}); a matched path sets it
	// only when the pattern has {locale}.
	Locale string
}

// part is a literal run of the path template or one placeholder.
type part struct {
	literal string
	name    string
}

// Pattern is a parsed article URL pattern.
type Pattern struct {
	raw   string
	base  string // scheme://host[/path] without a trailing slash
	parts []part
	names map[string]bool
	re    *regexp.Regexp // matches a whole path
	order []string       // placeholder of each capture group
}

// ParsePattern reads pattern against the server's public URL. The pattern
// starts with {publicUrl} or an absolute http(s) URL, its path names each
// placeholder at most once, and it has {slug} or {id} so that two articles
// never share an address.
func ParsePattern(pattern, publicURL string) (*Pattern, error) {
	base, err := parseBase(publicURL)
	if err != nil {
		return nil, err
	}
	p := &Pattern{raw: pattern, names: map[string]bool{}}
	rest := pattern
	switch {
	case strings.HasPrefix(rest, "{"+PublicURL+"}"):
		p.base, rest = base, strings.TrimPrefix(rest, "{"+PublicURL+"}")
	case strings.HasPrefix(rest, "http://") || strings.HasPrefix(rest, "https://"):
		i := strings.Index(rest[len("https://"):], "/")
		if i < 0 {
			return nil, fmt.Errorf("article URL pattern %q: no path after the host", pattern)
		}
		cut := len("https://") + i
		if p.base, err = parseBase(rest[:cut]); err != nil {
			return nil, fmt.Errorf("article URL pattern %q: %w", pattern, err)
		}
		rest = rest[cut:]
	default:
		return nil, fmt.Errorf("article URL pattern %q: must start with {publicUrl} or http(s)://host", pattern)
	}
	if !strings.HasPrefix(rest, "/") || len(rest) < 2 {
		return nil, fmt.Errorf("article URL pattern %q: want a path such as {publicUrl}/{section}/{slug}", pattern)
	}
	if err := p.parsePath(rest); err != nil {
		return nil, fmt.Errorf("article URL pattern %q: %w", pattern, err)
	}
	if !p.names[Slug] && !p.names[ID] {
		return nil, fmt.Errorf("article URL pattern %q: needs {slug} or {id}, or articles would share addresses", pattern)
	}
	return p, nil
}

// parseBase checks a public base URL: absolute http(s), no query.
func parseBase(raw string) (string, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("public URL %q: want an absolute http(s) URL such as https://news.example.com", raw)
	}
	return raw, nil
}

// parsePath splits the path template into literals and placeholders and
// compiles the regular expression that reads it back.
func (p *Pattern) parsePath(path string) error {
	var re strings.Builder
	re.WriteString("^")
	for path != "" {
		open := strings.IndexByte(path, '{')
		if open < 0 {
			open = len(path)
		}
		if lit := path[:open]; lit != "" {
			if strings.ContainsAny(lit, "}?#% \t") || strings.Contains(lit, "//") {
				return fmt.Errorf("unexpected characters in %q", lit)
			}
			p.parts = append(p.parts, part{literal: lit})
			re.WriteString(regexp.QuoteMeta(lit))
		}
		if open == len(path) {
			break
		}
		end := strings.IndexByte(path[open:], '}')
		if end < 0 {
			return errors.New("a { without its }")
		}
		name := path[open+1 : open+end]
		path = path[open+end+1:]
		expr, ok := placeholders[name]
		switch {
		case name == PublicURL:
			return errors.New("{publicUrl} may only start the pattern")
		case !ok:
			return fmt.Errorf("unknown placeholder {%s} (want section, slug, yyyy, mm, dd, id or locale)", name)
		case p.names[name]:
			return fmt.Errorf("{%s} appears twice", name)
		}
		if n := len(p.parts); n > 0 && p.parts[n-1].name != "" {
			return fmt.Errorf("{%s} must be separated from the placeholder before it", name)
		}
		p.names[name] = true
		p.parts = append(p.parts, part{name: name})
		p.order = append(p.order, name)
		re.WriteString("(" + expr + ")")
	}
	re.WriteString("$")
	p.re = regexp.MustCompile(re.String())
	return nil
}

// String returns the pattern as configured.
func (p *Pattern) String() string { return p.raw }

// Uses reports whether the pattern has the placeholder name.
func (p *Pattern) Uses(name string) bool { return p.names[name] }

// Base is the absolute URL the pattern's paths are appended to.
func (p *Pattern) Base() string { return p.base }

// Build returns the article's absolute URL and its path (the URL's path,
// with any base path of the public URL).
func (p *Pattern) Build(f Fields) (absolute, path string) {
	var b strings.Builder
	for _, pt := range p.parts {
		if pt.name == "" {
			b.WriteString(pt.literal)
			continue
		}
		b.WriteString(f.value(pt.name))
	}
	rel := b.String()
	return p.base + rel, basePath(p.base) + rel
}

// Match reads a path (without the base path) back into the fields its
// placeholders name; ok is false when the path does not have the
// pattern's shape.
func (p *Pattern) Match(rel string) (f Fields, ok bool) {
	m := p.re.FindStringSubmatch(rel)
	if m == nil {
		return Fields{}, false
	}
	for i, name := range p.order {
		v := m[i+1]
		switch name {
		case Section:
			f.Section = v
		case Slug:
			f.Slug = v
		case Locale:
			f.Locale = v
		case ID:
			id, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return Fields{}, false
			}
			f.ID = id
		}
	}
	return f, true
}

func (f Fields) value(name string) string {
	t := f.Published.UTC()
	switch name {
	case Section:
		if f.Section == "" {
			return NoSection
		}
		return f.Section
	case Slug:
		return f.Slug
	case Locale:
		return f.Locale
	case ID:
		return strconv.FormatUint(f.ID, 10)
	case Year:
		return fmt.Sprintf("%04d", t.Year())
	case Month:
		return fmt.Sprintf("%02d", int(t.Month()))
	case Day:
		return fmt.Sprintf("%02d", t.Day())
	}
	return ""
}

// basePath is the path part of a base URL ("" for none).
func basePath(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.EscapedPath(), "/")
}
