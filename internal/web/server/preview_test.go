package server_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
)

type previewArticle struct {
	ID, Title, BodyHTML, Status string
	Authors                     []struct{ Name string }
	Category                    *struct{ Slug string }
	Tags                        []struct{ Name string }
	Related                     []struct{ ID string }
}

// preview asks for articlePreview without an API token, by POST or GET.
func preview(t *testing.T, s *testserver.Server, token string, id any, get bool) (*previewArticle, *testserver.Response) {
	t.Helper()
	r := s.Do(t, testserver.Request{GET: get, Query: previewQuery, Variables: map[string]any{"token": token, "id": id}})
	var got struct{ ArticlePreview *previewArticle }
	if len(r.Data) > 0 {
		if err := json.Unmarshal(r.Data, &got); err != nil {
			t.Fatal(err)
		}
	}
	return got.ArticlePreview, r
}

// TestPreviewLinks: a preview link shows a draft, with what a frontend
// renders, to whoever holds it and without an API token, never cached;
// every token that does not work — malformed, forged, tampered, expired,
// revoked, for another article — gives null and PREVIEW_LINK_INVALID.
func TestPreviewLinks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		start := time.Now().UTC().Truncate(time.Second)
		clock := testserver.NewClock(start)
		opts := []content.Option{content.WithClock(clock.Now), content.WithPreview(content.PreviewConfig{URL: "https://news.example.com/api/preview?token={token}"})}
		s := testserver.WithDemo(t, db, opts...)
		editor := s.Token(t, "desk", auth.Editor)
		var authors struct {
			Authors struct{ Nodes []struct{ ID string } }
		}
		s.MustData(t, testserver.Request{Query: `{ authors(first: 1) { nodes { id } } }`}, &authors)
		draft := create(t, s, editor, map[string]any{"title": "Secret merger talks", "body": "Two banks are *talking*.",
			"category": "business", "tags": []string{"Banking"}, "authors": []string{authors.Authors.Nodes[0].ID}})
		id := draft.Article.ID

		link := createLink(t, s, editor, id, nil)
		if len(link.UserErrors) > 0 || link.Token == nil || link.URL == nil || link.ExpiresAt == nil {
			t.Fatalf("createPreviewLink: %+v", link)
		}
		if want := "https://news.example.com/api/preview?token=" + *link.Token; *link.URL != want {
			t.Errorf("url %q, want %q", *link.URL, want)
		}
		if exp, err := time.Parse(time.RFC3339, *link.ExpiresAt); err != nil || !exp.Equal(start.Add(content.DefaultPreviewTTL)) {
			t.Errorf("expiresAt %q, want a day from now", *link.ExpiresAt)
		}

		for _, get := range []bool{false, true} {
			for i := 0; i < 2; i++ { // the second time would be a cache hit if it were cached
				a, r := preview(t, s, *link.Token, nil, get)
				if a == nil || a.Title != "Secret merger talks" || a.Status != "DRAFT" || !strings.Contains(a.BodyHTML, "<em>talking</em>") ||
					len(a.Authors) != 1 || a.Category == nil || a.Category.Slug != "business" || len(a.Tags) != 1 || a.Related == nil {
					t.Fatalf("preview (GET %v): %s", get, r)
				}
				if cc := r.Header.Get("Cache-Control"); cc != httpcache.PrivateNoStore || r.Header.Get("Surrogate-Key") != "" || r.Header.Get("ETag") != "" {
					t.Errorf("preview answer (GET %v) headers: Cache-Control %q, Surrogate-Key %q, ETag %q", get, cc, r.Header.Get("Surrogate-Key"), r.Header.Get("ETag"))
				}
				if r.Statements == 0 {
					t.Errorf("preview answer (GET %v) served from the response cache", get)
				}
			}
		}
		if a, _ := preview(t, s, *link.Token, id, false); a == nil {
			t.Error("preview with the right article id refused")
		}

		// A link to another article, and a forgery with another key.
		other := create(t, s, editor, map[string]any{"title": "Another draft"})
		otherLink := createLink(t, s, editor, other.Article.ID, 2*86400)
		body, sig, _ := strings.Cut(*link.Token, ".")
		raw, _ := base64.RawURLEncoding.DecodeString(body)
		forge := func(p string, key []byte) string {
			m := hmac.New(sha256.New, key)
			m.Write([]byte(p))
			return base64.RawURLEncoding.EncodeToString([]byte(p)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
		}
		parts := strings.Split(string(raw), ".")
		flipped := []byte(sig)
		flipped[3] ^= 1
		bad := map[string]struct {
			token string
			id    any
		}{
			"empty":            {"", nil},
			"garbage":          {"not-a-token", nil},
			"no signature":     {body, nil},
			"tampered sig":     {body + "." + string(flipped), nil},
			"tampered payload": {base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("v1.%s.%s.%d", parts[1], parts[2], start.Add(365*24*time.Hour).Unix()))) + "." + sig, nil},
			"forged":           {forge(string(raw), []byte("a key the server does not have at all")), nil},
			"wrong article":    {*otherLink.Token, id},
			"oversized":        {strings.Repeat("A", 600) + "." + sig, nil},
		}
		for name, c := range bad {
			a, r := preview(t, s, c.token, c.id, false)
			if a != nil || len(r.Errors) != 1 || r.Errors[0].Code() != "PREVIEW_LINK_INVALID" || r.Header.Get("Cache-Control") != httpcache.PrivateNoStore {
				t.Errorf("%s token: %s", name, r)
			}
		}

		// Bad expiresIn, and readers cannot make links.
		for _, exp := range []int{0, -5, int(content.MaxPreviewTTL/time.Second) + 1} {
			if l := createLink(t, s, editor, id, exp); l.Token != nil || len(l.UserErrors) != 1 || l.UserErrors[0].Field[0] != "expiresIn" {
				t.Errorf("expiresIn %d: %+v", exp, l)
			}
		}
		if l := createLink(t, s, editor, "QXJ0aWNsZTo5OTk5OTk", nil); l.Token != nil || !hasCode(l.UserErrors, "NOT_FOUND") {
			t.Errorf("a link to no article: %+v", l)
		}
		r := s.Do(t, testserver.Request{Query: previewLinkMut, Variables: map[string]any{"id": id}})
		if len(r.Errors) == 0 || r.Errors[0].Code() != "UNAUTHENTICATED" {
			t.Errorf("a reader making a preview link: %s", r)
		}

		// The longest link works until its last second.
		long := createLink(t, s, editor, id, int(content.MaxPreviewTTL/time.Second))
		clock.Advance(content.DefaultPreviewTTL)
		if a, r := preview(t, s, *link.Token, nil, false); a != nil || r.Errors[0].Code() != "PREVIEW_LINK_INVALID" {
			t.Errorf("expired token: %s", r)
		}
		if a, _ := preview(t, s, *long.Token, nil, false); a == nil {
			t.Error("a 30-day link stopped working after a day")
		}

		// Revoking ends every link made so far; a new one works.
		if p := payload(t, s, editor, revokePreviews, map[string]any{"id": id}); len(p.UserErrors) > 0 {
			t.Fatalf("revokePreviewLinks: %+v", p)
		}
		if a, r := preview(t, s, *long.Token, nil, false); a != nil || r.Errors[0].Code() != "PREVIEW_LINK_INVALID" {
			t.Errorf("revoked token: %s", r)
		}
		if a, _ := preview(t, s, *otherLink.Token, nil, false); a == nil {
			t.Error("revoking one article's links ended another's")
		}
		fresh := createLink(t, s, editor, id, nil)
		if a, _ := preview(t, s, *fresh.Token, nil, false); a == nil {
			t.Error("a link made after revoking does not work")
		}

		// A second replica on the same database accepts the same links (the
		// generated secret is shared through the database).
		b := testserver.New(t, db, []content.Option{content.WithClock(clock.Now)})
		if a, r := preview(t, b, *fresh.Token, nil, false); a == nil {
			t.Errorf("the second replica refuses a link of the first: %s", r)
		}

		// A deleted article's links stop working.
		call(t, s, editor, `mutation($id: ID!) { deleteArticle(id: $id) { userErrors { code } } }`, map[string]any{"id": id})
		if a, r := preview(t, s, *fresh.Token, nil, false); a != nil || r.Errors[0].Code() != "PREVIEW_LINK_INVALID" {
			t.Errorf("deleted article's link: %s", r)
		}
		// ...for good: restoring the article does not revive them.
		call(t, s, editor, `mutation($id: ID!) { restoreArticle(id: $id) { userErrors { code } } }`, map[string]any{"id": id})
		if a, r := preview(t, s, *fresh.Token, nil, false); a != nil || r.Errors[0].Code() != "PREVIEW_LINK_INVALID" {
			t.Errorf("a link made before the article was deleted works again after its restoration: %s", r)
		}
		if a, _ := preview(t, s, *createLink(t, s, editor, id, nil).Token, nil, false); a == nil {
			t.Error("a link made after the restoration does not work")
		}
	})
}

// TestPreviewShowsWhatWillBeLive: the preview of a published article with
// staged changes shows the changes while readers see the live version; a
// scheduled article's preview shows it before its time.
func TestPreviewShowsWhatWillBeLive(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil)
		editor := s.Token(t, "desk", auth.Editor)
		live := create(t, s, editor, map[string]any{"title": "Storm warning", "status": "PUBLISHED", "tags": []string{"Weather"}})
		payload(t, s, editor, stageMutation, map[string]any{"id": live.Article.ID, "in": map[string]any{"title": "Storm warning lifted", "tags": []string{"Weather", "All clear"}}})
		link := createLink(t, s, editor, live.Article.ID, nil)
		a, r := preview(t, s, *link.Token, nil, true)
		if a == nil || a.Title != "Storm warning lifted" || len(a.Tags) != 2 || a.Status != "PUBLISHED" {
			t.Fatalf("preview of staged changes: %s", r)
		}
		if got := readerTitle(t, s, live.Article.Slug); got != "Storm warning" {
			t.Errorf("readers see %q next to a preview", got)
		}

		sched := create(t, s, editor, map[string]any{"title": "Tomorrow's front page"})
		payload(t, s, editor, publishAt, map[string]any{"id": sched.Article.ID, "at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)})
		l := createLink(t, s, editor, sched.Article.ID, nil)
		if a, r := preview(t, s, *l.Token, nil, false); a == nil || a.Status != "SCHEDULED" {
			t.Errorf("preview of a scheduled article: %s", r)
		}
		if readerTitle(t, s, sched.Article.Slug) != "" {
			t.Error("readers see the scheduled article")
		}

		// Taken down with its changes still staged, the article is a draft
		// again: its preview shows the draft as edited since, not the
		// changes staged while it was live.
		payload(t, s, editor, unpublishAt, map[string]any{"id": live.Article.ID})
		if p := payload(t, s, editor, `mutation($id: ID!) { p: updateArticle(id: $id, input: {title: "Storm warning, rewritten"}) { `+articleFields+` } }`, map[string]any{"id": live.Article.ID}); len(p.UserErrors) > 0 {
			t.Fatalf("edit the draft: %+v", p)
		}
		if a, r := preview(t, s, *link.Token, nil, false); a == nil || a.Status != "DRAFT" || a.Title != "Storm warning, rewritten" {
			t.Errorf("preview of the draft an unpublished article became: %s", r)
		}
	})
}
