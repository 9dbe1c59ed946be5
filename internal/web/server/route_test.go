package server_test

import (
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/permalink"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

const routeQuery = `query($p: String!) { route(path: $p) { __typename
  ... on Article { slug path bodyHtml authors { name url } category { slug } related(first: 3) { slug path } }
  ... on Category { slug } ... on Tag { slug } ... on Author { slug }
  ... on Redirect { id from location statusCode } } }`

type routeResult struct {
	Typename   string `json:"__typename"`
	Slug, Path string
	BodyHTML   string
	Authors    []struct{ Name, URL string }
	Category   *struct{ Slug string }
	Related    []struct{ Slug, Path string }
	ID         *string
	From       string
	Location   string
	StatusCode int
}

// route asks what path shows, as token's viewer ("" for a reader); it
// must never be an error.
func route(t *testing.T, s *testserver.Server, token, path string) *routeResult {
	t.Helper()
	var got struct{ Route *routeResult }
	s.MustData(t, testserver.Request{Query: routeQuery, Variables: map[string]any{"p": path}, Token: token}, &got)
	return got.Route
}

type redirectPayload struct {
	Redirect *struct {
		ID, From, Location string
		StatusCode         int
	}
	UserErrors []userError
}

func createRedirect(t *testing.T, s *testserver.Server, token, from, to string, status any) redirectPayload {
	t.Helper()
	var got struct{ CreateRedirect redirectPayload }
	s.MustData(t, testserver.Request{Token: token, Query: `mutation($f: String!, $t: String!, $s: Int) { createRedirect(from: $f, to: $t, statusCode: $s) { redirect { id from location statusCode } userErrors { field message code } } }`,
		Variables: map[string]any{"f": from, "t": to, "s": status}}, &got)
	return got.CreateRedirect
}

func wantCode(t *testing.T, what string, p redirectPayload, code string) {
	t.Helper()
	if len(p.UserErrors) != 1 || p.UserErrors[0].Code != code || p.Redirect != nil {
		t.Errorf("%s: got %+v, want one %s user error", what, p, code)
	}
}

// route resolves a frontend's request paths by the URL pattern: current
// addresses, earlier ones (301), editors' redirects with chains resolved,
// loops and other hosts refused, and anything malformed as null.
func TestRoute(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db, testPublication(""))
		editor := s.Token(t, "desk", auth.Editor)
		seedPath := "/world/" + demo.SeedSlug

		// Rename the seed article: its old address must keep working.
		var seed struct{ Article struct{ ID string } }
		s.MustData(t, testserver.Request{Query: `query($s: String) { article(slug: $s) { id } }`, Variables: map[string]any{"s": demo.SeedSlug}}, &seed)
		renamed := mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": seed.Article.ID, "update": map[string]any{"slug": "putin-kim-weapons"}})
		if len(renamed.UserErrors) > 0 {
			t.Fatalf("rename: %+v", renamed.UserErrors)
		}
		renamedAgain := mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": seed.Article.ID, "update": map[string]any{"slug": "weapons-exchange"}})
		if len(renamedAgain.UserErrors) > 0 {
			t.Fatalf("rename again: %+v", renamedAgain.UserErrors)
		}
		current := "/world/weapons-exchange"
		var old struct{ Article *struct{ Slug string } }
		s.MustData(t, testserver.Request{Query: `query($s: String) { article(slug: $s) { slug } }`, Variables: map[string]any{"s": demo.SeedSlug}}, &old)
		if old.Article == nil || old.Article.Slug != "weapons-exchange" {
			t.Errorf("article(slug: first slug) = %+v, want the article under its current slug", old.Article)
		}
		draft := create(t, s, editor, map[string]any{"title": "Embargoed story", "slug": "embargoed-story", "category": "world", "body": "Not yet."})
		if draft.Article == nil {
			t.Fatalf("create draft: %+v", draft.UserErrors)
		}

		if p := createRedirect(t, s, editor, "/old-archive/2001/story.php?id=7", current, nil); p.Redirect == nil || p.Redirect.From != "/old-archive/2001/story.php" || p.Redirect.StatusCode != 301 {
			t.Fatalf("createRedirect: %+v", p)
		}
		// A redirect to a redirected path is stored with the end of the chain.
		if p := createRedirect(t, s, editor, "/very-old", "/old-archive/2001/story.php", 308); p.Redirect == nil || p.Redirect.Location != current || p.Redirect.StatusCode != 308 {
			t.Errorf("chain through a redirect: %+v", p)
		}
		// … and one to an article's earlier address, with its current one.
		if p := createRedirect(t, s, editor, "https://news.example.com/imported/1", seedPath, 302); p.Redirect == nil || p.Redirect.Location != current || p.Redirect.From != "/imported/1" {
			t.Errorf("chain through an old slug: %+v", p)
		}
		// A redirect whose target later gets one of its own is pointed on.
		if p := createRedirect(t, s, editor, "/a", "/b", nil); p.Redirect == nil {
			t.Fatalf("a → b: %+v", p)
		}
		if p := createRedirect(t, s, editor, "/b", "/world", nil); p.Redirect == nil {
			t.Fatalf("b → world: %+v", p)
		}

		for _, tc := range []struct {
			name, path, token, typename, want string // want: slug, or the location of a Redirect
			status                            int
		}{
			{"current path", current, "", "Article", "weapons-exchange", 0},
			{"current path with query and trailing slash", current + "/?utm_source=x", "", "Article", "weapons-exchange", 0},
			{"absolute URL on the public host", "https://news.example.com" + current, "", "Article", "weapons-exchange", 0},
			{"first slug", seedPath, "", "Redirect", current, 301},
			{"second slug", "/world/putin-kim-weapons", "", "Redirect", current, 301},
			{"old slug under another section", "/politics/putin-kim-weapons", "", "Redirect", current, 301},
			{"draft for a reader", "/world/embargoed-story", "", "", "", 0},
			{"draft for an editor", "/world/embargoed-story", editor, "Article", "embargoed-story", 0},
			{"editor's redirect", "/old-archive/2001/story.php", "", "Redirect", current, 301},
			{"redirect chain resolved", "/very-old", "", "Redirect", current, 308},
			{"redirect retargeted", "/a", "", "Redirect", "/world", 301},
			{"section", "/world", "", "Category", "world", 0},
			{"tag", "/tags/north-korea", "", "Tag", "north-korea", 0},
			{"author", "/authors/giulia-marino", "", "Author", "giulia-marino", 0},
			{"unknown article", "/world/no-such-story", "", "", "", 0},
			{"unknown section", "/nowhere", "", "", "", 0},
			{"root", "/", "", "", "", 0},
			{"empty", "", "", "", "", 0},
			{"relative", "world/" + demo.SeedSlug, "", "", "", 0},
			{"dot segments", "/world/../world/weapons-exchange", "", "", "", 0},
			{"protocol-relative", "//evil.example/world", "", "", "", 0},
			{"other host", "https://evil.example" + current, "", "", "", 0},
			{"bad escape", "/world/%zz", "", "", "", 0},
			{"control character", "/world/a\x00b", "", "", "", 0},
			{"too long", "/" + strings.Repeat("a", 5000), "", "", "", 0},
			{"upper case", "/World/Weapons-Exchange", "", "", "", 0},
			{"script", "javascript:alert(1)", "", "", "", 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := route(t, s, tc.token, tc.path)
				if tc.typename == "" {
					if got != nil {
						t.Fatalf("route(%q) = %+v, want null", tc.path, got)
					}
					return
				}
				if got == nil || got.Typename != tc.typename {
					t.Fatalf("route(%q) = %+v, want a %s", tc.path, got, tc.typename)
				}
				if tc.typename == "Redirect" {
					if got.Location != tc.want || got.StatusCode != tc.status {
						t.Errorf("route(%q) = %s %d, want %s %d", tc.path, got.Location, got.StatusCode, tc.want, tc.status)
					}
				} else if got.Slug != tc.want {
					t.Errorf("route(%q) = %s %q, want %q", tc.path, got.Typename, got.Slug, tc.want)
				}
			})
		}

		t.Run("refused", func(t *testing.T) {
			wantCode(t, "loop", createRedirect(t, s, editor, "/b", "/a", nil), "TAKEN")
			wantCode(t, "loop back", createRedirect(t, s, editor, "/world", "/a", nil), "REDIRECT_LOOP")
			wantCode(t, "to itself", createRedirect(t, s, editor, "/same", "/same/", nil), "REDIRECT_LOOP")
			wantCode(t, "to an earlier address of itself", createRedirect(t, s, editor, current, seedPath, nil), "REDIRECT_LOOP")
			wantCode(t, "external", createRedirect(t, s, editor, "/out", "https://elsewhere.example/page", nil), "EXTERNAL_REDIRECT")
			wantCode(t, "taken", createRedirect(t, s, editor, "/very-old", "/world", nil), "TAKEN")
			wantCode(t, "bad status", createRedirect(t, s, editor, "/teapot", "/world", 418), "INVALID")
			wantCode(t, "bad from", createRedirect(t, s, editor, "nowhere", "/world", nil), "INVALID")
			wantCode(t, "bad to", createRedirect(t, s, editor, "/x", "javascript:alert(1)", nil), "INVALID")
			if r := s.Do(t, testserver.Request{Query: `mutation { createRedirect(from: "/r", to: "/world") { redirect { id } } }`}); len(r.Errors) == 0 || r.Errors[0].Code() != "UNAUTHENTICATED" {
				t.Errorf("a reader made a redirect: %s", r.Body)
			}
			if r := s.Do(t, testserver.Request{Query: `{ redirects { totalCount } }`}); len(r.Errors) == 0 || r.Errors[0].Code() != "UNAUTHENTICATED" {
				t.Errorf("a reader listed redirects: %s", r.Body)
			}
		})

		t.Run("list and delete", func(t *testing.T) {
			var list struct {
				Redirects struct {
					TotalCount int
					Nodes      []struct{ ID, From, Location string }
				}
			}
			s.MustData(t, testserver.Request{Token: editor, Query: `{ redirects(first: 10) { totalCount nodes { id from location } } }`}, &list)
			if list.Redirects.TotalCount != 5 || len(list.Redirects.Nodes) != 5 || list.Redirects.Nodes[0].From != "/b" {
				t.Fatalf("redirects = %+v", list.Redirects)
			}
			if list.Redirects.Nodes[1].Location != "/world" {
				t.Errorf("/a was not retargeted: %+v", list.Redirects.Nodes[1])
			}
			var del struct{ DeleteRedirect redirectPayload }
			vars := map[string]any{"id": list.Redirects.Nodes[4].ID}
			s.MustData(t, testserver.Request{Token: editor, Query: `mutation($id: ID!) { deleteRedirect(id: $id) { redirect { id from location statusCode } userErrors { field message code } } }`, Variables: vars}, &del)
			if del.DeleteRedirect.Redirect == nil || del.DeleteRedirect.Redirect.From != "/old-archive/2001/story.php" {
				t.Fatalf("deleteRedirect = %+v", del.DeleteRedirect)
			}
			if got := route(t, s, "", "/old-archive/2001/story.php"); got != nil {
				t.Errorf("deleted redirect still answers: %+v", got)
			}
			s.MustData(t, testserver.Request{Token: editor, Query: `mutation($id: ID!) { deleteRedirect(id: $id) { redirect { id from location statusCode } userErrors { field message code } } }`, Variables: vars}, &del)
			wantCode(t, "delete twice", del.DeleteRedirect, "NOT_FOUND")
			for _, bad := range []string{"nonsense", seed.Article.ID} {
				s.MustData(t, testserver.Request{Token: editor, Query: `mutation($id: ID!) { deleteRedirect(id: $id) { redirect { id from location statusCode } userErrors { field message code } } }`, Variables: map[string]any{"id": bad}}, &del)
				if ue := del.DeleteRedirect.UserErrors; len(ue) != 1 || del.DeleteRedirect.Redirect != nil {
					t.Errorf("deleteRedirect(%q) = %+v", bad, del.DeleteRedirect)
				}
			}
		})
	})
}

// With --allow-external-redirects an editor may send a path to another host.
func TestRouteExternalRedirects(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		pub := content.Publication{Name: "T", Language: "en", Links: permalink.MustNew("https://news.example.com", ""), AllowExternalRedirects: true}
		s := testserver.New(t, db, []content.Option{content.WithPublication(pub)})
		editor := s.Token(t, "desk", auth.Editor)
		if p := createRedirect(t, s, editor, "/podcast", "https://podcasts.example.org/show?id=1", 302); p.Redirect == nil || p.Redirect.Location != "https://podcasts.example.org/show?id=1" {
			t.Fatalf("createRedirect = %+v", p)
		}
		if got := route(t, s, "", "/podcast"); got == nil || got.Location != "https://podcasts.example.org/show?id=1" || got.StatusCode != 302 {
			t.Errorf("route = %+v", got)
		}
	})
}

// A frontend that knows only its request path renders the seed article's
// page: one route query gives the body, byline, section and related links.
func TestRouteRendersSeedArticle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db, testPublication(""))
		got := route(t, s, "", "/world/"+demo.SeedSlug)
		if got == nil || got.Typename != "Article" || got.Slug != demo.SeedSlug || got.Path != "/world/"+demo.SeedSlug {
			t.Fatalf("route = %+v", got)
		}
		if !strings.Contains(got.BodyHTML, "<p>") || len(got.Authors) == 0 || got.Authors[0].URL == "" || got.Category == nil || got.Category.Slug != "world" {
			t.Errorf("page parts missing: %+v", got)
		}
		if len(got.Related) == 0 {
			t.Fatal("no related articles")
		}
		for _, r := range got.Related {
			if back := route(t, s, "", r.Path); back == nil || back.Slug != r.Slug {
				t.Errorf("related link %s does not route back to %s: %+v", r.Path, r.Slug, back)
			}
		}
	})
}

// Readers' route answers are cached like any other; a new redirect and a
// renamed slug purge them.
func TestRouteAnswersArePurged(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db, testPublication(""))
		editor := s.Token(t, "desk", auth.Editor)
		get := func(path string) *routeResult {
			t.Helper()
			var got struct{ Route *routeResult }
			s.MustData(t, testserver.Request{GET: true, Query: routeQuery, Variables: map[string]any{"p": path}}, &got)
			return got.Route
		}
		for range 2 { // the second answer comes from the cache
			if got := get("/moved"); got != nil {
				t.Fatalf("route(/moved) = %+v before any redirect", got)
			}
		}
		if p := createRedirect(t, s, editor, "/moved", "/world", nil); p.Redirect == nil {
			t.Fatalf("createRedirect: %+v", p)
		}
		if got := get("/moved"); got == nil || got.Location != "/world" {
			t.Errorf("after createRedirect, route(/moved) = %+v", got)
		}
		seedPath := "/world/" + demo.SeedSlug
		if got := get(seedPath); got == nil || got.Typename != "Article" {
			t.Fatalf("route(seed) = %+v", got)
		}
		var seed struct{ Article struct{ ID string } }
		s.MustData(t, testserver.Request{Query: `query($s: String) { article(slug: $s) { id } }`, Variables: map[string]any{"s": demo.SeedSlug}}, &seed)
		mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": seed.Article.ID, "update": map[string]any{"slug": "renamed-seed"}})
		if got := get(seedPath); got == nil || got.Typename != "Redirect" || got.Location != "/world/renamed-seed" {
			t.Errorf("after the rename, route(seed) = %+v", got)
		}
	})
}

// Other URL patterns read back the same way: a dated address with the
// wrong date, or an id address with an old slug, redirects to the current one.
func TestRouteOtherPatterns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, pattern string
		stale         func(path string) string // an out-of-date address of the same article
	}{
		{"dated", "{publicUrl}/{yyyy}/{mm}/{dd}/{slug}", func(p string) string { return "/1999/01/01/" + p[strings.LastIndex(p, "/")+1:] }},
		{"by id", "{publicUrl}/{section}/{id}-{slug}.html", func(p string) string {
			dash := strings.Index(p[len("/world/"):], "-") + len("/world/")
			return "/business" + p[len("/world"):dash] + "-some-old-slug.html"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
				s := testserver.WithDemo(t, db, testPublication(tc.pattern))
				var got struct{ Article struct{ Path string } }
				s.MustData(t, testserver.Request{Query: `query($s: String) { article(slug: $s) { path } }`, Variables: map[string]any{"s": demo.SeedSlug}}, &got)
				path := got.Article.Path
				if r := route(t, s, "", path); r == nil || r.Typename != "Article" || r.Slug != demo.SeedSlug {
					t.Fatalf("route(%s) = %+v", path, r)
				}
				stale := tc.stale(path)
				if r := route(t, s, "", stale); r == nil || r.Typename != "Redirect" || r.Location != path || r.StatusCode != 301 {
					t.Errorf("route(%s) = %+v, want a 301 to %s", stale, r, path)
				}
				if r := route(t, s, "", "/world"); r == nil || r.Typename != "Category" {
					t.Errorf("route(/world) = %+v", r)
				}
			})
		})
	}
}

// A slug one article gave up may be taken by another: the path then shows
// the new owner, and when that one moves on too, the path follows it.
func TestRouteSlugTakenOver(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db, testPublication(""))
		editor := s.Token(t, "desk", auth.Editor)
		rename := func(id, slug string) {
			t.Helper()
			if p := mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": id, "update": map[string]any{"slug": slug}}); len(p.UserErrors) > 0 {
				t.Fatalf("rename to %s: %+v", slug, p.UserErrors)
			}
		}
		first := create(t, s, editor, map[string]any{"title": "First", "slug": "contested", "category": "world", "status": "PUBLISHED"}).Article
		rename(first.ID, "first-story")
		second := create(t, s, editor, map[string]any{"title": "Second", "slug": "contested", "category": "world", "status": "PUBLISHED"}).Article
		if second == nil {
			t.Fatal("the given-up slug could not be taken")
		}
		if r := route(t, s, "", "/world/contested"); r == nil || r.Typename != "Article" || r.Slug != "contested" {
			t.Fatalf("route(/world/contested) = %+v, want the second article", r)
		}
		rename(second.ID, "second-story")
		if r := route(t, s, "", "/world/contested"); r == nil || r.Location != "/world/second-story" {
			t.Errorf("route(/world/contested) = %+v, want a redirect to the second article", r)
		}
		if r := route(t, s, "", "/world/first-story"); r == nil || r.Typename != "Article" {
			t.Errorf("route(/world/first-story) = %+v", r)
		}
		// Taking back an earlier slug of its own: the article is there again.
		rename(second.ID, "contested")
		if r := route(t, s, "", "/world/contested"); r == nil || r.Typename != "Article" || r.Slug != "contested" {
			t.Errorf("after taking its slug back, route = %+v", r)
		}
		if r := route(t, s, "", "/world/second-story"); r == nil || r.Location != "/world/contested" {
			t.Errorf("route(/world/second-story) = %+v", r)
		}
	})
}
