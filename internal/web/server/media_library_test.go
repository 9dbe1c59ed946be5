package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	xwebp "golang.org/x/image/webp"

	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestImageLibrary: an editor describes a picture, sets its focal point
// (a new URL), makes it an article's cover (readers see it there), cannot
// delete it while the article uses it (IN_USE, naming the article), and
// can once the cover is changed; its renditions then go away too.
func TestImageLibrary(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		m := newMediaServer(t, db, nil, media.Config{})
		_, up, raw := m.upload(t, m.Editor, "Harbour at dawn.jpg", encodeJPEG(t, halves(300, 200)), nil)
		if up.Image == nil {
			t.Fatalf("upload: %s", raw)
		}
		id := up.Image.ID
		oldURL := up.Image.URL

		// Describe it; the focal point moves, and with it the crop's URL.
		var upd struct{ UpdateImage uploadResult }
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": id}, Query: `mutation($id: ID!) {
			updateImage(id: $id, input: {alt: "Boats in the harbour", caption: "Dawn in the port", credit: "Jane Doe / Agency", focalPoint: {x: 0.9, y: 0.1}}) {
				image { ` + imageFields + ` } userErrors { field message code } } }`}, &upd)
		if img := upd.UpdateImage.Image; img == nil || img.Alt != "Boats in the harbour" || img.FocalPoint.X != 0.9 || img.URL == oldURL {
			t.Fatalf("updateImage: %+v", upd.UpdateImage)
		}
		for name, input := range map[string]string{
			"focal point out of range": `{focalPoint: {x: 1.5, y: 0.5}}`,
			"alt too long":             `{alt: "` + strings.Repeat("a", 1001) + `"}`,
		} {
			var bad struct{ UpdateImage uploadResult }
			m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": id},
				Query: `mutation($id: ID!) { updateImage(id: $id, input: ` + input + `) { image { id } userErrors { field message code } } }`}, &bad)
			if len(bad.UpdateImage.UserErrors) != 1 || bad.UpdateImage.UserErrors[0].Code != "INVALID" {
				t.Errorf("%s: %+v", name, bad.UpdateImage)
			}
		}

		// The library lists and finds it.
		var list struct {
			All, Found, None struct {
				TotalCount int
				Nodes      []struct{ ID string }
			}
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Query: `{
			all: images(first: 10) { totalCount nodes { id } }
			found: images(search: "HARBOUR") { totalCount nodes { id } }
			none: images(search: "100%_") { totalCount nodes { id } } }`}, &list)
		if list.All.TotalCount != 1 || list.Found.TotalCount != 1 || list.Found.Nodes[0].ID != id || list.None.TotalCount != 0 {
			t.Errorf("images: %+v", list)
		}

		// A published article with the picture as its cover.
		var created struct {
			CreateArticle struct {
				Article    struct{ ID, Slug string }
				UserErrors []userError
			}
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"img": id}, Query: `mutation($img: ID!) {
			createArticle(input: {title: "Dawn at the harbour", body: "Boats.", status: PUBLISHED, coverImageId: $img}) {
				article { id slug } userErrors { field message code } } }`}, &created)
		if len(created.CreateArticle.UserErrors) > 0 {
			t.Fatalf("createArticle: %+v", created.CreateArticle.UserErrors)
		}
		var read struct {
			Article struct {
				Seo        struct{ Image string }
				CoverImage struct {
					URL, Alt, Credit string
					Image            struct {
						ID     string
						Srcset string
					}
				}
			}
		}
		m.MustData(t, testserver.Request{Variables: map[string]any{"slug": created.CreateArticle.Article.Slug}, Query: `query($slug: String!) {
			article(slug: $slug) { seo { image } coverImage { url alt credit image { id srcset(widths: [100, 200], format: WEBP) } } } }`}, &read)
		c := read.Article.CoverImage
		if c.Image.ID != id || c.Alt != "Boats in the harbour" || c.Credit != "Jane Doe / Agency" || !strings.HasPrefix(c.URL, "/media/") {
			t.Fatalf("a reader's coverImage: %+v", c)
		}
		if !strings.HasSuffix(read.Article.Seo.Image, c.URL) || !strings.HasPrefix(read.Article.Seo.Image, "http") {
			t.Errorf("seo.image = %q, want the cover's URL %q made absolute", read.Article.Seo.Image, c.URL)
		}
		for _, u := range []string{c.URL, strings.Fields(c.Image.Srcset)[0]} {
			if resp, body := m.get(t, u); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d %s", u, resp.StatusCode, body)
			}
		}
		// nodes(ids:) mixes pictures with other objects, in order.
		var nodes struct {
			Nodes []struct {
				Typename string `json:"__typename"`
				ID       string
			}
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"ids": []string{id, created.CreateArticle.Article.ID}},
			Query: `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`}, &nodes)
		if len(nodes.Nodes) != 2 || nodes.Nodes[0].Typename != "Image" || nodes.Nodes[0].ID != id || nodes.Nodes[1].Typename != "Article" {
			t.Errorf("nodes: %+v", nodes.Nodes)
		}
		// A cover naming no image is a user error.
		var missing struct {
			CreateArticle struct{ UserErrors []userError }
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Query: `mutation {
			createArticle(input: {title: "No picture", coverImageId: "SW1hZ2U6OTk5OQ"}) { userErrors { field message code } } }`}, &missing)
		if ue := missing.CreateArticle.UserErrors; len(ue) != 1 || ue[0].Code != "NOT_FOUND" || strings.Join(ue[0].Field, ".") != "input.coverImageId" {
			t.Errorf("a cover naming no image: %+v", ue)
		}

		// In use: refused, naming the article.
		const del = `mutation($id: ID!) { deleteImage(id: $id) { image { id } userErrors { field message code } usedBy { slug } } }`
		var refused struct {
			DeleteImage struct {
				Image      *struct{ ID string }
				UserErrors []userError
				UsedBy     []struct{ Slug string }
			}
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": id}, Query: del}, &refused)
		d := refused.DeleteImage
		if d.Image != nil || len(d.UserErrors) != 1 || d.UserErrors[0].Code != "IN_USE" || len(d.UsedBy) != 1 || d.UsedBy[0].Slug != created.CreateArticle.Article.Slug {
			t.Fatalf("deleting a cover: %+v", d)
		}

		// The cover removed, it goes, renditions with it.
		var removed struct {
			UpdateArticle struct{ UserErrors []userError }
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": created.CreateArticle.Article.ID}, Query: `mutation($id: ID!) {
			updateArticle(id: $id, input: {coverImageId: ""}) { userErrors { field message code } } }`}, &removed)
		if len(removed.UpdateArticle.UserErrors) > 0 {
			t.Fatalf("remove cover: %+v", removed.UpdateArticle.UserErrors)
		}
		// A deleted article with the picture as its cover does not hold it
		// (and loses its cover: the foreign key would refuse otherwise).
		var gone struct {
			CreateArticle struct{ Article struct{ ID string } }
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"img": id}, Query: `mutation($img: ID!) {
			createArticle(input: {title: "Withdrawn", coverImageId: $img}) { article { id } } }`}, &gone)
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": gone.CreateArticle.Article.ID},
			Query: `mutation($id: ID!) { deleteArticle(id: $id) { userErrors { code } } }`}, &struct{}{})
		var deleted struct {
			DeleteImage struct {
				Image      *struct{ ID string }
				UserErrors []userError
			}
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": id}, Query: del}, &deleted)
		if deleted.DeleteImage.Image == nil || len(deleted.DeleteImage.UserErrors) > 0 {
			t.Fatalf("delete: %+v", deleted.DeleteImage)
		}
		if resp, _ := m.get(t, c.URL); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a deleted picture's rendition: %d, want 404", resp.StatusCode)
		}
		if n := storedBlobs(t, m.Bucket, "originals/") + storedBlobs(t, m.Bucket, "renditions/"); n != 0 {
			t.Errorf("%d blobs left after delete", n)
		}
	})
}

// TestDemoCovers: the seed draws and uploads a cover for every demo
// article, and readers get it with working renditions.
func TestDemoCovers(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("draws and encodes a picture per demo article")
	}
	db := dbtest.Open(t, dbconn.SQLite)
	m := newMediaServer(t, db, nil, media.Config{})
	if err := demo.Seed(t.Context(), m.Content, demo.WithCovers(m.Lib)); err != nil {
		t.Fatal(err)
	}
	var q struct {
		Articles struct {
			Nodes []struct {
				Slug       string
				CoverImage *struct {
					Alt   string
					Image struct {
						Width  int
						Srcset string
					}
				}
			}
		}
	}
	m.MustData(t, testserver.Request{Query: `{ articles(first: 100) { nodes { slug coverImage { alt image { width srcset(widths: [400], format: WEBP) } } } } }`}, &q)
	if len(q.Articles.Nodes) == 0 {
		t.Fatal("no demo articles")
	}
	for i, a := range q.Articles.Nodes {
		if a.CoverImage == nil || a.CoverImage.Alt == "" || a.CoverImage.Image.Width != 1600 {
			t.Fatalf("%s has no cover: %+v", a.Slug, a.CoverImage)
		}
		if i == 0 {
			u, _, _ := strings.Cut(a.CoverImage.Image.Srcset, " ")
			resp, body := m.get(t, u)
			if _, err := xwebp.Decode(bytes.NewReader(body)); err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d, decode: %v", u, resp.StatusCode, err)
			}
		}
	}
	// Feeds and sitemaps name the same pictures: the cover rendition, with
	// its size in the feed, and it serves.
	_, body := m.get(t, "/feed.json")
	var feed struct {
		Items []struct {
			URL   string `json:"url"`
			Image string `json:"image"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &feed); err != nil || len(feed.Items) == 0 {
		t.Fatalf("feed.json: %v: %.300s", err, body)
	}
	for _, it := range feed.Items {
		if !strings.Contains(it.Image, "/media/") {
			t.Fatalf("feed item %s has cover %q, want a library rendition", it.URL, it.Image)
		}
	}
	u, _ := url.Parse(feed.Items[0].Image)
	if resp, pic := m.get(t, u.Path); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" || len(pic) == 0 {
		t.Errorf("GET %s: %d %s", u.Path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	_, rss := m.get(t, "/feed.xml")
	if !strings.Contains(string(rss), `width="1600"`) || !strings.Contains(string(rss), `<enclosure url="`) {
		t.Errorf("feed.xml lacks the covers' media:content size or enclosure: %.600s", rss)
	}
	_, index := m.get(t, "/sitemap.xml")
	loc := regexp.MustCompile(`<loc>[^<]*(/sitemaps/articles-[^<]+)</loc>`).FindSubmatch(index)
	if loc == nil {
		t.Fatalf("no article sitemap in the index: %.300s", index)
	}
	if _, sm := m.get(t, string(loc[1])); !strings.Contains(string(sm), "<image:loc>") || !strings.Contains(string(sm), "/media/") {
		t.Errorf("%s lacks the covers: %.600s", loc[1], sm)
	}
}
