package server_test

import (
	"testing"

	"gocloud.dev/blob/fileblob"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/events/pubsub"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/testkit/wait"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// mediaReplicas starts two live replicas on db sharing a broker and a
// media store, each with a library that writes picture changes to the
// outbox as the app's does.
func mediaReplicas(t *testing.T, db *dbconn.DB) (a, b *testserver.LiveServer, m *mediaServer) {
	t.Helper()
	bus := pubsub.NewMemory()
	t.Cleanup(func() { bus.Close() })
	bucket, err := fileblob.OpenBucket(t.TempDir(), &fileblob.Options{NoTempDir: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bucket.Close() })
	replica := func() *testserver.LiveServer {
		var wake func()
		lib, err := media.New(store.New(db), bucket, media.Config{Secret: []byte("a test secret of enough bytes"),
			Consumers: []string{events.ConsumerBroker}, Committed: func() { wake() }})
		if err != nil {
			t.Fatal(err)
		}
		s := testserver.NewLive(t, db, testserver.LiveOptions{Broker: bus, KeepBroker: true, Server: func(c *server.Config) { c.Media = lib }})
		wake = s.Relay.Wake
		if a == nil {
			m = &mediaServer{Server: s.Server, Lib: lib, Bucket: bucket, Editor: s.Token(t, "photo-desk", auth.Editor)}
		}
		return s
	}
	a = replica()
	b = replica()
	return a, b, m
}

// TestImageEditPurgesOtherReplicas: updateImage and deleteImage on one
// replica are outbox events, so the other replica drops its cached
// answers showing the picture at once, not at their max-age (a minute,
// and stale-while-revalidate five more: longer than wait.Until waits).
func TestImageEditPurgesOtherReplicas(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		a, b, m := mediaReplicas(t, db)
		_, up, raw := m.upload(t, m.Editor, "pier.jpg", encodeJPEG(t, halves(300, 200)), map[string]any{"alt": "Old alt"})
		if up.Image == nil {
			t.Fatalf("upload: %s", raw)
		}
		var created struct {
			CreateArticle struct{ Article struct{ ID, Slug string } }
		}
		a.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"img": up.Image.ID}, Query: `mutation($img: ID!) {
			createArticle(input: {title: "Pier", body: "Boats.", status: PUBLISHED, coverImageId: $img}) { article { id slug } } }`}, &created)
		slug := created.CreateArticle.Article.Slug
		a.Settle(t)
		b.Settle(t)
		coverAlt := func(s *testserver.Server) string {
			t.Helper()
			var got struct {
				Article *struct{ CoverImage *struct{ Alt string } }
			}
			s.MustData(t, testserver.Request{GET: true, Variables: map[string]any{"slug": slug},
				Query: `query($slug: String!) { article(slug: $slug) { coverImage { alt } } }`}, &got)
			if got.Article == nil || got.Article.CoverImage == nil {
				return ""
			}
			return got.Article.CoverImage.Alt
		}
		// Cached on B.
		for range 2 {
			if got := coverAlt(b.Server); got != "Old alt" {
				t.Fatalf("B's reader sees alt %q", got)
			}
		}

		var upd struct {
			UpdateImage struct{ UserErrors []userError }
		}
		a.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": up.Image.ID},
			Query: `mutation($id: ID!) { updateImage(id: $id, input: {alt: "New alt"}) { userErrors { field message code } } }`}, &upd)
		if len(upd.UpdateImage.UserErrors) > 0 {
			t.Fatalf("updateImage: %+v", upd.UpdateImage.UserErrors)
		}
		wait.Until(t, "B to serve the new alt text", func() bool { return coverAlt(b.Server) == "New alt" })

		// Deleting: take the cover off (an article write, purged as ever),
		// cache B's answer of the picture's node, then delete it on A.
		var unset struct {
			UpdateArticle struct{ UserErrors []userError }
		}
		a.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": created.CreateArticle.Article.ID},
			Query: `mutation($id: ID!) { updateArticle(id: $id, input: {coverImageId: ""}) { userErrors { field message code } } }`}, &unset)
		if len(unset.UpdateArticle.UserErrors) > 0 {
			t.Fatalf("remove the cover: %+v", unset.UpdateArticle.UserErrors)
		}
		node := func(s *testserver.Server) bool {
			t.Helper()
			var got struct{ Node *struct{ ID string } }
			s.MustData(t, testserver.Request{GET: true, Token: m.Editor, Variables: map[string]any{"id": up.Image.ID},
				Query: `query($id: ID!) { node(id: $id) { ... on Image { id } } }`}, &got)
			return got.Node != nil
		}
		if !node(b.Server) {
			t.Fatal("B does not find the picture")
		}
		var del struct {
			DeleteImage struct{ UserErrors []userError }
		}
		a.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": up.Image.ID},
			Query: `mutation($id: ID!) { deleteImage(id: $id) { userErrors { field message code } } }`}, &del)
		if len(del.DeleteImage.UserErrors) > 0 {
			t.Fatalf("deleteImage: %+v", del.DeleteImage.UserErrors)
		}
		wait.Until(t, "B to forget the deleted picture", func() bool { return !node(b.Server) })

		var n int
		if err := db.SQL().QueryRow("SELECT COUNT(*) FROM outbox_events WHERE object_type = 'Image'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%d image events in the outbox, want 2 (updated, deleted)", n)
		}
	})
}

// TestRedirectsPurgeOtherReplicas: createRedirect and deleteRedirect on
// one replica are outbox events, so the other replica's cached route
// answers follow at once, not at their max-age.
func TestRedirectsPurgeOtherReplicas(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		bus := pubsub.NewMemory()
		t.Cleanup(func() { bus.Close() })
		opts := testserver.LiveOptions{Broker: bus, KeepBroker: true, ServiceOptions: []content.Option{testPublication("")}}
		a := testserver.NewLive(t, db, opts)
		b := testserver.NewLive(t, db, opts)
		editor := a.Token(t, "desk", auth.Editor)
		route := func(s *testserver.Server) *routeResult {
			t.Helper()
			var got struct{ Route *routeResult }
			s.MustData(t, testserver.Request{GET: true, Query: routeQuery, Variables: map[string]any{"p": "/moved"}}, &got)
			return got.Route
		}
		for range 2 { // cached on B
			if got := route(b.Server); got != nil {
				t.Fatalf("route(/moved) on B = %+v before any redirect", got)
			}
		}
		p := createRedirect(t, a.Server, editor, "/moved", "/world", nil)
		if p.Redirect == nil {
			t.Fatalf("createRedirect: %+v", p)
		}
		wait.Until(t, "B to follow the new redirect", func() bool {
			got := route(b.Server)
			return got != nil && got.Location == "/world"
		})
		var del struct {
			DeleteRedirect struct{ UserErrors []userError }
		}
		a.MustData(t, testserver.Request{Token: editor, Variables: map[string]any{"id": p.Redirect.ID},
			Query: `mutation($id: ID!) { deleteRedirect(id: $id) { userErrors { field message code } } }`}, &del)
		if len(del.DeleteRedirect.UserErrors) > 0 {
			t.Fatalf("deleteRedirect: %+v", del.DeleteRedirect.UserErrors)
		}
		wait.Until(t, "B to forget the deleted redirect", func() bool { return route(b.Server) == nil })
	})
}
