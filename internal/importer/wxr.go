package importer

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/models"
)

// Namespaces of WXR elements, matched without their scheme and version:
// exports write http://wordpress.org/export/1.2/ or https://…, 1.0 to 1.2.
const (
	nsWP      = "wordpress.org/export/"
	nsContent = "purl.org/rss/1.0/modules/content/"
	nsDC      = "purl.org/dc/elements/1.1/"
)

// WordPress reads a WordPress eXtended RSS export.
type WordPress struct {
	Path    string
	Pages   bool   // import pages as well as posts
	OldBase string // the old site's URL (default: the export's)

	conv        *Converter
	siteURL     string
	authors     map[string]string // login → display name
	attachments map[string]attachment
}

type attachment struct{ url, alt, caption string }

// wxrItem is an <item> as read: only the fields the import uses.
type wxrItem struct {
	title, link, guid, creator, content, excerpt string
	postID, date, dateGMT, modifiedGMT, name     string
	status, postType, attachmentURL, parent      string
	categories, tags                             []string
	meta                                         map[string]string
}

func (w *WordPress) Kind() string    { return "wordpress" }
func (w *WordPress) SiteURL() string { return w.siteURL }

func space(name xml.Name, ns string) bool { return strings.Contains(name.Space, ns) }

// scan streams the file's tokens, handing each channel-level element and
// each <item> to the callbacks; errors carry the line.
func (w *WordPress) scan(ctx context.Context, onChannel func(d *xml.Decoder, el xml.StartElement) error, onItem func(n int, it *wxrItem) error) error {
	f, err := os.Open(w.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	d.Strict = true
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "us-ascii") {
			return in, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q (export as UTF-8)", label)
	}
	fail := func(item string, err error) error {
		line, _ := d.InputPos()
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			line = se.Line
		}
		return &SyntaxError{File: w.Path, Line: line, Item: item, Err: err}
	}
	n, sawChannel := 0, false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail("", err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case el.Name.Local == "rss" || el.Name.Local == "channel":
			sawChannel = sawChannel || el.Name.Local == "channel"
		case el.Name.Local == "item" && el.Name.Space == "":
			n++
			it, err := readItem(d)
			if err != nil {
				return fail(fmt.Sprintf("item %d", n), err)
			}
			if err := onItem(n, it); err != nil {
				return err
			}
		default:
			if err := onChannel(d, el); err != nil {
				return fail("", err)
			}
		}
	}
	if !sawChannel {
		return &SyntaxError{File: w.Path, Err: errors.New("not a WordPress export: no <channel>")}
	}
	return nil
}

// text reads the character data up to el's end, skipping nested elements.
func text(d *xml.Decoder) (string, error) {
	var b strings.Builder
	depth := 1
	for depth > 0 {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if depth == 1 {
				b.Write(t)
			}
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return b.String(), nil
}

// readItem reads one <item> after its start tag.
func readItem(d *xml.Decoder) (*wxrItem, error) {
	it := &wxrItem{meta: map[string]string{}}
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return it, nil
		case xml.StartElement:
			if err := it.field(d, t); err != nil {
				return nil, err
			}
		}
	}
}

func (it *wxrItem) field(d *xml.Decoder, el xml.StartElement) error {
	n := el.Name
	if space(n, nsWP) && (n.Local == "comment" || n.Local == "term") {
		return d.Skip() // comments are not imported
	}
	if space(n, nsWP) && n.Local == "postmeta" {
		var key, val string
		for {
			tok, err := d.Token()
			if err != nil {
				return err
			}
			if t, ok := tok.(xml.StartElement); ok {
				v, err := text(d)
				if err != nil {
					return err
				}
				if t.Name.Local == "meta_key" {
					key = v
				} else if t.Name.Local == "meta_value" {
					val = v
				}
			} else if _, ok := tok.(xml.EndElement); ok {
				it.meta[key] = val
				return nil
			}
		}
	}
	v, err := text(d)
	if err != nil {
		return err
	}
	switch {
	case n.Space == "" && n.Local == "title":
		it.title = v
	case n.Space == "" && n.Local == "link":
		it.link = strings.TrimSpace(v)
	case n.Space == "" && n.Local == "guid":
		it.guid = strings.TrimSpace(v)
	case n.Space == "" && n.Local == "category":
		domain := ""
		for _, a := range el.Attr {
			if a.Name.Local == "domain" {
				domain = a.Value
			}
		}
		if domain == "category" {
			it.categories = append(it.categories, v)
		} else if domain == "post_tag" {
			it.tags = append(it.tags, v)
		}
	case space(n, nsDC) && n.Local == "creator":
		it.creator = strings.TrimSpace(v)
	case space(n, nsContent) && n.Local == "encoded":
		it.content = v
	case space(n, nsWP) && strings.HasSuffix(n.Space, "excerpt/") && n.Local == "encoded":
		it.excerpt = v
	case space(n, nsWP):
		v = strings.TrimSpace(v)
		switch n.Local {
		case "post_id":
			it.postID = v
		case "post_date":
			it.date = v
		case "post_date_gmt":
			it.dateGMT = v
		case "post_modified_gmt":
			it.modifiedGMT = v
		case "post_name":
			it.name = v
		case "status":
			it.status = v
		case "post_type":
			it.postType = v
		case "attachment_url":
			it.attachmentURL = v
		case "post_parent":
			it.parent = v
		}
	}
	return nil
}

// Check reads the whole export, collecting authors and attachments, and
// counts the items the import will go through.
func (w *WordPress) Check(ctx context.Context) (int, error) {
	w.authors, w.attachments = map[string]string{}, map[string]attachment{}
	count := 0
	err := w.scan(ctx, func(d *xml.Decoder, el xml.StartElement) error {
		switch {
		case el.Name.Space == "" && el.Name.Local == "link" && w.siteURL == "":
			v, err := text(d)
			w.siteURL = strings.TrimSpace(v)
			return err
		case space(el.Name, nsWP) && (el.Name.Local == "base_blog_url"):
			v, err := text(d)
			w.siteURL = strings.TrimSpace(v)
			return err
		case space(el.Name, nsWP) && el.Name.Local == "author":
			var login, name string
			for {
				tok, err := d.Token()
				if err != nil {
					return err
				}
				if t, ok := tok.(xml.StartElement); ok {
					v, err := text(d)
					if err != nil {
						return err
					}
					switch t.Name.Local {
					case "author_login":
						login = strings.TrimSpace(v)
					case "author_display_name":
						name = strings.TrimSpace(v)
					}
				} else if _, ok := tok.(xml.EndElement); ok {
					break
				}
			}
			if login != "" {
				w.authors[login] = name
			}
			return nil
		}
		return d.Skip()
	}, func(_ int, it *wxrItem) error {
		switch it.postType {
		case "attachment":
			w.attachments[it.postID] = attachment{url: it.attachmentURL, alt: it.meta["_wp_attachment_image_alt"], caption: strings.TrimSpace(it.excerpt)}
		case "post", "page", "":
			count++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if w.OldBase == "" {
		w.OldBase = w.siteURL
	}
	w.conv = NewConverter(w.OldBase)
	return count, nil
}

// Items reads the export again and turns posts (and pages with Pages)
// into items; attachments, menus and other post types are left out.
func (w *WordPress) Items(ctx context.Context, fn func(*Item) error) error {
	return w.scan(ctx, func(d *xml.Decoder, _ xml.StartElement) error { return d.Skip() }, func(n int, it *wxrItem) error {
		switch it.postType {
		case "post", "page", "":
		default:
			return nil
		}
		item := w.item(n, it)
		return fn(item)
	})
}

// wpTime reads WordPress's "2006-01-02 15:04:05" (UTC for *_gmt fields).
func wpTime(s string, loc *time.Location) (time.Time, bool) {
	if s == "" || strings.HasPrefix(s, "0000-00-00") {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
	return t.UTC(), err == nil
}

// item maps one post to an import item.
func (w *WordPress) item(n int, it *wxrItem) *Item {
	// WordPress escapes titles and names once more inside CDATA (&amp;).
	title := strings.TrimSpace(html.UnescapeString(it.title))
	label := fmt.Sprintf("item %d (post %s %q)", n, it.postID, clip(title, 40))
	out := &Item{Label: label}
	key := it.guid
	if key == "" && it.postID != "" {
		key = strings.TrimRight(w.siteURL, "/") + "/?p=" + it.postID
	}
	out.Source, out.ExternalID = w.Kind(), clip(key, 191)
	if key == "" {
		out.Skip = "no guid and no post id: it cannot be told apart from others"
		return out
	}
	if it.postType == "page" && !w.Pages {
		out.Skip = "a page (pass --pages to import pages)"
		return out
	}
	switch it.status {
	case "publish":
		out.Status = models.StatusPublished
	case "future":
		out.Status = models.StatusScheduled
	case "draft", "pending", "private":
		out.Status = models.StatusDraft
	case "trash", "auto-draft", "inherit":
		out.Skip = fmt.Sprintf("status %q is not an article", it.status)
		return out
	default:
		out.Skip = fmt.Sprintf("unknown status %q", it.status)
		return out
	}
	published, ok := wpTime(it.dateGMT, time.UTC)
	if !ok {
		published, ok = wpTime(it.date, time.UTC)
	}
	if ok {
		out.CreatedAt = published
		if out.Status != models.StatusDraft {
			out.PublishedAt = &published
		}
	} else if out.Status == models.StatusScheduled {
		out.Skip = "scheduled without a date"
		return out
	}
	if mod, ok := wpTime(it.modifiedGMT, time.UTC); ok {
		out.UpdatedAt = mod
	}
	slug, _ := url.PathUnescape(it.name) // WordPress stores non-ASCII slugs percent-encoded
	out.Slug = slug
	body, err := w.conv.WordPress(it.content)
	if err != nil {
		out.Skip = err.Error()
		return out
	}
	if strings.TrimSpace(body) == "" {
		out.Skip = "empty body"
		return out
	}
	out.Body = body
	if title == "" {
		// WordPress lists it as "(no title)"; the newsroom keeps the text.
		title = untitled(body)
		out.Label += " (untitled: titled from its first words)"
	}
	out.Title = title
	if ex := strings.TrimSpace(it.excerpt); ex != "" {
		if md, err := w.conv.HTML(ex); err == nil {
			out.Standfirst = md
		}
	}
	for i := range it.categories {
		it.categories[i] = html.UnescapeString(it.categories[i])
	}
	for i := range it.tags {
		it.tags[i] = html.UnescapeString(it.tags[i])
	}
	if len(it.categories) > 0 {
		out.Section = it.categories[0]
		if strings.EqualFold(strings.TrimSpace(out.Section), "Uncategorized") {
			out.Section = ""
		}
		out.Tags = append(out.Tags, it.categories[1:]...)
	}
	out.Tags = append(out.Tags, it.tags...)
	if len(out.Tags) > content.MaxTags {
		out.Tags = out.Tags[:content.MaxTags]
	}
	if it.creator != "" {
		name := html.UnescapeString(w.authors[it.creator])
		if name == "" {
			name = it.creator
		}
		out.Authors = []content.ImportAuthor{{Name: name, Slug: it.creator}}
	}
	if id := it.meta["_thumbnail_id"]; id != "" {
		if a, ok := w.attachments[id]; ok && a.url != "" {
			out.CoverRef = a.url
			out.Cover.Alt, out.Cover.Caption = clip(a.alt, 500), clip(a.caption, 1000)
		}
	}
	out.OldPaths = w.oldPaths(it)
	return out
}

// oldPaths are the post's addresses on the old site: its permalink and
// its /?p=ID (or /?page_id=ID) form, as paths on the old host.
func (w *WordPress) oldPaths(it *wxrItem) []string {
	base, _ := url.Parse(w.OldBase)
	var paths []string
	if u, err := url.Parse(it.link); err == nil && it.link != "" && (base == nil || u.Host == "" || strings.EqualFold(u.Host, base.Host)) {
		p := u.EscapedPath()
		if p == "" {
			p = "/"
		}
		if u.RawQuery != "" {
			p += "?" + u.RawQuery
		}
		paths = append(paths, p)
	}
	if it.postID != "" {
		prefix := ""
		if base != nil {
			prefix = strings.TrimRight(base.EscapedPath(), "/")
		}
		q := "p"
		if it.postType == "page" {
			q = "page_id"
		}
		paths = append(paths, prefix+"/?"+q+"="+it.postID)
	}
	return paths
}

// untitled makes a title of the first words of a Markdown body.
func untitled(body string) string {
	words := strings.Fields(markdown.PlainText(body))
	if len(words) > 8 {
		return strings.Join(words[:8], " ") + "…"
	}
	return strings.Join(words, " ")
}

// clip cuts s to n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
