package httpcache

import (
	"context"
	"github.com/broadsheet/broadsheet/internal/cachekey"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/models"
)

// KeyAll purges everything: what a write whose rows cannot be named asks for.
const KeyAll = "*"

// tableKeys maps content tables to the list key every write to them purges.
var tableKeys = map[string]string{
	"articles":        cachekey.Articles,
	"article_authors": cachekey.Articles,
	"article_tags":    cachekey.Articles,
	"authors":         cachekey.Authors,
	"categories":      cachekey.Categories,
	"tags":            cachekey.Tags,
	"redirects":       cachekey.Redirects,
	// A section's or tag's name in another locale is part of its answers.
	"category_translations": cachekey.Categories,
	"tag_translations":      cachekey.Tags,
	// An article's related list (editors' picks, stored suggestions) is
	// part of that article's answers: writes name the article whose list
	// changed, and there is no list key.
	"article_related":            "",
	"article_related_candidates": "",
	// Live blogs have no list key: a write names the blog (and entry).
	"live_blogs":   "",
	"live_entries": "",
	// A picture's description and focal point are part of the answers
	// that show it; a write names the picture.
	"images": cachekey.Images,
}

// ArticleListRow is a row of a table that holds one article's list of
// something shown with it (its related picks and suggestions): writing it
// purges that article.
type ArticleListRow interface{ CacheArticleID() uint64 }

// contentTable finds a content table named in raw SQL (not "articles_fts").
var contentTable = regexp.MustCompile("(?i)(^|[^a-z0-9_])(articles|article_authors|article_tags|authors|categories|tags)([^a-z0-9_]|$)")

// WriteKeys returns the surrogate keys a write statement invalidates: the
// keys of the rows it wrote and their list keys, or KeyAll when it wrote a
// content table without naming its rows. Writes to other tables purge
// nothing.
func WriteKeys(stmt *gorm.Statement) []string {
	table := stmt.Table
	if table == "" && stmt.Schema != nil {
		table = stmt.Schema.Table
	}
	if table == "" { // raw SQL: purge everything if it names a content table
		if contentTable.MatchString(stmt.SQL.String()) {
			return []string{KeyAll}
		}
		return nil
	}
	list, ok := tableKeys[table]
	if !ok {
		return nil
	}
	if list == cachekey.Redirects {
		// Answers depend on redirects as a whole (route): no row keys.
		return []string{list}
	}
	var keys []string
	if list != "" {
		keys = append(keys, list)
	}
	named := false
	add := func(v reflect.Value) {
		for v.Kind() == reflect.Pointer && !v.IsNil() {
			v = v.Elem()
		}
		if !v.IsValid() || !v.CanInterface() {
			return
		}
		switch r := v.Interface().(type) {
		case models.Article:
			if r.ID != 0 {
				keys, named = append(keys, cachekey.Article(r.ID)), true
			}
		case models.Author:
			if r.ID != 0 {
				keys, named = append(keys, cachekey.Author(r.ID)), true
			}
		case models.Category:
			if r.ID != 0 {
				keys, named = append(keys, cachekey.Category(r.ID)), true
			}
		case models.Tag:
			if r.ID != 0 {
				keys, named = append(keys, cachekey.Tag(r.ID)), true
			}
		case models.ArticleAuthor:
			if r.ArticleID != 0 {
				keys, named = append(keys, cachekey.Article(r.ArticleID), cachekey.Author(r.AuthorID)), true
			}
		case models.ArticleTag:
			if r.ArticleID != 0 {
				keys, named = append(keys, cachekey.Article(r.ArticleID), cachekey.Tag(r.TagID)), true
			}
		case models.Image:
			if r.ID != 0 {
				keys, named = append(keys, cachekey.Image(r.ID)), true
			}
		case models.CategoryTranslation:
			if r.CategoryID != 0 {
				keys, named = append(keys, cachekey.Category(r.CategoryID)), true
			}
		case models.TagTranslation:
			if r.TagID != 0 {
				keys, named = append(keys, cachekey.Tag(r.TagID)), true
			}
		case models.LiveBlog:
			if r.ArticleID != 0 {
				keys, named = append(keys, cachekey.ForLiveChange(r.ArticleID, 0, true)...), true
			}
		case models.LiveEntry:
			if r.ArticleID != 0 {
				keys, named = append(keys, cachekey.ForLiveChange(r.ArticleID, r.ID, false)...), true
			}
		case ArticleListRow:
			if id := r.CacheArticleID(); id != 0 {
				keys, named = append(keys, cachekey.Article(id)), true
			}
		}
	}
	rv := stmt.ReflectValue
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			add(rv.Index(i))
		}
	default:
		add(rv)
	}
	if where, ok := stmt.Clauses["WHERE"].Expression.(clause.Where); ok {
		for _, e := range where.Exprs {
			if k := conditionKey(table, e); k != "" {
				keys, named = append(keys, k), true
			}
		}
	}
	if named {
		return keys
	}
	// A new row with no id yet is covered by its list key; anything else
	// (an UPDATE … WHERE, a DELETE by condition) may touch any row.
	if strings.Contains(stmt.SQL.String(), "INSERT") {
		return keys
	}
	return []string{KeyAll}
}

// conditionKey names the row a WHERE condition such as "article_id = ?"
// or "id = ?" selects, if it names one row (or, in a link table, the rows
// of one article, author or tag).
func conditionKey(table string, e clause.Expression) string {
	var col string
	var val any
	switch c := e.(type) {
	case clause.Expr:
		// "id = ?" or "id = ? AND version = ?" (a conditional update):
		// a conjunction names the row any of its equalities names.
		if strings.Contains(strings.ToUpper(c.SQL), " OR ") {
			return ""
		}
		arg := 0
		for _, part := range strings.Split(strings.ReplaceAll(c.SQL, " and ", " AND "), " AND ") {
			left, op, ok := strings.Cut(strings.TrimSpace(part), " ")
			if ok && strings.TrimSpace(op) == "= ?" && arg < len(c.Vars) {
				if k := columnKey(table, left, c.Vars[arg]); k != "" {
					return k
				}
			}
			arg += strings.Count(part, "?")
		}
		return ""
	case clause.Eq:
		switch n := c.Column.(type) {
		case string:
			col = n
		case clause.Column:
			col = n.Name
		}
		val = c.Value
	default:
		return ""
	}
	return columnKey(table, col, val)
}

// columnKey names the row (or a link table's rows) that col = val selects.
func columnKey(table, col string, val any) string {
	if i := strings.LastIndexByte(col, '.'); i >= 0 {
		col = col[i+1:]
	}
	col = strings.Trim(col, "`\"")
	id, ok := toID(val)
	if !ok {
		return ""
	}
	switch {
	case col == "article_id" && (table == "article_authors" || table == "article_tags" ||
		table == "article_related" || table == "article_related_candidates"):
		return cachekey.Article(id)
	case col == "author_id" && table == "article_authors":
		return cachekey.Author(id)
	case col == "tag_id" && (table == "article_tags" || table == "tag_translations"):
		return cachekey.Tag(id)
	case col == "category_id" && table == "category_translations":
		return cachekey.Category(id)
	case col == "id":
		switch table {
		case "articles":
			return cachekey.Article(id)
		case "authors":
			return cachekey.Author(id)
		case "categories":
			return cachekey.Category(id)
		case "tags":
			return cachekey.Tag(id)
		case "images":
			return cachekey.Image(id)
		}
	}
	return ""
}

func toID(v any) (uint64, bool) {
	switch n := v.(type) {
	case uint64:
		return n, n != 0
	case int64:
		return uint64(n), n > 0
	case int:
		return uint64(n), n > 0
	case uint:
		return uint64(n), n != 0
	case uint32:
		return uint64(n), n != 0
	case int32:
		return uint64(n), n > 0
	}
	return 0, false
}

// Pending collects the keys written during one request, to purge once the
// request is over and its transactions have committed: purging earlier
// would let a concurrent reader cache what is about to change.
type Pending struct {
	mu   sync.Mutex
	keys map[string]struct{}
}

// Add records keys.
func (p *Pending) Add(keys []string) {
	p.mu.Lock()
	if p.keys == nil {
		p.keys = map[string]struct{}{}
	}
	for _, k := range keys {
		p.keys[k] = struct{}{}
	}
	p.mu.Unlock()
}

// Keys returns what was recorded.
func (p *Pending) Keys() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.keys))
	for k := range p.keys {
		out = append(out, k)
	}
	return out
}

type pendingKey struct{}

// WithPending returns ctx collecting written keys into p.
func WithPending(ctx context.Context, p *Pending) context.Context {
	return context.WithValue(ctx, pendingKey{}, p)
}

// OnWrite returns a write listener (for dbconn.DB.OnWrite) that purges
// the keys of every content row written. Writes inside a request (a
// context with Pending) are purged when the request ends; others at once
// and again after repurgeAfter, to catch readers that raced an uncommitted
// transaction.
func OnWrite(purge func(keys ...string), repurgeAfter time.Duration) func(*gorm.Statement) {
	return func(stmt *gorm.Statement) {
		keys := WriteKeys(stmt)
		if len(keys) == 0 {
			return
		}
		if ctx := stmt.Context; ctx != nil {
			if p, ok := ctx.Value(pendingKey{}).(*Pending); ok {
				p.Add(keys)
				return
			}
		}
		purge(keys...)
		if repurgeAfter > 0 {
			time.AfterFunc(repurgeAfter, func() { purge(keys...) })
		}
	}
}
