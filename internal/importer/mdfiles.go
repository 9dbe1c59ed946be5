package importer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/models"
)

// MarkdownDir reads a folder of Markdown files with YAML front matter, as
// Hugo, Jekyll and Astro keep them: one article per file.
type MarkdownDir struct {
	Dir     string
	OldBase string
	files   []string // relative paths, sorted (a list of names, not contents)
}

// frontMatter is what an article file may say about itself.
type frontMatter struct {
	Title      string    `yaml:"title"`
	Slug       string    `yaml:"slug"`
	Date       yaml.Node `yaml:"date"`
	Author     yaml.Node `yaml:"author"`
	Authors    yaml.Node `yaml:"authors"`
	Section    string    `yaml:"section"`
	Categories yaml.Node `yaml:"categories"`
	Tags       yaml.Node `yaml:"tags"`
	Cover      string    `yaml:"cover"`
	Image      string    `yaml:"image"`
	Draft      bool      `yaml:"draft"`
	Standfirst string    `yaml:"standfirst"`
	Summary    string    `yaml:"description"`
	Permalink  string    `yaml:"permalink"`
	URL        string    `yaml:"url"`
	Aliases    []string  `yaml:"aliases"`
}

func (m *MarkdownDir) Kind() string    { return "markdown" }
func (m *MarkdownDir) SiteURL() string { return m.OldBase }

// Check lists the Markdown files and reads every front matter: an error
// in any is reported with its file and line, and nothing is imported.
func (m *MarkdownDir) Check(ctx context.Context) (int, error) {
	m.files = nil
	err := filepath.WalkDir(m.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != m.Dir {
			return filepath.SkipDir
		}
		ext := strings.ToLower(filepath.Ext(p))
		if !d.IsDir() && (ext == ".md" || ext == ".markdown") {
			rel, err := filepath.Rel(m.Dir, p)
			if err != nil {
				return err
			}
			m.files = append(m.files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	sort.Strings(m.files)
	for _, rel := range m.files {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if _, _, err := m.read(rel); err != nil {
			return 0, err
		}
	}
	return len(m.files), nil
}

// read splits a file into its front matter and body.
func (m *MarkdownDir) read(rel string) (*frontMatter, string, error) {
	b, err := os.ReadFile(filepath.Join(m.Dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, "", err
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	fail := func(line int, err error) error {
		return &SyntaxError{File: filepath.Join(m.Dir, filepath.FromSlash(rel)), Line: line, Err: err}
	}
	if !bytes.HasPrefix(b, []byte("---\n")) {
		return nil, "", fail(1, errors.New("no front matter: the file must start with a --- line"))
	}
	rest := b[4:]
	end := -1
	sc := bufio.NewScanner(bytes.NewReader(rest))
	sc.Buffer(make([]byte, 0, 64<<10), len(rest)+1)
	off := 0
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t == "---" || t == "..." {
			end = off
			break
		}
		off += len(sc.Bytes()) + 1
	}
	if end < 0 {
		return nil, "", fail(1, errors.New("front matter is not closed by a --- line"))
	}
	var fm frontMatter
	if err := yaml.Unmarshal(rest[:end], &fm); err != nil {
		return nil, "", fail(yamlLine(err)+1, fmt.Errorf("front matter: %w", err))
	}
	body := rest[end:]
	if i := bytes.IndexByte(body, '\n'); i >= 0 {
		body = body[i+1:]
	} else {
		body = nil
	}
	return &fm, string(body), nil
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// yamlLine finds the line yaml.v3 names in its error (0 when none).
func yamlLine(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		var n int
		fmt.Sscan(m[1], &n)
		return n
	}
	return 0
}

// Items reads each file again.
func (m *MarkdownDir) Items(ctx context.Context, fn func(*Item) error) error {
	for _, rel := range m.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		fm, body, err := m.read(rel)
		if err != nil {
			return err
		}
		if err := fn(m.item(rel, fm, body)); err != nil {
			return err
		}
	}
	return nil
}

// strings reads a YAML scalar or list as strings.
func nodeStrings(n yaml.Node) []string {
	switch n.Kind {
	case yaml.ScalarNode:
		if v := strings.TrimSpace(n.Value); v != "" {
			return []string{v}
		}
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			if c.Kind == yaml.ScalarNode && strings.TrimSpace(c.Value) != "" {
				out = append(out, strings.TrimSpace(c.Value))
			}
		}
		return out
	}
	return nil
}

func nodeTime(n yaml.Node) (time.Time, bool) {
	if n.Kind != yaml.ScalarNode || n.Value == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, n.Value); err == nil {
			return t.UTC().Truncate(time.Second), true
		}
	}
	return time.Time{}, false
}

func (m *MarkdownDir) item(rel string, fm *frontMatter, body string) *Item {
	out := &Item{Label: rel, BaseDir: filepath.Dir(filepath.Join(m.Dir, filepath.FromSlash(rel)))}
	out.Source, out.ExternalID = m.Kind(), clip(rel, 191)
	out.Title = strings.TrimSpace(fm.Title)
	if out.Title == "" {
		out.Skip = "no title in the front matter"
		return out
	}
	base := strings.TrimSuffix(path.Base(rel), path.Ext(rel))
	if base == "index" || base == "_index" {
		base = path.Base(path.Dir(rel))
	}
	out.Slug = fm.Slug
	if out.Slug == "" {
		out.Slug = base
	}
	if strings.TrimSpace(body) == "" {
		out.Skip = "empty body"
		return out
	}
	out.Body = strings.TrimSpace(body)
	out.Standfirst = fm.Standfirst
	if out.Standfirst == "" {
		out.Standfirst = fm.Summary
	}
	out.Status = models.StatusPublished
	if t, ok := nodeTime(fm.Date); ok {
		out.PublishedAt, out.CreatedAt = &t, t
		if t.After(time.Now()) {
			out.Status = models.StatusScheduled
		}
	} else if fm.Date.Value != "" {
		out.Skip = fmt.Sprintf("date %q is not a date", fm.Date.Value)
		return out
	}
	if fm.Draft {
		out.Status, out.PublishedAt = models.StatusDraft, nil
	}
	for _, a := range append(nodeStrings(fm.Authors), nodeStrings(fm.Author)...) {
		out.Authors = append(out.Authors, content.ImportAuthor{Name: a})
	}
	cats := nodeStrings(fm.Categories)
	out.Section = fm.Section
	if out.Section == "" && len(cats) > 0 {
		out.Section, cats = cats[0], cats[1:]
	}
	out.Tags = append(cats, nodeStrings(fm.Tags)...)
	if len(out.Tags) > content.MaxTags {
		out.Tags = out.Tags[:content.MaxTags]
	}
	out.CoverRef = fm.Cover
	if out.CoverRef == "" {
		out.CoverRef = fm.Image
	}
	old := fm.Permalink
	if old == "" {
		old = fm.URL
	}
	if old == "" {
		dir := path.Dir(rel)
		if dir == "." {
			dir = ""
		} else {
			dir = "/" + dir
		}
		if strings.HasPrefix(path.Base(rel), "index.") || strings.HasPrefix(path.Base(rel), "_index.") {
			old = dir + "/"
		} else {
			old = dir + "/" + base + "/"
		}
	}
	out.OldPaths = append([]string{old}, fm.Aliases...)
	return out
}
