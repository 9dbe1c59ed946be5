// Package importer brings an existing archive into Broadsheet: a WordPress
// export (WXR), a Ghost export (JSON) or a folder of Markdown files with
// front matter. Each source is read twice, streaming: a first pass checks
// the whole file (a malformed one is reported with its line or item and
// imports nothing) and collects the small lookups later items need
// (authors, attachments, tags); the second pass writes the articles in
// batches through the content service, so the same rules as any save
// apply and memory stays bounded whatever the file's size.
package importer

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
)

// Item is one entry of an archive on its way in: the article to import,
// or the reason it cannot be (Skip).
type Item struct {
	content.ImportItem
	// Label names the item in the summary (e.g. `post 123 "Title"`).
	Label string
	// Skip, when set, is why the item is not imported.
	Skip string
	// CoverRef is the cover as the archive gives it (a URL or a path
	// relative to the file), resolved by Media into ImportItem.Cover.
	CoverRef string
	// BaseDir is the folder of a Markdown file (relative images).
	BaseDir string
}

// Source is an archive read in two streaming passes.
type Source interface {
	// Kind names the source in import_sources (wordpress, ghost, markdown).
	Kind() string
	// Check reads the whole archive once, reporting the first syntax
	// error with its position, and returns how many items it has.
	Check(ctx context.Context) (int, error)
	// Items reads the archive again, calling fn with each item in order.
	Items(ctx context.Context, fn func(*Item) error) error
	// SiteURL is the old site's address the archive names ("" if none).
	SiteURL() string
}

// Options are the import command's settings.
type Options struct {
	DryRun    bool
	BatchSize int    // items per transaction (200 when 0)
	Locale    string // of every article ("" for the default locale)
	// Media places the archive's pictures; nil keeps their URLs.
	Media *Media
	// Progress is told of each item done (nil: nothing).
	Progress func(done int)
}

// Summary is what an import did.
type Summary struct {
	Total     int
	Counts    map[string]int // by content.Import* result
	Redirects int
	Media     MediaCounts
	Skipped   []Skipped
	Notes     []string
	Elapsed   time.Duration
	Rebuild   time.Duration // of Elapsed, rebuilding related suggestions
	DryRun    bool
}

// Skipped is an item left out, and why.
type Skipped struct{ Item, Reason string }

// SyntaxError is a malformed archive: nothing was imported.
type SyntaxError struct {
	File string
	Line int    // 0 when unknown
	Item string // the item being read, when known
	Err  error
}

func (e *SyntaxError) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Item != "" {
		where += " (" + e.Item + ")"
	}
	return fmt.Sprintf("%s: %v; nothing was imported", where, e.Err)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// maxNotes bounds the notes a summary keeps (the counts stay exact).
const maxNotes = 200

// Run imports src through svc: a checking pass, then the items in batches
// of opt.BatchSize, each batch one transaction. Related suggestions are
// rebuilt and one summary event is written at the end (not in a dry run).
func Run(ctx context.Context, svc *content.Service, src Source, opt Options) (*Summary, error) {
	start := time.Now()
	total, err := src.Check(ctx)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Total: total, Counts: map[string]int{}, DryRun: opt.DryRun}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 200
	}
	ctx = content.AsSystem(ctx, "import:"+src.Kind())
	batch := make([]content.ImportItem, 0, opt.BatchSize)
	labels := make([]string, 0, opt.BatchSize)
	done := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		outs, err := svc.ImportBatch(ctx, batch, opt.DryRun)
		if err != nil {
			return err
		}
		for i, o := range outs {
			sum.Counts[o.Result]++
			sum.Redirects += o.Redirects
			if o.Result == content.ImportSkipped {
				sum.skip(labels[i], o.Reason)
			}
			for _, n := range o.Notes {
				sum.note(labels[i] + ": " + n)
			}
		}
		done += len(batch)
		if opt.Progress != nil {
			opt.Progress(done)
		}
		batch, labels = batch[:0], labels[:0]
		return nil
	}
	err = src.Items(ctx, func(it *Item) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if it.Skip == "" && opt.Media != nil {
			for _, n := range opt.Media.Resolve(ctx, it) {
				sum.note(it.Label + ": " + n)
			}
		}
		if it.Skip != "" {
			sum.Counts[content.ImportSkipped]++
			sum.skip(it.Label, it.Skip)
			done++
			if opt.Progress != nil {
				opt.Progress(done)
			}
			return nil
		}
		if it.Locale == "" {
			it.Locale = opt.Locale
		}
		batch, labels = append(batch, it.ImportItem), append(labels, it.Label)
		if len(batch) >= opt.BatchSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if opt.Media != nil {
		sum.Media = opt.Media.Counts
	}
	if err != nil {
		return sum, err
	}
	if !opt.DryRun {
		rebuildStart := time.Now()
		_, err := svc.RebuildRelated(ctx)
		sum.Rebuild = time.Since(rebuildStart)
		if err != nil {
			return sum, fmt.Errorf("rebuild related suggestions: %w", err)
		}
		counts := map[string]int{"redirects": sum.Redirects}
		for k, v := range sum.Counts {
			counts[k] = v
		}
		if err := svc.ImportCompleted(ctx, src.Kind(), counts); err != nil {
			return sum, fmt.Errorf("record the import: %w", err)
		}
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

func (s *Summary) skip(item, reason string) {
	if len(s.Skipped) < maxNotes {
		s.Skipped = append(s.Skipped, Skipped{item, reason})
	}
}

func (s *Summary) note(n string) {
	if len(s.Notes) < maxNotes {
		s.Notes = append(s.Notes, n)
	}
}

// Print writes the summary table.
func (s *Summary) Print(w io.Writer) {
	title := "import summary"
	if s.DryRun {
		title += " (dry run: nothing was written)"
	}
	fmt.Fprintf(w, "%s\n", title)
	row := func(k string, v int) { fmt.Fprintf(w, "  %-22s %8d\n", k, v) }
	row("items read", s.Total)
	row("imported (new)", s.Counts[content.ImportCreated])
	row("updated", s.Counts[content.ImportUpdated])
	row("unchanged", s.Counts[content.ImportUnchanged])
	row("skipped", s.Counts[content.ImportSkipped])
	row("redirects created", s.Redirects)
	row("media in the library", s.Media.Uploaded)
	row("media kept as URLs", s.Media.Linked)
	row("media missing", s.Media.Missing)
	if s.Elapsed > 0 {
		fmt.Fprintf(w, "  %-22s %8s\n", "time", s.Elapsed.Round(time.Millisecond))
	}
	if s.Rebuild > 0 {
		fmt.Fprintf(w, "  %-22s %8s\n", "related rebuild", s.Rebuild.Round(time.Millisecond))
	}
	if len(s.Skipped) > 0 {
		fmt.Fprintln(w, "skipped:")
		for _, sk := range s.Skipped {
			fmt.Fprintf(w, "  %s: %s\n", sk.Item, sk.Reason)
		}
	}
	if len(s.Notes) > 0 {
		fmt.Fprintln(w, "notes:")
		sort.Strings(s.Notes)
		for _, n := range s.Notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
}
