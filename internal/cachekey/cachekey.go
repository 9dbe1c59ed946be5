// Package cachekey names the surrogate keys of cached answers: one per
// article, author, category and tag an answer contains, and one per kind
// for answers that list them. The response cache, the CDN headers, the
// broker's purges and the webhooks' surrogateKeys all use these names.
package cachekey

import "strconv"

// List keys name "the set of X": an answer that lists articles, or that
// looked one up and found nothing, depends on every article, not just on
// those it shows, and is purged by any change to articles.
const (
	Articles   = "articles"
	Authors    = "authors"
	Categories = "categories"
	Tags       = "tags"
	// Redirects names editors' redirects, which route answers depend on.
	Redirects = "redirects"
	// Images names every media-library picture: answers whose keys were
	// too many for the headers carry it instead of their image keys.
	Images = "images"
)

// Object keys name one row: "article:12", "author:3", "category:1", "tag:9".
func Article(id uint64) string  { return "article:" + strconv.FormatUint(id, 10) }
func Author(id uint64) string   { return "author:" + strconv.FormatUint(id, 10) }
func Category(id uint64) string { return "category:" + strconv.FormatUint(id, 10) }
func Tag(id uint64) string      { return "tag:" + strconv.FormatUint(id, 10) }

// Image names one media-library picture: "image:4". Answers that show a
// picture's description, focal point or rendition URLs (covers, body
// pictures, bodyHtml) carry it, so updateImage purges them.
func Image(id uint64) string { return "image:" + strconv.FormatUint(id, 10) }

// LiveBlog names what changes with every post to a live blog (its first
// page, counts, pinned entries, whether it is live): "liveblog:12", by the
// article's id.
func LiveBlog(articleID uint64) string { return "liveblog:" + strconv.FormatUint(articleID, 10) }

// LiveEntry names one live entry: "liveentry:7". Older pages of a live
// blog carry only these keys, so a new post leaves them cached.
func LiveEntry(id uint64) string { return "liveentry:" + strconv.FormatUint(id, 10) }

// ForLiveChange returns the keys a live-blog change purges: the blog's
// key, the entry's when there is one, and the article's when the blog
// started (the article's liveBlog field was null until then).
func ForLiveChange(articleID, entryID uint64, started bool) []string {
	keys := []string{LiveBlog(articleID)}
	if entryID != 0 {
		keys = append(keys, LiveEntry(entryID))
	}
	if started {
		keys = append(keys, Article(articleID))
	}
	return keys
}

// ForObject returns the keys a change to one object purges: the object's
// own key and its list key. objectType is a GraphQL type name ("Article",
// "Author", "Category", "Tag", as in events and global ids). A bulk
// import ("Import") purges every list and every route answer (its one
// summary event names no article; an updated article's own page follows
// within the cache's max-age). Other types purge nothing.
func ForObject(objectType string, id uint64) []string {
	switch objectType {
	case "Article":
		return []string{Article(id), Articles}
	case "Author":
		return []string{Author(id), Authors}
	case "Category":
		return []string{Category(id), Categories}
	case "Tag":
		return []string{Tag(id), Tags}
	case "Image":
		// Answers with too many image keys carry Images instead.
		return []string{Image(id), Images}
	case "Redirect":
		// Route answers depend on redirects as a whole.
		return []string{Redirects}
	case "Import":
		return []string{Articles, Authors, Categories, Tags, Redirects}
	}
	return nil
}
