package importer

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/broadsheet/broadsheet/models"
)

// Uploader puts a picture in the media library and returns its id
// (Library is the media library's).
type Uploader interface {
	Upload(ctx context.Context, name string, r io.Reader, alt, caption string) (imageID uint64, err error)
}

// MediaCounts tell what became of the archive's pictures.
type MediaCounts struct {
	Uploaded int // placed in the media library
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

// Resolve sets it.Cover from it.CoverRef and returns notes for the summary.
func (m *Media) Resolve(ctx context.Context, it *Item) []string {
	ref := strings.TrimSpace(it.CoverRef)
	if ref == "" {
		return nil
	}
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
		return []string{fmt.Sprintf("cover %q is not a picture address: left out", ref)}
	default:
		local = filepath.Join(it.BaseDir, filepath.FromSlash(ref))
	}
	var notes []string
	if local != "" {
		f, err := os.Open(local)
		if err != nil {
			m.Counts.Missing++
			notes = append(notes, fmt.Sprintf("cover %s has no file (%s)", ref, filepath.Base(local)))
		} else {
			defer f.Close()
			if m.Uploader != nil {
				id, err := m.Uploader.Upload(ctx, filepath.Base(local), f, it.Cover.Alt, it.Cover.Caption)
				if err == nil {
					m.Counts.Uploaded++
					it.Cover.URL, it.Cover.ImageID = "", models.RefID(id)
					return notes
				}
				notes = append(notes, fmt.Sprintf("cover %s not uploaded: %v", ref, err))
			}
		}
	}
	if remote && m.Client != nil && m.Uploader != nil {
		if id, err := m.fetch(ctx, ref, it); err == nil {
			m.Counts.Uploaded++
			it.Cover.URL, it.Cover.ImageID = "", models.RefID(id)
			return notes
		} else {
			notes = append(notes, fmt.Sprintf("cover %s not fetched: %v", ref, err))
		}
	}
	if remote || strings.HasPrefix(ref, "/") {
		m.Counts.Linked++
		it.Cover.URL = ref
		return notes
	}
	if m.Uploader == nil && len(notes) == 0 {
		notes = append(notes, fmt.Sprintf("cover %s left out: no media library to upload it to (--media)", ref))
	}
	return notes
}

// fetch downloads a picture from the old site and uploads it.
func (m *Media) fetch(ctx context.Context, ref string, it *Item) (uint64, error) {
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
	return m.Uploader.Upload(ctx, name, io.LimitReader(resp.Body, maxPicture), it.Cover.Alt, it.Cover.Caption)
}
