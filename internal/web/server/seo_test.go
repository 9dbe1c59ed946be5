package server_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

type seoResult struct {
	Title, Description string
	Image              *string
	Noindex            bool
}

func articleSEO(t *testing.T, s *testserver.Server, token, slug string) seoResult {
	t.Helper()
	var got struct{ Article struct{ Seo seoResult } }
	s.MustData(t, testserver.Request{Token: token, Query: `query($s: String) { article(slug: $s) { seo { title description image noindex } } }`, Variables: map[string]any{"s": slug}}, &got)
	return got.Article.Seo
}

// Editors set SEO fields; empty ones fall back to the headline, the
// standfirst and the cover, and images come out absolute.
func TestArticleSEO(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db, testPublication(""))
		editor := s.Token(t, "desk", auth.Editor)
		created := create(t, s, editor, map[string]any{"title": "Budget day", "subtitle": "What changes for you.", "slug": "budget-day",
			"coverImage": map[string]any{"url": "/img/budget.jpg"},
			"seo":        map[string]any{"title": "Budget 2025: what changes", "description": "Tax, pensions and fuel.", "image": "/img/budget-share.jpg", "noindex": true}})
		if created.Article == nil {
			t.Fatalf("create: %+v", created.UserErrors)
		}
		got := articleSEO(t, s, editor, "budget-day")
		if got.Title != "Budget 2025: what changes" || got.Description != "Tax, pensions and fuel." || got.Image == nil || *got.Image != "https://news.example.com/img/budget-share.jpg" || !got.Noindex {
			t.Errorf("seo = %+v", got)
		}
		upd := mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": created.Article.ID, "update": map[string]any{"seo": map[string]any{"title": "", "image": "", "noindex": false}}})
		if len(upd.UserErrors) > 0 {
			t.Fatalf("update: %+v", upd.UserErrors)
		}
		got = articleSEO(t, s, editor, "budget-day")
		if got.Title != "Budget day" || got.Description != "Tax, pensions and fuel." || got.Image == nil || *got.Image != "https://news.example.com/img/budget.jpg" || got.Noindex {
			t.Errorf("seo after falling back = %+v", got)
		}
		// The demo article has no SEO fields: everything falls back.
		got = articleSEO(t, s, "", demo.SeedSlug)
		if got.Title == "" || got.Description == "" || got.Noindex {
			t.Errorf("seed seo = %+v", got)
		}
		for _, tc := range []struct {
			name  string
			seo   map[string]any
			field string
		}{
			{"image not a URL", map[string]any{"image": "ftp://x/y.jpg"}, "image"},
			{"protocol-relative image", map[string]any{"image": "//cdn.example/y.jpg"}, "image"},
			{"title too long", map[string]any{"title": strings.Repeat("t", 301)}, "title"},
			{"description too long", map[string]any{"description": strings.Repeat("d", 1001)}, "description"},
		} {
			p := mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": created.Article.ID, "update": map[string]any{"seo": tc.seo}})
			if len(p.UserErrors) != 1 || p.UserErrors[0].Code != "INVALID" || !slices.Equal(p.UserErrors[0].Field, []string{"input", "seo", tc.field}) {
				t.Errorf("%s: user errors %+v", tc.name, p.UserErrors)
			}
		}
	})
}

// The JSON-LD document has every property Google's Article structured
// data guidelines recommend (author with name and url, dateModified,
// datePublished, headline, image), and those the issue asks for
// (description, publisher with logo, mainEntityOfPage, articleSection,
// keywords, isAccessibleForFree, corrections), well-formed.
func TestArticleJSONLDAndCorrections(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		clock := testserver.NewClock(time.Now().UTC())
		s := testserver.WithDemo(t, db, testPublication(""), content.WithClock(clock.Now))
		editor := s.Token(t, "desk", auth.Editor)
		admin := s.Token(t, "chief", auth.Admin)
		type article struct {
			ID, URL, UpdatedAt, JSONLd string
			Version                    int
			Corrections                []struct{ At, Text string }
		}
		load := func() article {
			var got struct{ Article article }
			s.MustData(t, testserver.Request{Query: `query($s: String) { article(slug: $s) { id url updatedAt version jsonLd corrections { at text } } }`, Variables: map[string]any{"s": demo.SeedSlug}}, &got)
			return got.Article
		}
		before := load()
		if len(before.Corrections) != 0 {
			t.Fatalf("corrections before any: %+v", before.Corrections)
		}
		checkJSONLD(t, before.JSONLd, before.URL, 0)

		var res struct {
			AddCorrection struct {
				Article    *article
				UserErrors []userError
			}
		}
		clock.Advance(time.Hour)
		const text = "An earlier version gave the wrong date of the summit."
		s.MustData(t, testserver.Request{Token: editor, Query: `mutation($id: ID!, $t: String!) { addCorrection(id: $id, text: $t) { article { id version updatedAt } userErrors { field message code } } }`,
			Variables: map[string]any{"id": before.ID, "t": text}}, &res)
		if res.AddCorrection.Article == nil || len(res.AddCorrection.UserErrors) > 0 {
			t.Fatalf("addCorrection: %+v", res.AddCorrection)
		}
		after := load()
		if len(after.Corrections) != 1 || after.Corrections[0].Text != text || after.Corrections[0].At != after.UpdatedAt {
			t.Errorf("corrections = %+v (updatedAt %s)", after.Corrections, after.UpdatedAt)
		}
		if after.UpdatedAt <= before.UpdatedAt || after.Version != before.Version {
			t.Errorf("updatedAt %s → %s, version %d → %d: want a later time and the same version", before.UpdatedAt, after.UpdatedAt, before.Version, after.Version)
		}
		doc := checkJSONLD(t, after.JSONLd, after.URL, 1)
		mod, _ := time.Parse(time.RFC3339, doc["dateModified"].(string))
		upd, _ := time.Parse(time.RFC3339Nano, after.UpdatedAt)
		if !mod.Equal(upd.Truncate(time.Second)) {
			t.Errorf("dateModified %v, want the correction's time %s", doc["dateModified"], after.UpdatedAt)
		}

		var audit struct {
			AuditLog struct {
				Nodes []struct{ Action, Actor, Outcome string }
			}
		}
		s.MustData(t, testserver.Request{Token: admin, Query: `{ auditLog(first: 1) { nodes { action actor outcome } } }`}, &audit)
		if n := audit.AuditLog.Nodes; len(n) != 1 || n[0].Action != "article.correct" || n[0].Actor != "desk" || n[0].Outcome != "ok" {
			t.Errorf("audit log = %+v", n)
		}

		for _, tc := range []struct{ name, id, text, code string }{
			{"empty", before.ID, "  ", "INVALID"},
			{"too long", before.ID, strings.Repeat("x", 2001), "INVALID"},
			{"no such article", "QXJ0aWNsZTo5OTk5OTk=", "Fixed.", "NOT_FOUND"},
		} {
			s.MustData(t, testserver.Request{Token: editor, Query: `mutation($id: ID!, $t: String!) { addCorrection(id: $id, text: $t) { article { id } userErrors { field message code } } }`,
				Variables: map[string]any{"id": tc.id, "t": tc.text}}, &res)
			if ue := res.AddCorrection.UserErrors; len(ue) != 1 || ue[0].Code != tc.code || res.AddCorrection.Article != nil {
				t.Errorf("%s: %+v", tc.name, res.AddCorrection)
			}
		}
		if r := s.Do(t, testserver.Request{Query: `mutation($id: ID!) { addCorrection(id: $id, text: "x") { article { id } } }`, Variables: map[string]any{"id": before.ID}}); len(r.Errors) == 0 || r.Errors[0].Code() != "UNAUTHENTICATED" {
			t.Errorf("a reader added a correction: %s", r.Body)
		}

		// A headline cannot close the <script> element the document goes in.
		p := create(t, s, editor, map[string]any{"title": "Tags </script><script>alert(1)</script>", "slug": "script-title", "status": "PUBLISHED"})
		if p.Article == nil {
			t.Fatalf("create: %+v", p.UserErrors)
		}
		var got struct{ Article struct{ JSONLd string } }
		s.MustData(t, testserver.Request{Query: `{ article(slug: "script-title") { jsonLd } }`}, &got)
		if strings.Contains(strings.ToLower(got.Article.JSONLd), "</script") || !json.Valid([]byte(got.Article.JSONLd)) {
			t.Errorf("jsonLd = %s", got.Article.JSONLd)
		}
	})
}

// checkJSONLD parses an article's JSON-LD and checks each property's
// presence and form; it returns the document.
func checkJSONLD(t *testing.T, raw, pageURL string, corrections int) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("jsonLd is not JSON: %v\n%s", err, raw)
	}
	str := func(v any, what string) string {
		s, ok := v.(string)
		if !ok || strings.TrimSpace(s) == "" {
			t.Errorf("%s = %#v, want a non-empty string", what, v)
		}
		return s
	}
	absolute := func(v any, what string) {
		u, err := url.Parse(str(v, what))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			t.Errorf("%s = %v, want an absolute URL", what, v)
		}
	}
	date := func(v any, what string) time.Time {
		d, err := time.Parse(time.RFC3339, str(v, what))
		if err != nil {
			t.Errorf("%s = %v, want an ISO 8601 date-time with a time zone", what, v)
		}
		return d
	}
	object := func(v any, what, typ string) map[string]any {
		m, ok := v.(map[string]any)
		if !ok || m["@type"] != typ {
			t.Errorf("%s = %#v, want a %s", what, v, typ)
			return map[string]any{}
		}
		return m
	}
	list := func(v any, what string) []any {
		l, ok := v.([]any)
		if !ok || len(l) == 0 {
			t.Errorf("%s = %#v, want a non-empty list", what, v)
		}
		return l
	}
	if doc["@context"] != "https://schema.org" || doc["@type"] != "NewsArticle" {
		t.Errorf("@context %v, @type %v", doc["@context"], doc["@type"])
	}
	str(doc["headline"], "headline")
	str(doc["description"], "description")
	for i, img := range list(doc["image"], "image") {
		absolute(object(img, "image", "ImageObject")["url"], "image url "+string(rune('0'+i)))
	}
	if pub, mod := date(doc["datePublished"], "datePublished"), date(doc["dateModified"], "dateModified"); mod.Before(pub) {
		t.Errorf("dateModified %v before datePublished %v", mod, pub)
	}
	for _, a := range list(doc["author"], "author") {
		p := object(a, "author", "Person")
		str(p["name"], "author name")
		absolute(p["url"], "author url")
	}
	pub := object(doc["publisher"], "publisher", "Organization")
	if pub["name"] != "The Daily Test" {
		t.Errorf("publisher name %v", pub["name"])
	}
	absolute(object(pub["logo"], "publisher logo", "ImageObject")["url"], "publisher logo url")
	if page := object(doc["mainEntityOfPage"], "mainEntityOfPage", "WebPage"); page["@id"] != pageURL {
		t.Errorf("mainEntityOfPage @id %v, want %s", page["@id"], pageURL)
	}
	if doc["url"] != pageURL {
		t.Errorf("url %v, want %s", doc["url"], pageURL)
	}
	if doc["articleSection"] != "World" {
		t.Errorf("articleSection %v", doc["articleSection"])
	}
	for _, k := range list(doc["keywords"], "keywords") {
		str(k, "keyword")
	}
	if doc["isAccessibleForFree"] != true {
		t.Errorf("isAccessibleForFree %#v", doc["isAccessibleForFree"])
	}
	if corrections == 0 {
		if _, ok := doc["correction"]; ok {
			t.Errorf("correction present without corrections: %v", doc["correction"])
		}
		return doc
	}
	cs := list(doc["correction"], "correction")
	if len(cs) != corrections {
		t.Errorf("%d corrections in JSON-LD, want %d", len(cs), corrections)
	}
	for _, c := range cs {
		m := object(c, "correction", "CorrectionComment")
		str(m["text"], "correction text")
		date(m["datePublished"], "correction datePublished")
	}
	return doc
}
