package server_test

import (
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/permalink"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// slugStep creates (new true) or renames the article named key, in locale.
type slugStep struct {
	key, locale, slug string
	new               bool
}

// slugWant is what route answers for path: the article with slug, or a
// redirect to location.
type slugWant struct{ path, slug, location string }

// TestTranslationsOldSlugsPerLocale checks that old addresses are kept per
// locale (issue 16): one language's renames and new slugs never take away
// another language's redirects, with {locale} in the URL pattern.
func TestTranslationsOldSlugsPerLocale(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		steps []slugStep
		want  []slugWant
	}{
		{"renaming the French article keeps the English old address",
			[]slugStep{
				{"en", "en", "budget-2025", true},
				{"fr", "fr", "budget-2025", true},
				{"en", "en", "budget-2025-en", false},
				{"fr", "fr", "budget-2025-fr", false},
			},
			[]slugWant{
				{"/en/world/budget-2025", "", "/en/world/budget-2025-en"},
				{"/fr/world/budget-2025", "", "/fr/world/budget-2025-fr"},
				{"/en/world/budget-2025-en", "budget-2025-en", ""},
			}},
		{"a new French slug that is an English old slug",
			[]slugStep{
				{"en", "en", "budget-2025", true},
				{"en", "en", "budget-2025-en", false},
				{"fr", "fr", "budget-2025", true},
			},
			[]slugWant{
				{"/en/world/budget-2025", "", "/en/world/budget-2025-en"},
				{"/fr/world/budget-2025", "budget-2025", ""},
			}},
		{"a French rename to an English old slug",
			[]slugStep{
				{"en", "en", "budget-2025", true},
				{"fr", "fr", "budget-fr", true},
				{"en", "en", "budget-2025-en", false},
				{"fr", "fr", "budget-2025", false},
			},
			[]slugWant{
				{"/en/world/budget-2025", "", "/en/world/budget-2025-en"},
				{"/fr/world/budget-2025", "budget-2025", ""},
				{"/fr/world/budget-fr", "", "/fr/world/budget-2025"},
			}},
		{"taking an old slug in its own locale still forgets it",
			[]slugStep{
				{"a", "en", "budget-2025", true},
				{"a", "en", "budget-2025-a", false},
				{"b", "en", "budget-2025", true},
				{"b", "en", "budget-2025-b", false},
			},
			[]slugWant{
				{"/en/world/budget-2025", "", "/en/world/budget-2025-b"},
				{"/fr/world/budget-2025", "", ""},
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
				pub := content.Publication{Name: "The Desk", Language: "en", Links: permalink.MustNew("https://news.example", "{publicUrl}/{locale}/{section}/{slug}")}
				s := testserver.WithDemo(t, db, trLocales(t), content.WithPublication(pub))
				editor := s.Token(t, "desk", auth.Editor)
				ids := map[string]string{}
				for _, st := range c.steps {
					var p articlePayload
					if st.new {
						p = create(t, s, editor, map[string]any{"title": "Budget " + st.key, "slug": st.slug, "locale": st.locale, "category": "world", "status": "PUBLISHED"})
					} else {
						p = mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": ids[st.key], "update": map[string]any{"slug": st.slug}})
					}
					if len(p.UserErrors) > 0 || p.Article == nil {
						t.Fatalf("%+v: %+v", st, p.UserErrors)
					}
					ids[st.key] = p.Article.ID
				}
				for _, w := range c.want {
					r := route(t, s, "", w.path)
					switch {
					case w.slug == "" && w.location == "":
						if r != nil {
							t.Errorf("route(%s) = %+v, want null", w.path, r)
						}
					case r == nil:
						t.Errorf("route(%s) = null, want %+v", w.path, w)
					case w.slug != "" && (r.Typename != "Article" || r.Slug != w.slug):
						t.Errorf("route(%s) = %+v, want the article %s", w.path, r, w.slug)
					case w.location != "" && (r.Typename != "Redirect" || r.Location != w.location || r.StatusCode != 301):
						t.Errorf("route(%s) = %+v, want a 301 to %s", w.path, r, w.location)
					}
				}
			})
		})
	}
}
