package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	gmtext "github.com/yuin/goldmark/text"

	"github.com/broadsheet/broadsheet/models"
)

// Uploader puts a picture in the media library and returns its id
// (Library is the media library's).
type Uploader interface {
	Upload(ctx context.Context, name string, r io.Reader, alt, caption string) (imageID uint64, err error)
}

// MediaCounts tell what became of the archive's pictures.
type MediaCounts struct {
	Uploaded int // placed in the media library (uploaded, or found there by their bytes)
	Linked   int // kept as their URL on the old site
	Missing  int // named but without a file (in --media-dir or beside the Markdown)
}

// Media resolves each item's cover: a file found in Dir (a copy of
// wp-content/uploads or Ghost's content/images) or beside a Markdown file
// is uploaded when there is an Uploader; otherwise the cover keeps its URL
// on the old site.
type Media struct {
	Dir      string   // --media-dir ("" for none)
	Uploader Uploader // nil: no media library
	// Client, when set (--fetch-media), downloads pictures not found in Dir
	// from the old site; it must be the webhooks' guarded client.
	Client *http.Client
	Counts MediaCounts
}

// maxPicture bounds a downloaded picture.
const maxPicture = 32 << 20

// uploadRoots are where archives keep their uploads; what follows is the
// path inside --media-dir.
var uploadRoots = []string{"/wp-content/uploads/", "/content/images/"}

// Resolve places the item's cover and the pictures of its body, and
// returns notes for the summary.
func (m *Media) Resolve(ctx context.Context, it *Item) []string {
	var notes []string
	if ref := strings.TrimSpace(it.CoverRef); ref != "" {
		id, keep, note := m.place(ctx, "cover", ref, it.BaseDir, it.Cover.Alt, it.Cover.Caption)
		switch {
		case id != 0:
			it.Cover.URL, it.Cover.ImageID = "", models.RefID(id)
		case keep:
			it.Cover.URL = ref
		}
		if note != "" {
			notes = append(notes, note)
		}
	}
	return append(notes, m.body(ctx, it)...)
}

// body places the pictures the Markdown body shows (read with goldmark):
// one that stands alone in its paragraph and is uploaded becomes
// media:ID, which the body's blocks read as a library picture (the
// body's rules take library pictures on a line of their own only); the
// others keep their address.
func (m *Media) body(ctx context.Context, it *Item) []string {
	doc := goldmark.DefaultParser().Parse(gmtext.NewReader([]byte(it.Body)))
	alone := map[string]bool{} // destination → every use stands alone
	var order []string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		img, ok := n.(*ast.Image)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		dest := string(img.Destination)
		if strings.HasPrefix(dest, "media:") {
			return ast.WalkContinue, nil
		}
		p := img.Parent()
		solo := p != nil && p.Kind() == ast.KindParagraph && p.ChildCount() == 1
		if prev, seen := alone[dest]; seen {
			alone[dest] = prev && solo
		} else {
			alone[dest] = solo
			order = append(order, dest)
		}
		return ast.WalkContinue, nil
	})
	var notes []string
	for _, dest := range order {
		if !alone[dest] {
			if strings.HasPrefix(dest, "http://") || strings.HasPrefix(dest, "https://") {
				m.Counts.Linked++
			}
			continue
		}
		id, _, note := m.place(ctx, "picture", dest, it.BaseDir, "", "")
		if note != "" {
			notes = append(notes, note)
		}
		if id != 0 {
			// The destination as the converter wrote it, with or without a title.
			to := fmt.Sprintf("media:%d", id)
			it.Body = strings.ReplaceAll(it.Body, "]("+dest+")", "]("+to+")")
			it.Body = strings.ReplaceAll(it.Body, "]("+dest+" ", "]("+to+" ")
		}
	}
	return notes
}

// place finds a picture (ref: a URL or site path mapped into Dir, or a
// path relative to baseDir) and uploads it: the library image's id, or 0
// with keep telling whether ref is an address worth keeping as it is.
func (m *Media) place(ctx context.Context, what, ref, baseDir, alt, caption string) (id uint64, keep bool, note string) {
	remote := strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://")
	var local string
	switch {
	case remote || strings.HasPrefix(ref, "/"):
		if m.Dir != "" {
			for _, root := range uploadRoots {
				if i := strings.Index(ref, root); i >= 0 {
					local = filepath.Join(m.Dir, filepath.FromSlash(strings.SplitN(ref[i+len(root):], "?", 2)[0]))
					break
				}
			}
		}
	case strings.Contains(ref, ":"):
		return 0, false, fmt.Sprintf("%s %q is not a picture address: left as it is", what, ref)
	default:
		if baseDir == "" {
			return 0, false, ""
		}
		local = filepath.Join(baseDir, filepath.FromSlash(ref))
	}
	if local != "" {
		f, err := os.Open(local)
		if err != nil {
			m.Counts.Missing++
			note = fmt.Sprintf("%s %s has no file (%s)", what, ref, filepath.Base(local))
		} else {
			defer f.Close()
			if m.Uploader != nil {
				id, err := m.Uploader.Upload(ctx, filepath.Base(local), f, alt, caption)
				if err == nil {
					m.Counts.Uploaded++
					return id, false, ""
				}
				if errors.Is(err, ErrWouldUpload) {
					m.Counts.Uploaded++ // a dry run: an address stands in
					return 0, remote || strings.HasPrefix(ref, "/"), ""
				}
				note = fmt.Sprintf("%s %s not uploaded: %v", what, ref, err)
			}
		}
	}
	if remote && m.Client != nil && m.Uploader != nil {
		id, err := m.fetch(ctx, ref, alt, caption)
		if err == nil {
			m.Counts.Uploaded++
			return id, false, ""
		}
		note = fmt.Sprintf("%s %s not fetched: %v", what, ref, err)
	}
	if remote || strings.HasPrefix(ref, "/") {
		m.Counts.Linked++
		return 0, true, note
	}
	if m.Uploader == nil && note == "" {
		note = fmt.Sprintf("%s %s left out: no media library to upload it to", what, ref)
	}
	return 0, false, note
}

// fetch downloads a picture from the old site and uploads it.
func (m *Media) fetch(ctx context.Context, ref, alt, caption string) (uint64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref, nil)
	if err != nil {
		return 0, err
	}
	resp, err := m.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("the old site answered %s", resp.Status)
	}
	name := path.Base(req.URL.Path)
	return m.Uploader.Upload(ctx, name, io.LimitReader(resp.Body, maxPicture), alt, caption)
}
