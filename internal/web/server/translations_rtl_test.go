package server_test

import (
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestRightToLeftSlugsInEveryLocale: a right-to-left headline gets the
// same readable slug whatever the article's locale. Arabic's ta marbuta
// transliterates to "@", which the slug library then spelled out in the
// locale's words ("arobase" in French, "an" in German).
func TestRightToLeftSlugsInEveryLocale(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, []content.Option{trLocales(t)})
		editor := s.Token(t, "desk", auth.Editor)
		for _, loc := range []string{"ar", "en", "fr"} {
			p := trNew(t, s, editor, map[string]any{"title": "الحكومة تعلن خطة", "locale": loc, "body": "x"})
			if p.P.Article == nil || p.P.Article.Slug != "lhkwmat-tln-khtat" {
				t.Errorf("locale %s: slug of an Arabic headline = %+v %v, want lhkwmat-tln-khtat", loc, p.P.Article, p.codes())
			}
		}
	})
}
