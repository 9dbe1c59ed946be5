// Package httpcache makes readers' GraphQL answers cheap to serve again: it
// names every article, author, category and tag an answer contains as a
// surrogate key (for a CDN's purge API and for the server's own cache),
// computes ETags, chooses Cache-Control, and keeps a server-side response
// cache that is purged by those same keys when content changes.
package httpcache

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/cachekey"
	"github.com/broadsheet/broadsheet/models"
)

// Keys collects the surrogate keys of one response. Resolvers run
// concurrently, so it locks.
type Keys struct {
	mu sync.Mutex
	// keys are kept as added, repeats and all, and sorted once by List:
	// an article page names a handful, and a map sized for a homepage's
	// sixty was a twentieth of the bytes an article page allocated.
	keys []string
	// until is the earliest take-down time (expiresAt) of an article in
	// the answer: the answer must not be served from that instant.
	until time.Time
	// live is set when the answer shows what changes with every post to a
	// live blog (LivePolicy applies).
	live bool
}

// Until records that the answer must not be served from t on.
func (k *Keys) Until(t time.Time) {
	k.mu.Lock()
	if k.until.IsZero() || t.Before(k.until) {
		k.until = t
	}
	k.mu.Unlock()
}

// Deadline returns the instant from which the answer must not be served;
// zero for none.
func (k *Keys) Deadline() time.Time {
	if k == nil {
		return time.Time{}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.until
}

// NewKeys returns an empty collector.
func NewKeys() *Keys { return &Keys{keys: make([]string, 0, 16)} }

// Add records keys.
func (k *Keys) Add(keys ...string) {
	k.mu.Lock()
	k.keys = append(k.keys, keys...)
	k.mu.Unlock()
}

// markLive records that the answer holds a live blog's changing part.
func (k *Keys) markLive() {
	k.mu.Lock()
	k.live = true
	k.mu.Unlock()
}

// CacheControl returns the Cache-Control of a reader's answer with these
// keys under p: LivePolicy (a few seconds) when it shows a live blog's
// first page or counts; ArchivePolicy (long) when it holds nothing but
// live entries paged by an `after` cursor (and the articles they were
// reached through, purged by key when edited), which new posts never change;
// p otherwise. Purges by key keep every one of them exact on this server.
func (k *Keys) CacheControl(p Policy) string {
	if k == nil {
		return p.Public()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.live {
		if p.MaxAge > 0 && p.MaxAge < LivePolicy.MaxAge {
			return p.Public()
		}
		return LivePolicy.Public()
	}
	entries, others := false, false
	for _, key := range k.keys {
		switch {
		case strings.HasPrefix(key, "liveentry:"):
			entries = true
		case !strings.HasPrefix(key, "article:"): // the blog's own article leads to them
			others = true
		}
	}
	if entries && !others && p.MaxAge > 0 {
		return ArchivePolicy.Public()
	}
	return p.Public()
}

// List returns the keys sorted, each once (so equal answers carry equal
// headers).
func (k *Keys) List() []string {
	k.mu.Lock()
	out := slices.Clone(k.keys)
	k.mu.Unlock()
	slices.Sort(out)
	return slices.Compact(out)
}

type keysKey struct{}

// WithKeys returns ctx carrying a collector.
func WithKeys(ctx context.Context, k *Keys) context.Context {
	return context.WithValue(ctx, keysKey{}, k)
}

// KeysFrom returns the collector in ctx, or nil.
func KeysFrom(ctx context.Context) *Keys {
	k, _ := ctx.Value(keysKey{}).(*Keys)
	return k
}

// lookupKeys are the root fields that find one object: a null answer
// depends on the whole set (the object may appear later).
var lookupKeys = map[string][]string{
	"article":  {cachekey.Articles},
	"author":   {cachekey.Authors},
	"category": {cachekey.Categories},
	"tag":      {cachekey.Tags, cachekey.Articles}, // a tag shows once an article of it does
	"node":     {cachekey.Articles, cachekey.Authors, cachekey.Categories, cachekey.Tags},
	"route":    {cachekey.Articles, cachekey.Authors, cachekey.Categories, cachekey.Tags, cachekey.Redirects},
}

// FieldMiddleware records the keys of every content object a field
// resolves to. It is keyed on the Go types in models/, so new fields that
// return those types are covered without change.
func FieldMiddleware(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil {
		return res, err
	}
	RecordKeys(ctx, res)
	return res, nil
}

// RecordKeys records the keys of the content objects res (a field's
// result) holds, for FieldMiddleware or a field middleware of its own.
func RecordKeys(ctx context.Context, res any) {
	var keys []string
	var until []*time.Time
	switch v := res.(type) {
	case *models.Article:
		if v == nil {
			keys = nullLookup(ctx)
		} else {
			keys = []string{cachekey.Article(v.ID)}
			until = append(until, v.ExpiresAt)
		}
	case *models.Author:
		if v == nil {
			keys = nullLookup(ctx)
		} else {
			keys = []string{cachekey.Author(v.ID)}
		}
	case *models.Category:
		if v == nil {
			keys = nullLookup(ctx)
		} else {
			keys = []string{cachekey.Category(v.ID)}
		}
	case *models.Image:
		if v != nil {
			keys = []string{cachekey.Image(v.ID)}
		}
	case []*models.Image:
		for _, img := range v {
			if img != nil {
				keys = append(keys, cachekey.Image(img.ID))
			}
		}
	case *models.LiveBlog:
		if v != nil && !archivePage(ctx) {
			keys = []string{cachekey.LiveBlog(v.ArticleID)}
			if k := KeysFrom(ctx); k != nil {
				k.markLive()
			}
		}
	case *models.LiveEntry:
		if v != nil {
			keys = []string{cachekey.LiveEntry(v.ID)}
		} else {
			keys = nullLookup(ctx)
		}
	case []*models.LiveEntry:
		for _, e := range v {
			keys = append(keys, cachekey.LiveEntry(e.ID))
		}
	case *models.Tag:
		switch {
		case v == nil:
			keys = nullLookup(ctx)
		case isRootField(ctx):
			// Found because an article of it is visible: it hides again
			// when the last one goes.
			keys = []string{cachekey.Tag(v.ID), cachekey.Articles}
		default:
			keys = []string{cachekey.Tag(v.ID)}
		}
	case []*models.Author:
		for _, a := range v {
			keys = append(keys, cachekey.Author(a.ID))
		}
	case []*models.Tag:
		for _, t := range v {
			keys = append(keys, cachekey.Tag(t.ID))
		}
	case []*models.Category:
		keys = append(keys, cachekey.Categories)
		for _, c := range v {
			keys = append(keys, cachekey.Category(c.ID))
		}
	case []*models.Article:
		for _, a := range v {
			keys = append(keys, cachekey.Article(a.ID))
			until = append(until, a.ExpiresAt)
		}
	case *models.Redirect:
		keys = []string{cachekey.Redirects, cachekey.Articles} // an editor's, or an article's earlier address
	case *model.ArticleConnection, *model.SearchConnection:
		// A list, or search results: any article may join them.
		keys = []string{cachekey.Articles}
	case *model.AuthorConnection:
		keys = []string{cachekey.Authors}
	case *model.TagConnection:
		keys = []string{cachekey.Tags, cachekey.Articles} // readers see the tags of visible articles
	case nil: // node(id:) finding nothing
		keys = nullLookup(ctx)
	}
	if len(keys) > 0 {
		if k := KeysFrom(ctx); k != nil {
			k.Add(keys...)
			for _, t := range until {
				if t != nil {
					k.Until(*t)
				}
			}
		}
	}
}

// archivePage reports whether a liveBlog field selects nothing but
// entries(after: …) of all entries: older entries, which new posts do not
// change (their own keys purge them when corrected, pinned or deleted).
func archivePage(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return false
	}
	var vars map[string]any
	if oc := graphql.GetOperationContext(ctx); oc != nil {
		vars = oc.Variables
	}
	found := false
	for _, sel := range fc.Field.Selections {
		f, ok := sel.(*ast.Field)
		if !ok {
			return false // fragments: not worth the analysis
		}
		if f.Name == "__typename" {
			continue
		}
		if f.Name != "entries" {
			return false
		}
		args := f.ArgumentMap(vars)
		if args["after"] == nil || args["before"] != nil || args["last"] != nil {
			return false
		}
		if only, _ := args["keyEventsOnly"].(bool); only {
			return false
		}
		found = true
	}
	return found
}

// isRootField reports whether the field being resolved is a root query field.
func isRootField(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && fc.Object == "Query"
}

// nullLookup returns the list keys of a lookup that found nothing: a root
// field, or a read-also link whose article the reader may not see (yet).
func nullLookup(ctx context.Context) []string {
	fc := graphql.GetFieldContext(ctx)
	switch {
	case fc == nil:
	case fc.Object == "Query":
		return lookupKeys[fc.Field.Name]
	case fc.Object == "ReadAlsoBlock":
		return []string{cachekey.Articles}
	}
	return nil
}

// AddKeys records keys on the response being resolved in ctx (when it is
// cached), for a field whose value depends on objects it does not return
// (bodyHtml on its read-also targets).
func AddKeys(ctx context.Context, keys ...string) {
	if k := KeysFrom(ctx); k != nil && len(keys) > 0 {
		k.Add(keys...)
	}
}

// AddLiveBlog records that the response shows what changes with every post
// to the live blog of article articleID without returning the blog itself
// (an article's jsonLd lists its newest entries): it carries the blog's
// key, purged by every change, and LivePolicy's few seconds.
func AddLiveBlog(ctx context.Context, articleID uint64) {
	if k := KeysFrom(ctx); k != nil {
		k.Add(cachekey.LiveBlog(articleID))
		k.markLive()
	}
}

// maxHeaderBytes bounds the surrogate-key headers; CDNs cap them (Fastly at
// 16 KiB). Past it, object keys give way to the list keys, which purge
// more but never less.
const maxHeaderBytes = 8 << 10

// Header returns the Surrogate-Key (space-separated) and Cache-Tag
// (comma-separated) values for keys.
func Header(keys []string) (surrogateKey, cacheTag string) {
	total := 0
	for _, k := range keys {
		total += len(k) + 1
	}
	if total > maxHeaderBytes {
		keys = coarsen(keys)
	}
	return strings.Join(keys, " "), strings.Join(keys, ",")
}

// coarsen replaces object keys by their list keys.
func coarsen(keys []string) []string {
	set := map[string]bool{}
	for _, k := range keys {
		typ, _, found := strings.Cut(k, ":")
		if !found {
			set[k] = true
			continue
		}
		switch typ {
		case "article":
			set[cachekey.Articles] = true
		case "author":
			set[cachekey.Authors] = true
		case "category":
			set[cachekey.Categories] = true
		case "tag":
			set[cachekey.Tags] = true
		case "image":
			set[cachekey.Images] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
