package guard

import (
	"math"

	"github.com/broadsheet/broadsheet/internal/related"

	"github.com/broadsheet/broadsheet/graph"
	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/page"
)

// Estimated sizes of lists that have no page argument. They are typical
// rather than worst-case sizes (an article has at most 10 authors and 30
// tags); the page-sized lists are what make operations explode.
const (
	bylineSize    = 2
	tagsSize      = 5
	sectionsCount = 20
	webhooksCount = 20
	// relatedCandidatesWork is what scoring one article's candidates costs
	// on top of the items (see Complexity).
	relatedCandidatesWork = 200
)

// Complexity returns the cost functions for gqlgen's complexity limit:
// every field costs 1 plus its selections, and a list costs its page size
// (first or last, or the default page) times the cost of one item, so
// `first: 1000000` or lists nested in lists are refused before they run.
// Sizes outside the allowed page range still count in full: the limit
// refuses them before the resolver would.
func Complexity() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	pageSize := func(first, last *int) int {
		switch {
		case first != nil && *first > 0:
			return *first
		case last != nil && *last > 0:
			return *last
		case first != nil || last != nil:
			return 0
		}
		return page.DefaultSize
	}
	conn := func(child int, first, last *int) int { return add(mul(pageSize(first, last), child), 1) }
	nested := func(child int, first *int, _ *string, last *int, _ *string) int { return conn(child, first, last) }

	c.Query.Articles = func(child int, first *int, _ *string, last *int, _ *string, _ *model.ArticleFilter, _ *model.ArticleOrder) int {
		return conn(child, first, last)
	}
	c.Query.Authors = func(child int, first *int, _ *string) int { return conn(child, first, nil) }
	c.Query.Tags = func(child int, first *int, _ *string, _ *string) int { return conn(child, first, nil) }
	c.Query.Categories = func(child int, _ *string) int { return add(mul(sectionsCount, child), 1) }
	// An article's translations: one per other locale, counted as a byline.
	c.Article.Translations = func(child int) int { return add(mul(bylineSize, child), 1) }
	c.Author.Articles = nested
	c.Category.Articles = nested
	c.Tag.Articles = nested
	c.Article.Byline = func(child int) int { return add(mul(bylineSize, child), 1) }
	c.Article.TagList = func(child int) int { return add(mul(tagsSize, child), 1) }
	// Lists with a page argument of their own: nil means the default.
	sized := func(child int, first *int, def int) int {
		n := def
		if first != nil {
			n = max(*first, 0)
		}
		return add(mul(n, child), 1)
	}
	c.Article.Related = func(child int, first *int) int { return sized(child, first, related.Default) }
	// Candidates are scored live for the editor, some 16 statements each
	// time: cheap on an article page, not in a list of a hundred.
	c.Article.RelatedCandidates = func(child int, first *int) int {
		return add(sized(child, first, related.Max), relatedCandidatesWork)
	}
	c.Article.Revisions = func(child int, first *int) int { return sized(child, first, page.DefaultSize) }
	c.Query.Search = func(child int, _ string, first *int, _ *string, _ *model.ArticleFilter, _ *string) int {
		return conn(child, first, nil)
	}
	c.Query.AuditLog = func(child int, first *int, _ *string, _ *model.AuditFilter) int { return conn(child, first, nil) }
	c.Query.NewsletterSubscribers = func(child int, first *int, _ *string, _ *model.NewsletterSubscriberFilter) int {
		return conn(child, first, nil)
	}
	c.Query.WebhookDeliveries = func(child int, _ string, first *int, _ *string) int { return conn(child, first, nil) }
	c.Query.Webhooks = func(child int) int { return add(mul(webhooksCount, child), 1) }
	c.Query.Nodes = func(child int, ids []string) int { return add(mul(len(ids), child), 1) }
	return c
}

// Saturating arithmetic: huge page sizes nested three deep must not wrap
// around to a small (or negative) cost.
func mul(a, b int) int {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > math.MaxInt32/b {
		return math.MaxInt32
	}
	return a * b
}

func add(a, b int) int {
	if a > math.MaxInt32-b {
		return math.MaxInt32
	}
	return a + b
}
