package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/testkit/wait"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// TestImageEditPurgesCachedAnswers: a photo desk that fixes a picture's
// alt text or moves its focal point sees readers' answers change at once,
// as when it edits an article: the response cache (and a CDN, through the
// surrogate keys) must not keep the old alt text and the old crop's URL.
func TestImageEditPurgesCachedAnswers(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		m := newMediaServer(t, db, nil, media.Config{})
		_, up, raw := m.upload(t, m.Editor, "pier.jpg", encodeJPEG(t, halves(300, 200)), map[string]any{"alt": "Old alt"})
		if up.Image == nil {
			t.Fatalf("upload: %s", raw)
		}
		var created struct {
			CreateArticle struct {
				Article    struct{ Slug string }
				UserErrors []userError
			}
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"img": up.Image.ID,
			"body": "Boats.\n\n![](media:" + up.Image.ID + ")\n"}, Query: `mutation($img: ID!, $body: String!) {
			createArticle(input: {title: "Pier", body: $body, status: PUBLISHED, coverImageId: $img}) {
				article { slug } userErrors { field message code } } }`}, &created)
		if len(created.CreateArticle.UserErrors) > 0 {
			t.Fatalf("createArticle: %+v", created.CreateArticle.UserErrors)
		}
		// Each a separate reader query: the cover's own fields, the picture,
		// the body's picture, the HTML of the body.
		queries := map[string]string{
			"coverImage.alt":   `coverImage { alt }`,
			"coverImage.image": `coverImage { image { alt focalPoint { x } url(width: 100, height: 100) } }`,
			"ImageBlock.alt":   `blocks { ... on ImageBlock { alt } }`,
			"ImageBlock.image": `blocks { ... on ImageBlock { image { url(width: 100, height: 100) } } }`,
			"bodyHtml":         `bodyHtml`,
		}
		read := func(sel string) *testserver.Response {
			return m.Do(t, testserver.Request{GET: true, Variables: map[string]any{"slug": created.CreateArticle.Article.Slug},
				Query: `query($slug: String!) { article(slug: $slug) { ` + sel + ` } }`})
		}
		before := map[string]string{}
		for name, sel := range queries {
			read(sel)
			r := read(sel)
			if r.Statements != 0 {
				t.Fatalf("%s: the second read ran %d statements: the test needs the response cache", name, r.Statements)
			}
			before[name] = string(r.Data)
		}
		var upd struct{ UpdateImage uploadResult }
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": up.Image.ID}, Query: `mutation($id: ID!) {
			updateImage(id: $id, input: {alt: "New alt", focalPoint: {x: 0.9, y: 0.1}}) { image { id } userErrors { code } } }`}, &upd)
		if upd.UpdateImage.Image == nil {
			t.Fatalf("updateImage: %+v", upd.UpdateImage)
		}
		for name, sel := range queries {
			if after := string(read(sel).Data); after == before[name] {
				t.Errorf("%s: readers still get the answer from before updateImage: %s", name, after)
			}
		}
	})
}

// TestRenditionsMadeMetric: an operator can see on /metrics how many
// renditions a replica made (50 requests for a new size together: one).
func TestRenditionsMadeMetric(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	m := newMediaServer(t, db, nil, media.Config{}, func(c *server.Config) { c.ExposeMetrics = true })
	_, up, raw := m.upload(t, m.Editor, "pier.jpg", encodeJPEG(t, halves(300, 200)), nil)
	if up.Image == nil {
		t.Fatalf("upload: %s", raw)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, err := http.Get(m.URL + up.Image.URL); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	res, err := http.Get(m.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if v := metricValue(t, string(body), "broadsheet_media_renditions_made_total"); v != 1 {
		t.Errorf("broadsheet_media_renditions_made_total = %v after 50 requests for one new rendition, want 1", v)
	}
}

// TestDeleteImageUsedTwice: a picture an article shows as its cover and
// in its body is refused with IN_USE naming the article once in usedBy.
func TestDeleteImageUsedTwice(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	m := newMediaServer(t, db, nil, media.Config{})
	_, up, raw := m.upload(t, m.Editor, "pier.jpg", encodeJPEG(t, halves(300, 200)), nil)
	if up.Image == nil {
		t.Fatalf("upload: %s", raw)
	}
	m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"img": up.Image.ID,
		"body": "![](media:" + up.Image.ID + ")\n"}, Query: `mutation($img: ID!, $body: String!) {
		createArticle(input: {title: "Pier", body: $body, coverImageId: $img}) { article { id } } }`}, &struct{}{})
	var del struct {
		DeleteImage struct {
			UserErrors []userError
			UsedBy     []struct{ Slug string }
		}
	}
	m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": up.Image.ID},
		Query: `mutation($id: ID!) { deleteImage(id: $id) { userErrors { field code message } usedBy { slug } } }`}, &del)
	d := del.DeleteImage
	if len(d.UserErrors) != 1 || d.UserErrors[0].Code != "IN_USE" || len(d.UsedBy) != 1 || d.UsedBy[0].Slug != "pier" {
		got, _ := json.Marshal(d)
		t.Errorf("deleteImage of a picture used as cover and in the body: %s; want IN_USE and usedBy [pier]", got)
	}
	if !strings.Contains(d.UserErrors[0].Message, "cover") || !strings.Contains(d.UserErrors[0].Message, "body") {
		t.Errorf("IN_USE message %q should say where the picture is used", d.UserErrors[0].Message)
	}
}

// TestReadersCannotBrowseTheLibrary: a picture uploaded for a story not
// yet out (its alt text, caption, file name and full-size URL) is the
// newsroom's: readers, who may not list the library, cannot read it by
// its id either (ids are sequential); they reach pictures through the
// articles they may see.
func TestReadersCannotBrowseTheLibrary(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	m := newMediaServer(t, db, nil, media.Config{})
	_, up, raw := m.upload(t, m.Editor, "minister-resigns.jpg", encodeJPEG(t, halves(300, 200)), map[string]any{"alt": "The minister leaves"})
	if up.Image == nil {
		t.Fatalf("upload: %s", raw)
	}
	q := testserver.Request{Variables: map[string]any{"id": up.Image.ID},
		Query: `query($id: ID!) { node(id: $id) { ... on Image { alt filename url } } nodes(ids: [$id]) { ... on Image { alt } } }`}
	var reader struct {
		Node  *struct{ Alt string }
		Nodes []*struct{ Alt string }
	}
	m.MustData(t, q, &reader)
	if reader.Node != nil || len(reader.Nodes) != 1 || reader.Nodes[0] != nil {
		t.Errorf("a reader read an unpublished picture by its id: node %+v, nodes %+v", reader.Node, reader.Nodes)
	}
	q.Token = m.Editor
	var editor struct{ Node *struct{ Alt string } }
	m.MustData(t, q, &editor)
	if editor.Node == nil || editor.Node.Alt != "The minister leaves" {
		t.Errorf("an editor's node(id:) of a picture: %+v", editor.Node)
	}
}

// TestBodyErrorsInLineOrder: an editor fixing a long body reads its
// problems from top to bottom, whatever their kind.
func TestBodyErrorsInLineOrder(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	m := newMediaServer(t, db, nil, media.Config{})
	body := "First.\n\n![x](media:SW1hZ2U6OTk5)\n\nRead also: [Nope](article:no-such-article)\n\n" +
		"Text with ![inline](media:SW1hZ2U6OTk5) inside.\n\n![x](media:garbage)\n"
	var out struct {
		CreateArticle struct{ UserErrors []userError }
	}
	m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"body": body}, Query: `mutation($body: String!) {
		createArticle(input: {title: "Refs", body: $body}) { userErrors { field code message } } }`}, &out)
	var lines []string
	for _, e := range out.CreateArticle.UserErrors {
		line, _, _ := strings.Cut(e.Message, ":")
		lines = append(lines, line)
	}
	if want := []string{"line 3", "line 5", "line 7", "line 7", "line 9"}; strings.Join(lines, ",") != strings.Join(want, ",") {
		t.Errorf("body errors in the order %v, want %v: %+v", lines, want, out.CreateArticle.UserErrors)
	}
}

// TestRendersBounded: any reader can get URLs for many distinct sizes
// (url and srcset take any width), and each new one is decoded in memory
// (200 MB for a 50 MP picture): renders beyond MaxConcurrentRenders queue
// for a slot instead of running at once, and /metrics shows the queue.
func TestRendersBounded(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	entered, release := make(chan struct{}, 2), make(chan struct{})
	m := newMediaServer(t, db, nil, media.Config{MaxConcurrentRenders: 1, OnRender: func() {
		entered <- struct{}{}
		<-release
	}}, func(c *server.Config) { c.ExposeMetrics = true })
	// Runs before the server's cleanup (LIFO), so a failure does not hang.
	free := sync.OnceFunc(func() { close(release) })
	t.Cleanup(free)
	_, up, raw := m.upload(t, m.Editor, "pier.jpg", encodeJPEG(t, halves(300, 200)), nil)
	if up.Image == nil {
		t.Fatalf("upload: %s", raw)
	}
	img := mustImage(t, m, up.Image.ID)
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	get := func(i, width int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(m.URL + m.Lib.URL(img, media.URLOptions{Width: width}))
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			}
		}()
	}
	get(0, 100)
	<-entered // the first render holds the only slot
	get(1, 200)
	wait.Until(t, "the second render to wait for the slot", func() bool {
		return metricValue(t, scrape(t, m.Server), "broadsheet_media_renders_waiting") == 1
	})
	if len(entered) != 0 {
		t.Fatal("a second render ran beside the first")
	}
	free()
	wg.Wait()
	if statuses[0] != http.StatusOK || statuses[1] != http.StatusOK {
		t.Errorf("statuses %v, want both 200 once the slot was free", statuses)
	}
}

// TestDeleteImageInStagedChanges: a picture that a published article's
// staged changes show (as cover, or in the body by id or row number) is in
// use: deleting it would publish those changes without their picture.
func TestDeleteImageInStagedChanges(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		m := newMediaServer(t, db, nil, media.Config{})
		var ids []string
		for range 3 {
			_, up, raw := m.upload(t, m.Editor, "pier.jpg", encodeJPEG(t, halves(300, 200)), nil)
			if up.Image == nil {
				t.Fatalf("upload: %s", raw)
			}
			ids = append(ids, up.Image.ID)
		}
		var created struct {
			CreateArticle struct{ Article struct{ ID string } }
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Query: `mutation {
			createArticle(input: {title: "Pier", body: "Boats.", status: PUBLISHED}) { article { id } } }`}, &created)
		article := created.CreateArticle.Article.ID
		row := mustImage(t, m, ids[2]).ID
		body := "Staged.\n\n![](media:" + ids[1] + ")\n\n![](media:" + strconv.FormatUint(row, 10) + ")\n"
		var staged struct {
			UpdateArticle struct {
				Article    struct{ HasPendingChanges bool }
				UserErrors []userError
			}
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": article, "img": ids[0], "body": body},
			Query: `mutation($id: ID!, $img: ID!, $body: String!) { updateArticle(id: $id, input: {coverImageId: $img, body: $body}, stage: true) {
				article { hasPendingChanges } userErrors { field code message } } }`}, &staged)
		if !staged.UpdateArticle.Article.HasPendingChanges {
			t.Fatalf("stage: %+v", staged.UpdateArticle)
		}
		del := func(id string) (code string, usedBy []string) {
			var out struct {
				DeleteImage struct {
					UserErrors []userError
					UsedBy     []struct{ Slug string }
				}
			}
			m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": id},
				Query: `mutation($id: ID!) { deleteImage(id: $id) { userErrors { code message } usedBy { slug } } }`}, &out)
			for _, e := range out.DeleteImage.UserErrors {
				code = e.Code
			}
			for _, a := range out.DeleteImage.UsedBy {
				usedBy = append(usedBy, a.Slug)
			}
			return code, usedBy
		}
		for i, what := range []string{"staged cover", "staged body picture by id", "staged body picture by row number"} {
			if code, usedBy := del(ids[i]); code != "IN_USE" || len(usedBy) != 1 || usedBy[0] != "pier" {
				t.Errorf("%s: deleteImage gave %q, usedBy %v; want IN_USE naming pier", what, code, usedBy)
			}
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": article},
			Query: `mutation($id: ID!) { discardChanges(id: $id) { userErrors { code } } }`}, &struct{}{})
		if code, _ := del(ids[0]); code != "" {
			t.Errorf("deleteImage once the staged changes were discarded: %q", code)
		}
	})
}
