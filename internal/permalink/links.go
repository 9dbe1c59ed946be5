package permalink

import (
	"net/url"
	"regexp"
	"strings"
)

// Links are the addresses of everything readers can open: articles by
// their pattern, sections at {publicUrl}/{section}, tags at
// {publicUrl}/tags/{slug} and authors at {publicUrl}/authors/{slug}.
type Links struct {
	base    string
	article *Pattern
}

// New parses the public URL and the article pattern ("" for the default).
func New(publicURL, articlePattern string) (*Links, error) {
	if articlePattern == "" {
		articlePattern = DefaultArticlePattern
	}
	p, err := ParsePattern(articlePattern, publicURL)
	if err != nil {
		return nil, err
	}
	base, _ := parseBase(publicURL)
	return &Links{base: base, article: p}, nil
}

// MustNew is New for tests and defaults known to be valid.
func MustNew(publicURL, articlePattern string) *Links {
	l, err := New(publicURL, articlePattern)
	if err != nil {
		panic(err)
	}
	return l
}

// Base is the public URL, without a trailing slash.
func (l *Links) Base() string { return l.base }

// ArticlePattern is the article pattern in use.
func (l *Links) ArticlePattern() *Pattern { return l.article }

// Article returns an article's absolute URL and path.
func (l *Links) Article(f Fields) (absolute, path string) { return l.article.Build(f) }

// Section returns a section front's absolute URL and path.
func (l *Links) Section(slug string) (absolute, path string) { return l.at("/" + slug) }

// Tag returns a tag page's absolute URL and path.
func (l *Links) Tag(slug string) (absolute, path string) { return l.at("/tags/" + slug) }

// Author returns an author page's absolute URL and path.
func (l *Links) Author(slug string) (absolute, path string) { return l.at("/authors/" + slug) }

func (l *Links) at(rel string) (string, string) { return l.base + rel, basePath(l.base) + rel }

// Absolute turns a site path ("/img/a.jpg") into an absolute URL on the
// public URL's host; absolute http(s) URLs and empty strings stay.
func (l *Links) Absolute(ref string) string {
	if ref == "" || strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		return ref
	}
	b, err := url.Parse(l.base + "/")
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

// Kind is what a request path may name.
type Kind int

// The kinds of object a path may name.
const (
	KindArticle Kind = iota + 1
	KindSection
	KindTag
	KindAuthor
)

// Target is one reading of a request path: the kind of object and the
// fields (for sections, tags and authors only Slug) it names.
type Target struct {
	Kind   Kind
	Fields Fields
}

var sectionPath = regexp.MustCompile(`^/(` + slugRE + `)$`)
var taxonomyPath = regexp.MustCompile(`^/(tags|authors)/(` + slugRE + `)$`)

// BodyLinkPrefix starts the links bodies carry to other articles
// (article:SLUG in Markdown, "Read also" blocks): /articles/SLUG, whatever
// the pattern. Resolve reads such a path as the article of that slug, so
// that route redirects it to the article's page.
const BodyLinkPrefix = "/articles/"

var bodyLinkPath = regexp.MustCompile(`^` + BodyLinkPrefix + `(` + slugRE + `)$`)

// MaxPathLen is the longest request path Resolve reads.
const MaxPathLen = 2048

// Resolve reads a frontend's request path (or an absolute URL on the
// public host) into what it may name, most specific first: tag and
// author pages, then the article pattern, then a body's link to an
// article (BodyLinkPrefix), then a section front. A query
// string, a fragment and one trailing slash are ignored. Clean is the
// path as normalised (for redirect lookups); malformed input gives none.
func (l *Links) Resolve(raw string) (clean string, targets []Target) {
	clean, ok := l.Clean(raw)
	if !ok {
		return "", nil
	}
	rel, onBase := l.relative(clean, basePath(l.base))
	if m := taxonomyPath.FindStringSubmatch(rel); onBase && m != nil {
		kind := KindTag
		if m[1] == "authors" {
			kind = KindAuthor
		}
		targets = append(targets, Target{Kind: kind, Fields: Fields{Slug: m[2]}})
	}
	if rel, ok := l.relative(clean, basePath(l.article.base)); ok {
		if f, ok := l.article.Match(rel); ok {
			targets = append(targets, Target{Kind: KindArticle, Fields: f})
		}
	}
	if m := bodyLinkPath.FindStringSubmatch(rel); onBase && m != nil {
		targets = append(targets, Target{Kind: KindArticle, Fields: Fields{Slug: m[1]}})
	}
	if m := sectionPath.FindStringSubmatch(rel); onBase && m != nil {
		targets = append(targets, Target{Kind: KindSection, Fields: Fields{Slug: m[1]}})
	}
	return clean, targets
}

// Clean normalises a request path: an absolute URL on the public host is
// cut to its path; the query, the fragment and one trailing slash go.
// ok is false for anything that is not a plain absolute path (too long,
// control characters, "..", "//", bad escapes, another host).
func (l *Links) Clean(raw string) (string, bool) {
	if raw == "" || len(raw) > MaxPathLen {
		return "", false
	}
	for _, r := range raw {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "", false
		}
	}
	if strings.HasPrefix(raw, "http://") || strings.HasPrefix(raw, "https://") {
		u, err := url.Parse(raw)
		b, _ := url.Parse(l.base)
		if err != nil || b == nil || !strings.EqualFold(u.Host, b.Host) {
			return "", false
		}
		raw = u.EscapedPath()
		if raw == "" {
			raw = "/"
		}
	}
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	if !strings.HasPrefix(raw, "/") || strings.Contains(raw, "//") {
		return "", false
	}
	p, err := url.PathUnescape(raw)
	if err != nil {
		return "", false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return "", false
		}
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return p, true
}

// relative cuts the base path off a cleaned path.
func (l *Links) relative(clean, base string) (string, bool) {
	if base == "" {
		return clean, true
	}
	if !strings.HasPrefix(clean, base+"/") {
		return "", false
	}
	return clean[len(base):], true
}

// trackingParams are query parameters that never name a page: links
// shared with them still find a redirect stored without them.
var trackingParams = map[string]bool{"fbclid": true, "gclid": true, "mc_cid": true, "mc_eid": true, "ref": true}

// CleanQuery is Clean keeping the query string, normalised (parameters
// sorted by name, tracking parameters such as utm_source dropped), for
// old addresses that name a page by its query: WordPress's /?p=123. It
// is the path alone when no query is left; ok as for Clean.
func (l *Links) CleanQuery(raw string) (string, bool) {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	query := ""
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw, query = raw[:i], raw[i+1:]
	}
	p, ok := l.Clean(raw)
	if !ok || query == "" {
		return p, ok
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return p, true // a query that cannot be read names nothing
	}
	for k := range vals {
		if trackingParams[strings.ToLower(k)] || strings.HasPrefix(strings.ToLower(k), "utm_") {
			delete(vals, k)
		}
	}
	if len(vals) == 0 {
		return p, true
	}
	return p + "?" + vals.Encode(), true
}
