package loaders

import (
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// PageKey names a page of articles as the field that lists it asks for
// it: whose list (Owner, a global id), which page, and how it is read
// (Teasers without bodies, Cards with card columns only, Total with the
// count).
type PageKey struct {
	Owner                 string
	First, Last           int // -1: not given
	After, Before         string
	HasAfter              bool
	HasBefore             bool
	Teasers, Cards, Total bool
}

// KeepPage holds a page its owner's resolver read ahead, with the owner
// itself (a section front: the section and its first page in one
// statement), for the field that lists it.
func (l *Loaders) KeepPage(k PageKey, list *page.List[*models.Article]) {
	l.pagesMu.Lock()
	defer l.pagesMu.Unlock()
	if l.pages == nil {
		l.pages = map[PageKey]*page.List[*models.Article]{}
	}
	l.pages[k] = list
}

// TakePage hands over the page kept under k, once (nil when none is):
// a field asking for the same page again reads its own.
func (l *Loaders) TakePage(k PageKey) *page.List[*models.Article] {
	l.pagesMu.Lock()
	defer l.pagesMu.Unlock()
	list := l.pages[k]
	delete(l.pages, k)
	return list
}
