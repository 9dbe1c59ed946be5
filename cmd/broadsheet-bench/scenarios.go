package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Server kinds a scenario runs against. Each kind is one broadsheet
// process started with its own flags; "ceiling" is a plain net/http server
// answering a fixed body.
const (
	serverUncached = "uncached" // --response-cache=false: every request executes
	serverCached   = "cached"   // the response cache on (the default)
	serverCeiling  = "ceiling"  // no GraphQL at all
)

// fixture is what a scenario can draw its variables from.
type fixture struct {
	base                       string // http://127.0.0.1:PORT
	slugs, categories, authors []string
	tags                       []string
	articleIDs                 []string // published articles the mix edits
	queryFields                map[string]bool
	hasMutations               bool
	homepageBytes              int
	token                      string // an editor's API token, for mutations
}

// scenario is one named load. New scenarios are added to the scenarios
// list; one whose prerequisite is missing in this build (a search field,
// mutations) is reported as skipped with the reason.
type scenario struct {
	name, about string
	server      string
	// skip returns why the scenario cannot run against this build ("" to run).
	skip func(f *fixture) string
	// targets returns the requests, drawn at random during the run.
	targets func(f *fixture) []vegeta.Target
	// targeter, when set, replaces drawing from targets: for scenarios
	// whose requests are made up as the run goes (the mix's edits).
	targeter func(f *fixture, seed uint64) vegeta.Targeter
}

const (
	homeQuery = `query Home { articles(first: 20) { nodes { id title slug excerpt publishedAt authors { name slug } category { name slug } tags { name slug } } } }`
	pageQuery = `query Article($slug: String!) { article(slug: $slug) { id title subtitle bodyHtml publishedAt readingTimeMinutes coverImage { url alt caption credit } authors { name slug jobTitle avatarUrl } category { name slug } tags { name slug } } }`
	sectQuery = `query Section($slug: String!) { category(slug: $slug) { name description articles(first: 20) { edges { cursor node { title slug excerpt publishedAt authors { name } } } pageInfo { hasNextPage endCursor } totalCount } } }`
	tagQuery  = `query Tag($slug: String!) { tag(slug: $slug) { name articles(first: 20) { nodes { title slug excerpt publishedAt authors { name } } totalCount } } }`
	authQuery = `query Author($slug: String!) { author(slug: $slug) { name jobTitle bio avatarUrl articles(first: 20) { nodes { title slug publishedAt } totalCount } } }`
	findQuery = `query Search($q: String!) { search(query: $q, first: 10) { edges { score snippet node { title slug publishedAt } } totalCount } }`
	// The same lists in the default locale (en), as an edition's pages ask.
	homeLocaleQuery = `query Home { articles(first: 20, filter: {locale: "en"}) { nodes { id title slug excerpt publishedAt authors { name slug } category { name slug } tags { name slug } } } }`
	findLocaleQuery = `query Search($q: String!) { search(query: $q, first: 10, locale: "en") { edges { score snippet node { title slug publishedAt } } totalCount } }`
	relQuery        = `query Related($slug: String!) { article(slug: $slug) { title related(first: 5) { title slug excerpt authors { name } } } }`
	ldQuery         = `query LD($slug: String!) { article(slug: $slug) { title jsonLd } }`
	// seedSlug is the demo's seed article (content/demo.SeedSlug): its
	// body is rendered for each viewer and links to another article.
	seedSlug = "the-exchange-of-weapons-between-putin-and-kim-jong-un-alarms-the-west"
	// liveBlogSlug is the demo live blog (content/demo.LiveBlogSlug): a
	// dozen entries, so its jsonLd is a LiveBlogPosting listing them.
	liveBlogSlug = "us-election-2024-a-simple-guide-to-the-presidential-vote"
	editQuery    = `mutation Edit($id: ID!, $input: UpdateArticleInput!) { updateArticle(id: $id, input: $input) { article { id version updatedAt } userErrors { field code message } } }`
)

// mutationShare is the part of the mix scenario's requests that are edits.
const mutationShare = 0.05

// searchTerms are queries a reader might type on synthetic content: single
// words, several words, a phrase, a prefix as typed, an exclusion.
var searchTerms = []string{"climate", "election budget", "energy policy", `"trade agreement"`, "hospital", "museum culture", "inflation", "court judge", "reform -tax", "univ", "sanctions summit", "housing investment"}

// get builds a GET target for a query with variables.
func get(f *fixture, query string, vars map[string]any) vegeta.Target {
	q := url.Values{"query": {query}}
	if vars != nil {
		b, _ := json.Marshal(vars)
		q.Set("variables", string(b))
	}
	return vegeta.Target{Method: "GET", URL: f.base + "/graphql?" + q.Encode()}
}

func each(values []string, query string, f *fixture) []vegeta.Target {
	out := make([]vegeta.Target, 0, len(values))
	for _, v := range values {
		out = append(out, get(f, query, map[string]any{"slug": v}))
	}
	return out
}

var scenarios = []scenario{
	{name: "article", about: "article page by slug (random among 200)", server: serverUncached,
		targets: func(f *fixture) []vegeta.Target { return each(f.slugs, pageQuery, f) }},
	{name: "article-linked", about: "the seed article's page: a body rendered for the viewer, with a read-also link", server: serverUncached,
		targets: func(f *fixture) []vegeta.Target { return each([]string{seedSlug}, pageQuery, f) }},
	{name: "homepage", about: "20 latest articles with authors, section and tags", server: serverUncached,
		targets: func(f *fixture) []vegeta.Target { return []vegeta.Target{get(f, homeQuery, nil)} }},
	{name: "section", about: "section front: 20 articles with edges, cursors and total", server: serverUncached,
		targets: func(f *fixture) []vegeta.Target { return each(f.categories, sectQuery, f) }},
	{name: "author", about: "author page: bio and 20 articles with total", server: serverUncached,
		targets: func(f *fixture) []vegeta.Target { return each(f.authors, authQuery, f) }},
	{name: "tag", about: "tag page: 20 articles with bylines and total (the first 100 tags by name)", server: serverUncached,
		targets: func(f *fixture) []vegeta.Target { return each(f.tags, tagQuery, f) }},
	{name: "search", about: "full-text search, 10 results with snippets and total (12 queries)", server: serverUncached,
		skip: func(f *fixture) string {
			if !f.queryFields["search"] {
				return "no Query.search field in this build (the search issue adds it)"
			}
			return ""
		},
		targets: func(f *fixture) []vegeta.Target {
			out := make([]vegeta.Target, 0, len(searchTerms))
			for _, q := range searchTerms {
				out = append(out, get(f, findQuery, map[string]any{"q": q}))
			}
			return out
		}},
	{name: "homepage-locale", about: "the homepage of one locale: articles(filter: {locale})", server: serverUncached,
		skip: noLocales, targets: func(f *fixture) []vegeta.Target { return []vegeta.Target{get(f, homeLocaleQuery, nil)} }},
	{name: "search-locale", about: "search(locale:) in one locale, as search", server: serverUncached,
		skip: noLocales,
		targets: func(f *fixture) []vegeta.Target {
			out := make([]vegeta.Target, 0, len(searchTerms))
			for _, q := range searchTerms {
				out = append(out, get(f, findLocaleQuery, map[string]any{"q": q}))
			}
			return out
		}},
	{name: "related", about: "related(first: 5) of an article, with bylines (random among 200)", server: serverUncached,
		targets: func(f *fixture) []vegeta.Target { return each(f.slugs, relQuery, f) }},
	{name: "article-jsonld", about: "an article's jsonLd, a NewsArticle (random among 200)", server: serverUncached,
		targets: func(f *fixture) []vegeta.Target { return each(f.slugs, ldQuery, f) }},
	{name: "liveblog-jsonld", about: "the demo live blog's jsonLd, a LiveBlogPosting with its 12 entries", server: serverUncached,
		targets: func(f *fixture) []vegeta.Target { return each([]string{liveBlogSlug}, ldQuery, f) }},
	{name: "mix", about: "95% reads drawn from the scenarios above, 5% updateArticle edits by an editor", server: serverUncached,
		skip: func(f *fixture) string {
			switch {
			case !f.hasMutations:
				return "no mutations in this build (the editorial issue adds them)"
			case f.token == "":
				return "no editor token (pass --token with --target)"
			case len(f.articleIDs) == 0:
				return "no articles to edit"
			}
			return ""
		}}, // targeter: mixTargeter, set in init (it draws from this list)
	{name: "homepage-cached", about: "the homepage from the response cache", server: serverCached,
		targets: func(f *fixture) []vegeta.Target { return []vegeta.Target{get(f, homeQuery, nil)} }},
	{name: "article-cached", about: "article pages from the response cache", server: serverCached,
		targets: func(f *fixture) []vegeta.Target { return each(f.slugs, pageQuery, f) }},
	{name: "ceiling", about: "plain net/http, a fixed answer the size of the homepage", server: serverCeiling,
		targets: func(f *fixture) []vegeta.Target {
			return []vegeta.Target{{Method: "GET", URL: f.base + "/graphql?query=" + url.QueryEscape(homeQuery)}}
		}},
}

func init() {
	for i := range scenarios {
		if scenarios[i].name == "mix" {
			scenarios[i].targeter = mixTargeter
		}
	}
}

// mixReads are the read scenarios the mix draws from, each equally often.
var mixReads = []string{"article", "homepage", "section", "author", "search", "related"}

// mixTargeter sends mutationShare of its requests as edits of a random
// article's subtitle (each with new text, so every edit changes the
// article, writes a revision and an event) and the rest as reads.
func mixTargeter(f *fixture, seed uint64) vegeta.Targeter {
	var reads [][]vegeta.Target
	for _, sc := range scenarios {
		if slices.Contains(mixReads, sc.name) && (sc.skip == nil || sc.skip(f) == "") {
			reads = append(reads, sc.targets(f))
		}
	}
	header := http.Header{"Authorization": {"Bearer " + f.token}, "Content-Type": {"application/json"}}
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed+1))
	edits := 0
	return func(t *vegeta.Target) error {
		mu.Lock()
		defer mu.Unlock()
		if rng.Float64() >= mutationShare {
			ts := reads[rng.IntN(len(reads))]
			*t = ts[rng.IntN(len(ts))]
			return nil
		}
		edits++
		body, err := json.Marshal(map[string]any{"query": editQuery, "variables": map[string]any{
			"id":    f.articleIDs[rng.IntN(len(f.articleIDs))],
			"input": map[string]any{"subtitle": fmt.Sprintf("Updated by the load harness, edit %d (%d)", edits, seed)},
		}})
		if err != nil {
			return err
		}
		*t = vegeta.Target{Method: "POST", URL: f.base + "/graphql", Body: body, Header: header}
		return nil
	}
}

// randomTargeter draws targets at random; vegeta's workers call it
// concurrently.
func randomTargeter(ts []vegeta.Target, seed uint64) vegeta.Targeter {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed+1))
	return func(t *vegeta.Target) error {
		if len(ts) == 0 {
			return fmt.Errorf("no targets")
		}
		mu.Lock()
		*t = ts[rng.IntN(len(ts))]
		mu.Unlock()
		return nil
	}
}

func scenarioNames() string {
	var n []string
	for _, s := range scenarios {
		n = append(n, s.name)
	}
	return strings.Join(n, ", ")
}

// noLocales skips the per-locale scenarios on a build without translations.
func noLocales(f *fixture) string {
	if !f.queryFields["locales"] {
		return "no Query.locales field in this build (the translations issue adds it)"
	}
	return ""
}
