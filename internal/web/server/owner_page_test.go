package server_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestPageReadWithItsOwner: category(slug:), author(slug:) and tag(slug:)
// read the section, the author or the tag and the page their articles
// field asks for in one statement. Whatever the selection (bodies or teasers, a total or none,
// variables, aliases, a bad cursor, an editor's drafts), the answer is the
// one the owner's own lookup and its list give apart, as node(id:) reads
// them.
func TestPageReadWithItsOwner(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		editor := s.Token(t, "desk", auth.Editor)
		s.Do(t, testserver.Request{Token: editor, Query: `{ __typename }`}) // the token is looked up once
		admin := s.Token(t, "admin", auth.Admin)
		var ids struct {
			Category struct{ ID string }
			Tag      struct{ ID string }
			Author   struct{ ID string }
		}
		var seed struct {
			Article struct{ Authors []struct{ ID, Slug string } }
		}
		s.MustData(t, testserver.Request{Query: `{ article(slug: "` + demo.SeedSlug + `") { authors { id slug } } }`}, &seed)
		s.MustData(t, testserver.Request{Query: `{ category(slug: "world") { id } tag(slug: "north-korea") { id } }`}, &ids)
		if len(seed.Article.Authors) == 0 {
			t.Fatal("the seed article has no byline")
		}
		var empty struct {
			CreateCategory struct{ Category struct{ ID string } }
			CreateAuthor   struct{ Author struct{ ID string } }
			CreateArticle  struct {
				Article struct{ Tags []struct{ ID, Slug string } }
			}
		}
		// A tag whose only article is a draft: readers do not see it.
		s.MustData(t, testserver.Request{Token: admin, Query: `mutation {
			createCategory(input: {name: "Empty", slug: "empty"}) { category { id } }
			createAuthor(input: {name: "New Hire", slug: "new-hire"}) { author { id } }
			createArticle(input: {title: "Embargoed", tags: ["Not yet"]}) { article { tags { id slug } } } }`}, &empty)
		if len(empty.CreateArticle.Article.Tags) != 1 {
			t.Fatalf("the draft's tag: %+v", empty.CreateArticle)
		}
		hidden := empty.CreateArticle.Article.Tags[0]

		owners := []struct {
			field, typ string
			slug, id   string
			emptySlug  string
			emptyID    string
		}{
			{"category", "Category", "world", ids.Category.ID, "empty", empty.CreateCategory.Category.ID},
			{"author", "Author", seed.Article.Authors[0].Slug, seed.Article.Authors[0].ID, "new-hire", empty.CreateAuthor.Author.ID},
			{"tag", "Tag", "north-korea", ids.Tag.ID, hidden.Slug, hidden.ID},
		}
		for _, o := range owners {
			for _, tc := range []struct {
				name      string
				empty     bool
				selection string
				vars      map[string]any
				token     string
				// saves is how many statements fewer than by id: 1 where the
				// page is read with its owner, 0 where it cannot be
				// (aliases, no page, a bad cursor, no rows: then the owner
				// is read after the page).
				saves int64
				codes []string
			}{
				{name: "teasers and a total", saves: 1,
					selection: `name slug articles(first: 3) { totalCount edges { cursor node { slug title } } pageInfo { hasNextPage endCursor } }`},
				{name: "bodies", saves: 1,
					selection: `name articles(first: 2) { nodes { slug bodyHtml body } }`},
				{name: "bylines", saves: 1,
					selection: `name articles(first: 4) { nodes { slug authors { name } } totalCount }`},
				{name: "arguments in variables", saves: 1, vars: map[string]any{"n": 2},
					selection: `name articles(first: $n) { nodes { slug } pageInfo { hasNextPage } }`},
				{name: "from the end", saves: 1,
					selection: `name articles(last: 2) { nodes { slug } pageInfo { hasPreviousPage } }`},
				{name: "two pages by aliases", saves: 0,
					selection: `name one: articles(first: 1) { nodes { slug } } two: articles(first: 2) { nodes { slug } }`},
				{name: "no page asked for", saves: 0,
					selection: `name articles(first: 0) { nodes { slug } }`},
				{name: "a bad cursor", saves: 0, codes: []string{"BAD_USER_INPUT"},
					selection: `name articles(first: 2, after: "not-a-cursor") { nodes { slug } }`},
				{name: "an editor's drafts", token: editor, saves: 1,
					selection: `name articles(first: 20) { nodes { slug status } totalCount }`},
				{name: "no articles", empty: true, saves: 0,
					selection: `name articles(first: 5) { nodes { slug } totalCount pageInfo { hasNextPage } }`},
			} {
				t.Run(o.field+"/"+tc.name, func(t *testing.T) {
					slug, id := o.slug, o.id
					if tc.empty {
						slug, id = o.emptySlug, o.emptyID
					}
					params, vars := "", map[string]any{"id": id}
					if tc.vars != nil {
						params = "($n: Int)"
					}
					slugReq := testserver.Request{Token: tc.token, Variables: tc.vars,
						Query: `query` + params + ` { owner: ` + o.field + `(slug: "` + slug + `") { ` + tc.selection + ` } }`}
					params = "($id: ID!)"
					if tc.vars != nil {
						params = "($id: ID!, $n: Int)"
						for k, v := range tc.vars {
							vars[k] = v
						}
					}
					idReq := testserver.Request{Token: tc.token, Variables: vars,
						Query: `query` + params + ` { owner: node(id: $id) { ... on ` + o.typ + ` { ` + tc.selection + ` } } }`}
					bySlug, byID := s.Do(t, slugReq), s.Do(t, idReq)
					if !bytes.Equal(compact(t, bySlug.Data), compact(t, byID.Data)) {
						t.Errorf("by slug:\n  %s\nby id:\n  %s", bySlug.Data, byID.Data)
					}
					if !slices.Equal(bySlug.Codes(), tc.codes) || !slices.Equal(byID.Codes(), tc.codes) {
						t.Errorf("error codes %v by slug, %v by id; want %v", bySlug.Codes(), byID.Codes(), tc.codes)
					}
					// A bad cursor nulls the owner (articles is non-null) on
					// either path, and so does a tag with no article a
					// reader sees, for readers; every other answer has it.
					hiddenTag := o.field == "tag" && tc.empty && tc.token == ""
					if bytes.Contains(bySlug.Data, []byte(`"owner":null`)) != (tc.codes != nil || hiddenTag) {
						t.Errorf("owner: %s", bySlug.Body)
					}
					saves := tc.saves
					if o.field == "author" && tc.token != "" {
						saves = 0 // an editor's list of an author's articles is not the author index's: the author is read first
					}
					if hiddenTag {
						saves = -1 // the page finds no row, then the tag's lookup finds none: one more than the lookup alone
					}
					if bySlug.Statements != byID.Statements-saves && tc.token != "" {
						// A token's check is cached for a second
						// (auth.CheckCacheTTL): on a slow machine one of
						// the two requests may check it again, one more
						// statement. Once more, back to back.
						bySlug, byID = s.Do(t, slugReq), s.Do(t, idReq)
					}
					if bySlug.Statements != byID.Statements-saves {
						t.Errorf("%d SQL statements by slug, %d by id: want %d fewer", bySlug.Statements, byID.Statements, saves)
					}
				})
			}
			// No such owner: null, after the page and the lookup.
			r := s.Do(t, testserver.Request{Query: `{ owner: ` + o.field + `(slug: "nowhere") { name articles(first: 5) { nodes { slug } } } }`})
			if string(compact(t, r.Data)) != `{"owner":null}` || len(r.Errors) != 0 {
				t.Errorf("unknown %s: %s", o.field, r.Body)
			}
		}
	})
}

// compact returns the JSON text b without insignificant space.
func compact(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		tb.Fatalf("%v: %s", err, b)
	}
	return out.Bytes()
}
