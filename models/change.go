package models

// ArticleRelations are an article's byline, section and tags loaded together
// with it. Live updates load them once per event and share the article among
// all its subscribers, so resolving a subscription costs no query.
type ArticleRelations struct {
	Authors  []*Author
	Category *Category
	Tags     []*Tag
}
