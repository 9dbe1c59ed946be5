package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/locale"
	"github.com/broadsheet/broadsheet/internal/permalink"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/models"
)

// trLocales are the locales of the translation tests: English (the
// default), French and Arabic (right to left).
func trLocales(t *testing.T) content.Option {
	t.Helper()
	set, err := locale.Parse("en,fr,ar")
	if err != nil {
		t.Fatal(err)
	}
	return content.WithLocales(set)
}

// trArticle is what the translation tests read of an article.
type trArticle struct {
	ID, Slug, Title, Locale, Status string
	Category                        *struct{ Name string }
	Tags                            []struct{ Slug, Name string }
	Translations                    []struct{ ID, Slug, Locale string }
	Related                         []struct{ Slug, Locale string }
}

const trFields = `id slug title locale status category { name } tags { slug name } translations { id slug locale } related(first: 10) { slug locale }`

// trGQL runs a query and decodes its data; errs, when not nil, receives
// the errors instead of failing the test.
func trGQL(t *testing.T, s *testserver.Server, token, query string, vars map[string]any, v any) []testserver.Error {
	t.Helper()
	r := s.Do(t, testserver.Request{Query: query, Variables: vars, Token: token})
	if len(r.Errors) > 0 {
		return r.Errors
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
	return nil
}

func trMust(t *testing.T, s *testserver.Server, token, query string, vars map[string]any, v any) {
	t.Helper()
	if errs := trGQL(t, s, token, query, vars, v); errs != nil {
		t.Fatalf("%s: errors %+v", query, errs)
	}
}

type trPayload struct {
	P struct {
		Article    *trArticle
		UserErrors []struct {
			Field         []string
			Message, Code string
		}
	}
}

func (p trPayload) codes() []string {
	var out []string
	for _, e := range p.P.UserErrors {
		out = append(out, strings.Join(e.Field, ".")+":"+e.Code)
	}
	return out
}

const trCreate = `mutation($in: CreateArticleInput!) { p: createArticle(input: $in) { article { ` + trFields + ` } userErrors { field message code } } }`

func trNew(t *testing.T, s *testserver.Server, token string, in map[string]any) trPayload {
	t.Helper()
	var p trPayload
	trMust(t, s, token, trCreate, map[string]any{"in": in}, &p)
	return p
}

// TestTranslationsThroughTheServer follows an international desk through
// the real server: the demo's French translation, lists, search, sections
// and tags per locale, new translations, links, and every refusal.
func TestTranslationsThroughTheServer(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db, trLocales(t))
		editor := s.Token(t, "desk", auth.Editor)

		// The seed article and its French translation, each in its locale.
		var seed struct{ Article trArticle }
		trMust(t, s, "", `query($slug: String!) { article(slug: $slug) { `+trFields+` } }`, map[string]any{"slug": demo.SeedSlug}, &seed)
		if a := seed.Article; a.Locale != "en" || len(a.Translations) != 1 || a.Translations[0].Locale != "fr" || a.Translations[0].Slug != demo.FrenchSlug {
			t.Fatalf("seed article = %+v, want its French translation", a)
		}
		for _, r := range seed.Article.Related {
			if r.Locale != "en" || r.Slug == demo.FrenchSlug {
				t.Errorf("seed article's related holds %+v: related stays in English and never holds a translation", r)
			}
		}
		var fr struct {
			Article     *trArticle
			Default     *trArticle
			Translation *struct{ Slug string }
		}
		trMust(t, s, "", `query($slug: String!) {
			article(slug: $slug, locale: "fr") { `+trFields+` }
			default: article(slug: $slug) { id }
			translation: article(slug: $slug, locale: "FR") { translation(locale: "en") { slug } }
		}`, map[string]any{"slug": demo.FrenchSlug}, &fr)
		if fr.Article == nil || fr.Article.Locale != "fr" || fr.Article.Category == nil || fr.Article.Category.Name != "Monde" {
			t.Fatalf("French article = %+v, want locale fr in section Monde", fr.Article)
		}
		if fr.Default != nil {
			t.Errorf("article(slug:) without a locale found the French article: the default locale is English")
		}
		if fr.Translation == nil {
			t.Errorf("article(locale: \"FR\") not found: locales are matched case-insensitively")
		}
		var tagNames []string
		for _, tg := range fr.Article.Tags {
			tagNames = append(tagNames, tg.Name)
		}
		if !slices.Contains(tagNames, "Corée du Nord") || slices.Contains(tagNames, "North Korea") {
			t.Errorf("French article's tags = %v, want them named in French", tagNames)
		}
		for _, r := range fr.Article.Related {
			if r.Locale != "fr" {
				t.Errorf("French article's related holds %+v: related stays in French", r)
			}
		}

		// Lists, search, sections and tags per locale.
		var lists struct {
			FR, EN     struct{ TotalCount int }
			SearchFR   struct{ Nodes []struct{ Slug string } }
			SearchEN   struct{ Nodes []struct{ Slug string } }
			Categories []struct{ Slug, Name string }
			Tags       struct{ Nodes []struct{ Slug, Name string } }
		}
		trMust(t, s, "", `{
			FR: articles(filter: {locale: "fr"}) { totalCount }
			EN: articles(filter: {locale: "en"}) { totalCount }
			SearchFR: search(query: "Kim Jong Un", locale: "fr") { nodes { slug } }
			SearchEN: search(query: "Kim Jong Un", filter: {locale: "en"}) { nodes { slug } }
			Categories: categories(locale: "fr") { slug name }
			Tags: tags(locale: "fr", first: 100) { nodes { slug name } }
		}`, nil, &lists)
		if lists.FR.TotalCount != 1 || lists.EN.TotalCount != 8 {
			t.Errorf("articles per locale: fr %d, en %d; want 1 and 8 published", lists.FR.TotalCount, lists.EN.TotalCount)
		}
		if len(lists.SearchFR.Nodes) != 1 || lists.SearchFR.Nodes[0].Slug != demo.FrenchSlug {
			t.Errorf("French search = %+v, want the French article alone", lists.SearchFR.Nodes)
		}
		for _, n := range lists.SearchEN.Nodes {
			if n.Slug == demo.FrenchSlug {
				t.Errorf("English search found the French article")
			}
		}
		if len(lists.SearchEN.Nodes) == 0 {
			t.Errorf("English search found nothing")
		}
		if len(lists.Categories) != len(demo.Categories) || lists.Categories[0].Name != "Monde" {
			t.Errorf("French sections = %+v", lists.Categories)
		}
		if len(lists.Tags.Nodes) != len(demo.Articles[0].Tags) {
			t.Errorf("French tags = %+v, want the %d of the French article", lists.Tags.Nodes, len(demo.Articles[0].Tags))
		}

		// Bad locales are BAD_USER_INPUT naming the argument.
		for _, c := range []struct{ query, arg string }{
			{`{ articles(filter: {locale: "xx"}) { totalCount } }`, "filter.locale"},
			{`{ search(query: "korea", locale: "de") { totalCount } }`, "locale"},
			{`{ article(slug: "x", locale: "not a tag") { id } }`, "locale"},
			{`{ categories(locale: "es") { name } }`, "locale"},
			{`{ tags(locale: "it") { totalCount } }`, "locale"},
			{`{ search(query: "korea", locale: "fr", filter: {locale: "en"}) { totalCount } }`, "locale"},
		} {
			errs := trGQL(t, s, "", c.query, nil, &struct{}{})
			if len(errs) != 1 || errs[0].Code() != "BAD_USER_INPUT" || !strings.Contains(errs[0].Message, c.arg) {
				t.Errorf("%s: errors %+v, want BAD_USER_INPUT naming %s", c.query, errs, c.arg)
			}
		}

		// A new translation in a right-to-left locale: its own slug,
		// transliterated, and its own workflow (a draft readers do not see).
		var seedID = seed.Article.ID
		ar := trNew(t, s, editor, map[string]any{"title": "تبادل الأسلحة بين بوتين وكيم جونغ أون يقلق الغرب", "locale": "ar", "translationOf": seedID, "body": "نص."})
		if ar.P.Article == nil || !models.ValidSlug(ar.P.Article.Slug) || ar.P.Article.Locale != "ar" || len(ar.P.Article.Translations) != 2 {
			t.Fatalf("Arabic translation = %+v %v", ar.P.Article, ar.codes())
		}
		var reader struct{ Article trArticle }
		trMust(t, s, "", `query($slug: String!) { article(slug: $slug) { `+trFields+` } }`, map[string]any{"slug": demo.SeedSlug}, &reader)
		if len(reader.Article.Translations) != 1 {
			t.Errorf("a reader sees %d translations, want 1: the Arabic draft is not published", len(reader.Article.Translations))
		}

		// One article per locale and group; slugs unique per locale.
		refusals := []struct {
			name string
			in   map[string]any
			want string
		}{
			{"second French", map[string]any{"title": "Encore", "locale": "fr", "translationOf": seedID}, "input.translationOf:LOCALE_TAKEN"},
			{"translation without locale", map[string]any{"title": "Sans langue", "translationOf": seedID}, "input.locale:INVALID"},
			{"unknown locale", map[string]any{"title": "Hallo", "locale": "de"}, "input.locale:INVALID"},
			{"slug taken in French", map[string]any{"title": "Doublon", "locale": "fr", "slug": demo.FrenchSlug}, "input.slug:TAKEN"},
		}
		for _, c := range refusals {
			if p := trNew(t, s, editor, c.in); p.P.Article != nil || !slices.Contains(p.codes(), c.want) {
				t.Errorf("%s: %+v %v, want %s", c.name, p.P.Article, p.codes(), c.want)
			}
		}
		enBudget := trNew(t, s, editor, map[string]any{"title": "Budget", "slug": "budget"})
		frBudget := trNew(t, s, editor, map[string]any{"title": "Budget", "slug": "budget", "locale": "fr"})
		frOther := trNew(t, s, editor, map[string]any{"title": "Le budget, bis", "locale": "fr"})
		if enBudget.P.Article == nil || frBudget.P.Article == nil || frOther.P.Article == nil {
			t.Fatalf("the same slug in two locales: %v %v %v", enBudget.codes(), frBudget.codes(), frOther.codes())
		}

		// Linking and unlinking.
		const link = `mutation($id: ID!, $to: ID!) { p: linkTranslation(id: $id, translationOf: $to) { article { ` + trFields + ` } userErrors { field message code } } }`
		var linked trPayload
		trMust(t, s, editor, link, map[string]any{"id": frBudget.P.Article.ID, "to": enBudget.P.Article.ID}, &linked)
		if a := linked.P.Article; a == nil || len(a.Translations) != 1 || a.Translations[0].ID != enBudget.P.Article.ID {
			t.Fatalf("linkTranslation = %+v %v", a, linked.codes())
		}
		var taken trPayload
		trMust(t, s, editor, link, map[string]any{"id": frOther.P.Article.ID, "to": enBudget.P.Article.ID}, &taken)
		if taken.P.Article != nil || !slices.Equal(taken.codes(), []string{"translationOf:LOCALE_TAKEN"}) {
			t.Errorf("linking a second French article = %v, want translationOf:LOCALE_TAKEN", taken.codes())
		} else if msg := taken.P.UserErrors[0].Message; !strings.Contains(msg, frBudget.P.Article.ID) || strings.Contains(msg, frOther.P.Article.ID) {
			// The message names the group's French article, not the one being linked.
			t.Errorf("LOCALE_TAKEN message %q, want it to name %s", msg, frBudget.P.Article.ID)
		}
		var reader2 trPayload
		if errs := trGQL(t, s, "", link, map[string]any{"id": frOther.P.Article.ID, "to": enBudget.P.Article.ID}, &reader2); len(errs) == 0 || errs[0].Code() != "UNAUTHENTICATED" {
			t.Errorf("a reader linked translations: %+v", errs)
		}
		var unlinked trPayload
		trMust(t, s, editor, `mutation($id: ID!) { p: unlinkTranslation(id: $id) { article { `+trFields+` } userErrors { field message code } } }`, map[string]any{"id": frBudget.P.Article.ID}, &unlinked)
		if a := unlinked.P.Article; a == nil || len(a.Translations) != 0 {
			t.Errorf("unlinkTranslation = %+v %v", a, unlinked.codes())
		}

		// Translating a deleted article.
		var del trPayload
		trMust(t, s, editor, `mutation($id: ID!) { p: deleteArticle(id: $id) { article { id } userErrors { field message code } } }`, map[string]any{"id": enBudget.P.Article.ID}, &del)
		if p := trNew(t, s, editor, map[string]any{"title": "Budget traduit", "locale": "fr", "translationOf": enBudget.P.Article.ID}); p.P.Article != nil || !slices.Contains(p.codes(), "input.translationOf:NOT_FOUND") {
			t.Errorf("translating a deleted article = %v, want input.translationOf:NOT_FOUND", p.codes())
		}

		// Section and tag names: set, read back, fall back, refused for the default.
		var sec struct {
			P struct {
				Category   *struct{ ID, Name string }
				UserErrors []struct{ Code string }
			}
		}
		admin := s.Token(t, "chief", auth.Admin)
		const setSection = `mutation($id: ID!, $in: CategoryTranslationInput!) { p: setCategoryTranslation(id: $id, input: $in) { category { id name } userErrors { code } } }`
		var world struct{ Category struct{ ID string } }
		trMust(t, s, "", `{ category(slug: "world") { id } }`, nil, &world)
		trMust(t, s, admin, setSection, map[string]any{"id": world.Category.ID, "in": map[string]any{"locale": "ar", "name": "العالم"}}, &sec)
		if sec.P.Category == nil || sec.P.Category.Name != "العالم" {
			t.Errorf("setCategoryTranslation = %+v", sec.P)
		}
		if errs := trGQL(t, s, admin, setSection, map[string]any{"id": world.Category.ID, "in": map[string]any{"locale": "en", "name": "Earth"}}, &sec); errs == nil && len(sec.P.UserErrors) == 0 {
			t.Errorf("a translation in the default locale was accepted")
		}
		var names struct {
			AR, EN struct{ Name string }
		}
		trMust(t, s, "", `{ AR: category(slug: "politics", locale: "ar") { name } EN: category(slug: "world") { name } }`, nil, &names)
		if names.AR.Name != "Politics" || names.EN.Name != "World" {
			t.Errorf("fallbacks: %+v, want the default locale's names", names)
		}
	})
}

// TestTranslationsLive checks articlePublished(locale:) over SSE: the French
// stream's first event is the French publication although the English one
// came first, and an unknown locale is refused.
func TestTranslationsLive(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{ServiceOptions: []content.Option{trLocales(t)}})
		editor := s.Token(t, "live-desk", auth.Editor)
		en := trNew(t, s.Server, editor, map[string]any{"title": "Live in English"}).P.Article
		fr := trNew(t, s.Server, editor, map[string]any{"title": "En direct en français", "locale": "fr", "translationOf": en.ID}).P.Article
		if en == nil || fr == nil {
			t.Fatal("create the articles")
		}
		french := openSSE(t, s.URL, "", `subscription { articlePublished(locale: "fr") { id locale } }`, nil)
		all := openSSE(t, s.URL, "", `subscription { articlePublished { id locale } }`, nil)
		waitSubscribers(t, s, 2)
		for _, id := range []string{en.ID, fr.ID} {
			var p trPayload
			trMust(t, s.Server, editor, `mutation($id: ID!) { p: publishArticle(id: $id) { article { id } userErrors { field message code } } }`, map[string]any{"id": id}, &p)
		}
		for i, want := range []string{en.ID, fr.ID} {
			if _, data := all.next(t); !strings.Contains(string(data), want) {
				t.Errorf("unfiltered event %d = %s, want %s", i, data, want)
			}
		}
		if _, data := french.next(t); !strings.Contains(string(data), fr.ID) || !strings.Contains(string(data), `"locale":"fr"`) {
			t.Errorf("French stream's first event = %s, want the French article %s", data, fr.ID)
		}
		bad := openSSE(t, s.URL, "", `subscription { articlePublished(locale: "xx") { id } }`, nil)
		if _, data := bad.next(t); !strings.Contains(string(data), "BAD_USER_INPUT") || !strings.Contains(string(data), `locale: unknown locale \"xx\"`) {
			t.Errorf("articlePublished(locale: xx) = %s, want BAD_USER_INPUT naming locale", data)
		}
	})
}

// TestTranslationsDistribution checks the addresses and documents of a
// translated story with {locale} in the URL pattern: Article.url, route,
// JSON-LD, feeds per locale and the sitemap's hreflang alternates.
func TestTranslationsDistribution(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		pub := content.Publication{Name: "The Desk", Language: "en", Links: permalink.MustNew("https://news.example", "{publicUrl}/{locale}/{section}/{slug}")}
		s := testserver.WithDemo(t, db, trLocales(t), content.WithPublication(pub))
		enPath := "/en/world/" + demo.SeedSlug
		frPath := "/fr/world/" + demo.FrenchSlug

		var got struct {
			EN, FR struct {
				URL, Path, JSONLd string
				Translations      []struct{ URL string }
			}
		}
		trMust(t, s, "", `query($en: String!, $fr: String!) {
			EN: article(slug: $en) { url path jsonLd translations { url } }
			FR: article(slug: $fr, locale: "fr") { url path jsonLd translations { url } }
		}`, map[string]any{"en": demo.SeedSlug, "fr": demo.FrenchSlug}, &got)
		if got.EN.Path != enPath || got.FR.Path != frPath || len(got.EN.Translations) != 1 || got.EN.Translations[0].URL != "https://news.example"+frPath {
			t.Fatalf("addresses: %+v", got)
		}
		var enLD, frLD struct {
			InLanguage        string
			WorkTranslation   []struct{ URL, InLanguage string }
			TranslationOfWork *struct{ URL, InLanguage string }
		}
		if err := json.Unmarshal([]byte(got.EN.JSONLd), &enLD); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(got.FR.JSONLd), &frLD); err != nil {
			t.Fatal(err)
		}
		if enLD.InLanguage != "en" || len(enLD.WorkTranslation) != 1 || enLD.WorkTranslation[0].InLanguage != "fr" || enLD.WorkTranslation[0].URL != got.FR.URL {
			t.Errorf("English JSON-LD = %+v", enLD)
		}
		if frLD.InLanguage != "fr" || frLD.TranslationOfWork == nil || frLD.TranslationOfWork.URL != got.EN.URL || frLD.TranslationOfWork.InLanguage != "en" {
			t.Errorf("French JSON-LD = %+v", frLD)
		}

		// route(path:) resolves localized paths, each locale's slug in its own.
		for _, c := range []struct{ path, want string }{
			{frPath, "fr"},
			{enPath, "en"},
			{"/en/world/" + demo.FrenchSlug, ""},
			{"/de/world/" + demo.SeedSlug, ""},
		} {
			var r struct {
				Route *struct {
					Typename string `json:"__typename"`
					Locale   string
				}
			}
			trMust(t, s, "", `query($p: String!) { route(path: $p) { __typename ... on Article { locale } } }`, map[string]any{"p": c.path}, &r)
			switch {
			case c.want == "" && r.Route != nil:
				t.Errorf("route(%s) = %+v, want nothing", c.path, r.Route)
			case c.want != "" && (r.Route == nil || r.Route.Locale != c.want):
				t.Errorf("route(%s) = %+v, want the %s article", c.path, r.Route, c.want)
			}
		}

		get := func(path string) (int, string) {
			req, _ := http.NewRequest("GET", s.URL+path, nil)
			resp, body := s.Raw(t, req)
			return resp.StatusCode, string(body)
		}
		// Feeds per locale: ?locale=.
		code, fr := get("/feed.xml?locale=fr")
		if code != http.StatusOK || !strings.Contains(fr, "<language>fr</language>") || !strings.Contains(fr, "https://news.example"+frPath) || strings.Contains(fr, enPath) {
			t.Errorf("French feed: %d\n%s", code, fr)
		}
		if code, body := get("/sections/world/feed.atom?locale=fr"); code != http.StatusOK || !strings.Contains(body, "Monde") {
			t.Errorf("French section feed: %d, want the section named Monde\n%s", code, body)
		}
		if code, body := get("/feed.json?locale=xx"); code != http.StatusBadRequest || !strings.Contains(body, "locale") {
			t.Errorf("feed of an unknown locale: %d %s", code, body)
		}
		// The sitemap names each translation as an hreflang alternate.
		_, index := get("/sitemap.xml")
		var monthly string
		for _, part := range strings.Split(index, "<loc>")[1:] {
			loc := part[:strings.Index(part, "</loc>")]
			if strings.Contains(loc, "2024-01") {
				monthly = strings.TrimPrefix(loc, "https://news.example")
			}
		}
		if monthly == "" {
			t.Fatalf("no sitemap of January 2024 in the index:\n%s", index)
		}
		_, sm := get(monthly)
		for _, want := range []string{
			`<xhtml:link rel="alternate" hreflang="en" href="https://news.example` + enPath + `">`,
			`<xhtml:link rel="alternate" hreflang="fr" href="https://news.example` + frPath + `">`,
			`xmlns:xhtml="http://www.w3.org/1999/xhtml"`,
		} {
			if strings.Count(sm, want) != 2 && !strings.HasPrefix(want, "xmlns") || !strings.Contains(sm, want) {
				t.Errorf("sitemap %s lacks %s (twice: under each translation)\n%s", monthly, want, sm)
			}
		}
	})
}

// TestTranslationsPurgeCachedNames: a cached answer naming a section or a
// tag in a locale is purged when that name is set.
func TestTranslationsPurgeCachedNames(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db, trLocales(t))
		req := testserver.Request{GET: true, Query: `{ category(slug: "world", locale: "ar") { name } tag(slug: "russia", locale: "ar") { name } }`}
		var before struct {
			Category, Tag struct{ Name string }
		}
		s.MustData(t, req, &before)
		if r := s.MustData(t, req, &before); r.Statements != 0 || before.Category.Name != "World" || before.Tag.Name != "Russia" {
			t.Fatalf("second request: %d statements, %+v; want a cache hit with the default names", r.Statements, before)
		}
		ctx := content.AsSystem(context.Background(), "test")
		ar := "ar"
		world, _ := s.Content.CategoryBySlug(ctx, "world")
		russia, _ := s.Content.TagBySlug(ctx, "russia")
		if _, err := s.Content.SetCategoryTranslation(ctx, world.ID, content.TranslationInput{Locale: &ar, Name: "العالم"}); err != nil {
			t.Fatal(err)
		}
		var after struct {
			Category, Tag struct{ Name string }
		}
		if s.MustData(t, req, &after); after.Category.Name != "العالم" {
			t.Errorf("after setCategoryTranslation: %+v", after)
		}
		if _, err := s.Content.SetTagTranslation(ctx, russia.ID, content.TranslationInput{Locale: &ar, Name: "روسيا"}); err != nil {
			t.Fatal(err)
		}
		if s.MustData(t, req, &after); after.Tag.Name != "روسيا" {
			t.Errorf("after setTagTranslation: %+v", after)
		}
	})
}

// TestTranslationsNotInSubscriptions: a subscription may not select an
// article's translations (a query per subscriber and event).
func TestTranslationsNotInSubscriptions(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{ServiceOptions: []content.Option{trLocales(t)}})
	st := openSSE(t, s.URL, "", `subscription { articlePublished { id translations { id } } }`, nil)
	if _, data := st.next(t); !strings.Contains(string(data), "BAD_USER_INPUT") || !strings.Contains(string(data), "translations") {
		t.Errorf("a subscription selecting translations = %s, want BAD_USER_INPUT", data)
	}
}
