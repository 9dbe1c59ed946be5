package models

import "errors"

// ArticleRelations are an article's byline, section and tags loaded together
// with it. Live updates load them once per event and share the article among
// all its subscribers, so resolving a subscription costs no query; reads
// load, for a whole page at once, the ones their query asks for.
type ArticleRelations struct {
	Authors  []*Author
	Category *Category
	Tags     []*Tag
	// Loaded says which of the three were loaded; the others are unknown,
	// not empty.
	Loaded Relation
}

// Relation names one of an article's relations, as a bit of a set.
type Relation uint8

// The relations of an article.
const (
	RelAuthors Relation = 1 << iota
	RelCategory
	RelTags

	// AllRelations is every relation.
	AllRelations = RelAuthors | RelCategory | RelTags
)

// ErrRelationNotLoaded is a wiring bug: a field read a relation that the
// request did not load. The GraphQL layer loads what a selection asks for
// before the article's fields resolve.
var ErrRelationNotLoaded = errors.New("article relation not loaded")

// Missing returns the relations of want that rel has not loaded.
func (rel *ArticleRelations) Missing(want Relation) Relation {
	if rel == nil {
		return want
	}
	return want &^ rel.Loaded
}

// Byline returns the article's authors in byline order. It reads what was
// loaded with the article, so it needs no context and resolves in line.
func (a *Article) Byline() ([]*Author, error) {
	if a.Relations.Missing(RelAuthors) != 0 {
		return nil, ErrRelationNotLoaded
	}
	if a.Relations.Authors == nil {
		return []*Author{}, nil
	}
	return a.Relations.Authors, nil
}

// Section returns the article's section (nil: none), named in its locale.
func (a *Article) Section() (*Category, error) {
	if a.Relations.Missing(RelCategory) != 0 {
		return nil, ErrRelationNotLoaded
	}
	return a.Relations.Category, nil
}

// TagList returns the article's tags by name, named in its locale.
func (a *Article) TagList() ([]*Tag, error) {
	if a.Relations.Missing(RelTags) != 0 {
		return nil, ErrRelationNotLoaded
	}
	if a.Relations.Tags == nil {
		return []*Tag{}, nil
	}
	return a.Relations.Tags, nil
}
