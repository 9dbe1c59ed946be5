package importer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/models"
)

// Ghost reads a Ghost export ({"db":[{"meta":…,"data":{"posts":[…],…}}]}).
// Posts come before the tags and users they name, so the first pass keeps
// those small tables (and the links between them); the second streams
// the posts. Content: html, else a Mobiledoc markdown card, else plaintext;
// Lexical without html is read through its plaintext.
type Ghost struct {
	Path    string
	Pages   bool
	OldBase string

	conv     *Converter
	siteURL  string
	tags     map[string]ghostTag
	users    map[string]ghostUser
	postTags map[string][]sortedRef
	postUsrs map[string][]sortedRef
}

type ghostTag struct {
	Name, Slug, Visibility string
}

type ghostUser struct {
	Name, Slug string
}

type sortedRef struct {
	id    string
	order int
}

// ghostPost is a post as the export has it (the fields the import uses).
type ghostPost struct {
	ID                  string  `json:"id"`
	UUID                string  `json:"uuid"`
	Title               string  `json:"title"`
	Slug                string  `json:"slug"`
	HTML                *string `json:"html"`
	Mobiledoc           *string `json:"mobiledoc"`
	Lexical             *string `json:"lexical"`
	Plaintext           *string `json:"plaintext"`
	FeatureImage        *string `json:"feature_image"`
	FeatureImageAlt     *string `json:"feature_image_alt"`
	FeatureImageCaption *string `json:"feature_image_caption"`
	Type                string  `json:"type"`
	Page                any     `json:"page"`
	Status              string  `json:"status"`
	PublishedAt         *string `json:"published_at"`
	CreatedAt           *string `json:"created_at"`
	UpdatedAt           *string `json:"updated_at"`
	CustomExcerpt       *string `json:"custom_excerpt"`
	AuthorID            string  `json:"author_id"`
	CanonicalURL        *string `json:"canonical_url"`
}

func (g *Ghost) Kind() string    { return "ghost" }
func (g *Ghost) SiteURL() string { return g.siteURL }

// walk streams the export, calling onTable for each table's array in
// data (positioned before its first element); tables are skipped unless
// onTable reads them.
func (g *Ghost) walk(ctx context.Context, onTable func(name string, d *json.Decoder) error) error {
	f, err := os.Open(g.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	d := json.NewDecoder(bufio.NewReaderSize(f, 1<<16))
	fail := func(err error) error {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return &SyntaxError{File: g.Path, Line: lineOf(g.Path, d.InputOffset()), Err: err}
	}
	// Descend to "data" wherever it is: {"db":[{"data":{…}}]} or {"data":{…}}.
	var walkValue func(key string, depth int) error
	walkValue = func(key string, depth int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		tok, err := d.Token()
		if err != nil {
			return fail(err)
		}
		switch tok {
		case json.Delim('{'):
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return fail(err)
				}
				k, _ := kt.(string)
				if key == "data" {
					if err := g.table(d, k, onTable, fail); err != nil {
						return err
					}
					continue
				}
				if err := walkValue(k, depth+1); err != nil {
					return err
				}
			}
			_, err = d.Token()
		case json.Delim('['):
			for d.More() {
				if err := walkValue(key, depth+1); err != nil {
					return err
				}
			}
			_, err = d.Token()
		}
		if err != nil {
			return fail(err)
		}
		return nil
	}
	if err := walkValue("", 0); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return fail(errors.New("data after the end of the export"))
	}
	return nil
}

// table hands one table of data to onTable, or skips it.
func (g *Ghost) table(d *json.Decoder, name string, onTable func(string, *json.Decoder) error, fail func(error) error) error {
	tok, err := d.Token()
	if err != nil {
		return fail(err)
	}
	if tok != json.Delim('[') {
		if _, ok := tok.(json.Delim); ok {
			return fail(fmt.Errorf("table %q is not an array", name))
		}
		return nil
	}
	if err := onTable(name, d); err != nil {
		var se *SyntaxError
		if errors.As(err, &se) || errors.Is(err, context.Canceled) {
			return err
		}
		return fail(fmt.Errorf("table %s: %w", name, err))
	}
	if _, err := d.Token(); err != nil {
		return fail(err)
	}
	return nil
}

// each decodes every element of the current array into a fresh T.
func each[T any](d *json.Decoder, fn func(i int, v *T) error) error {
	for i := 0; d.More(); i++ {
		var v T
		if err := d.Decode(&v); err != nil {
			return fmt.Errorf("element %d: %w", i+1, err)
		}
		if err := fn(i, &v); err != nil {
			return err
		}
	}
	return nil
}

// Check reads the export, keeping tags, users and their links to posts.
func (g *Ghost) Check(ctx context.Context) (int, error) {
	g.tags, g.users = map[string]ghostTag{}, map[string]ghostUser{}
	g.postTags, g.postUsrs = map[string][]sortedRef{}, map[string][]sortedRef{}
	count := 0
	type link struct {
		PostID    string `json:"post_id"`
		TagID     string `json:"tag_id"`
		AuthorID  string `json:"author_id"`
		SortOrder int    `json:"sort_order"`
	}
	err := g.walk(ctx, func(name string, d *json.Decoder) error {
		switch name {
		case "posts":
			return each(d, func(_ int, p *ghostPost) error { count++; return nil })
		case "tags":
			return each(d, func(_ int, t *struct {
				ID, Name, Slug, Visibility string
			}) error {
				g.tags[t.ID] = ghostTag{t.Name, t.Slug, t.Visibility}
				return nil
			})
		case "users":
			return each(d, func(_ int, u *struct{ ID, Name, Slug string }) error {
				g.users[u.ID] = ghostUser{u.Name, u.Slug}
				return nil
			})
		case "posts_tags":
			return each(d, func(_ int, l *link) error {
				g.postTags[l.PostID] = append(g.postTags[l.PostID], sortedRef{l.TagID, l.SortOrder})
				return nil
			})
		case "posts_authors":
			return each(d, func(_ int, l *link) error {
				g.postUsrs[l.PostID] = append(g.postUsrs[l.PostID], sortedRef{l.AuthorID, l.SortOrder})
				return nil
			})
		case "settings":
			return each(d, func(_ int, s *struct {
				Key   string
				Value any
			}) error {
				if v, ok := s.Value.(string); ok && (s.Key == "url" || s.Key == "site_url") {
					g.siteURL = v
				}
				return nil
			})
		}
		return each(d, func(_ int, _ *json.RawMessage) error { return nil })
	})
	if err != nil {
		return 0, err
	}
	for _, m := range []map[string][]sortedRef{g.postTags, g.postUsrs} {
		for _, refs := range m {
			sort.SliceStable(refs, func(i, j int) bool { return refs[i].order < refs[j].order })
		}
	}
	if g.OldBase == "" {
		g.OldBase = g.siteURL
	}
	g.conv = NewConverter(g.OldBase)
	return count, nil
}

// Items streams the posts again.
func (g *Ghost) Items(ctx context.Context, fn func(*Item) error) error {
	return g.walk(ctx, func(name string, d *json.Decoder) error {
		if name != "posts" {
			return each(d, func(_ int, _ *json.RawMessage) error { return nil })
		}
		return each(d, func(i int, p *ghostPost) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fn(g.item(i+1, p))
		})
	})
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ghostURL puts the old site's address where Ghost wrote __GHOST_URL__.
func (g *Ghost) ghostURL(s string) string {
	return strings.ReplaceAll(s, "__GHOST_URL__", strings.TrimRight(g.OldBase, "/"))
}

func ghostTime(p *string) (time.Time, bool) {
	if p == nil || *p == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05.000Z"} {
		if t, err := time.Parse(layout, *p); err == nil {
			return t.UTC().Truncate(time.Second), true
		}
	}
	return time.Time{}, false
}

func (g *Ghost) item(n int, p *ghostPost) *Item {
	title := strings.TrimSpace(p.Title)
	out := &Item{Label: fmt.Sprintf("post %d (%s %q)", n, p.ID, clip(title, 40))}
	out.Source, out.ExternalID = g.Kind(), clip(p.ID, 191)
	if p.ID == "" {
		out.Skip = "no id"
		return out
	}
	isPage := p.Type == "page" || p.Page == true || p.Page == float64(1)
	if isPage && !g.Pages {
		out.Skip = "a page (pass --pages to import pages)"
		return out
	}
	switch p.Status {
	case "published":
		out.Status = models.StatusPublished
	case "scheduled":
		out.Status = models.StatusScheduled
	case "draft":
		out.Status = models.StatusDraft
	default:
		out.Skip = fmt.Sprintf("unknown status %q", p.Status)
		return out
	}
	if t, ok := ghostTime(p.PublishedAt); ok && out.Status != models.StatusDraft {
		out.PublishedAt = &t
	} else if out.Status == models.StatusScheduled {
		out.Skip = "scheduled without a date"
		return out
	}
	out.CreatedAt, _ = ghostTime(p.CreatedAt)
	out.UpdatedAt, _ = ghostTime(p.UpdatedAt)
	if title == "" {
		out.Skip = "no title"
		return out
	}
	out.Title, out.Slug = title, p.Slug
	body, err := g.body(p)
	if err != nil {
		out.Skip = err.Error()
		return out
	}
	if strings.TrimSpace(body) == "" {
		out.Skip = "empty body"
		return out
	}
	out.Body = body
	out.Standfirst = strings.TrimSpace(str(p.CustomExcerpt))
	first := true
	for _, r := range g.postTags[p.ID] {
		t, ok := g.tags[r.id]
		if !ok || t.Visibility == "internal" || strings.HasPrefix(t.Name, "#") {
			continue // internal tags (#hash) are Ghost's own markers
		}
		if first {
			out.Section, first = t.Name, false
			continue
		}
		out.Tags = append(out.Tags, t.Name)
	}
	if len(out.Tags) > content.MaxTags {
		out.Tags = out.Tags[:content.MaxTags]
	}
	refs := g.postUsrs[p.ID]
	if len(refs) == 0 && p.AuthorID != "" {
		refs = []sortedRef{{id: p.AuthorID}}
	}
	for _, r := range refs {
		if u, ok := g.users[r.id]; ok {
			out.Authors = append(out.Authors, content.ImportAuthor{Name: u.Name, Slug: u.Slug})
		}
	}
	if img := g.ghostURL(str(p.FeatureImage)); img != "" {
		out.CoverRef = img
		out.Cover.Alt = clip(str(p.FeatureImageAlt), 500)
		if c := str(p.FeatureImageCaption); c != "" {
			if md, err := g.conv.HTML(c); err == nil {
				out.Cover.Caption = clip(md, 1000)
			}
		}
	}
	if p.Slug != "" {
		out.OldPaths = []string{"/" + p.Slug + "/"}
	}
	return out
}

// body picks the post's content: html first (what Ghost rendered), then a
// Mobiledoc markdown card, then plaintext as paragraphs.
func (g *Ghost) body(p *ghostPost) (string, error) {
	if h := str(p.HTML); strings.TrimSpace(h) != "" {
		return g.conv.HTML(g.ghostURL(h))
	}
	if md := str(p.Mobiledoc); md != "" {
		var doc struct {
			Cards [][]json.RawMessage `json:"cards"`
		}
		if err := json.Unmarshal([]byte(md), &doc); err == nil {
			var parts []string
			for _, c := range doc.Cards {
				var kind string
				var payload struct {
					Markdown string `json:"markdown"`
				}
				if len(c) == 2 && json.Unmarshal(c[0], &kind) == nil && kind == "markdown" && json.Unmarshal(c[1], &payload) == nil {
					parts = append(parts, payload.Markdown)
				}
			}
			if len(parts) > 0 {
				return g.ghostURL(strings.Join(parts, "\n\n")), nil
			}
		}
	}
	if pt := strings.TrimSpace(str(p.Plaintext)); pt != "" {
		return pt, nil
	}
	if str(p.Lexical) != "" {
		return "", errors.New("Lexical content without html or plaintext is not supported: export again from Ghost 5 (it writes html)")
	}
	return "", nil
}

// lineOf returns the line of a byte offset in path, reading it again
// (only when reporting an error, so the import keeps no line table).
func lineOf(path string, offset int64) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	r := bufio.NewReader(io.LimitReader(f, offset))
	line := 1
	for {
		b, err := r.ReadByte()
		if err != nil {
			return line
		}
		if b == '\n' {
			line++
		}
	}
}
