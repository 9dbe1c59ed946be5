package server_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/models"
)

// TestLiveEntryImageInUse: a picture a shown entry of a live blog shows
// (by its global id or its row number) cannot be deleted from the library
// (IN_USE, naming the blog's article in usedBy) until no shown entry shows
// it: the entry corrected without it, or deleted, or its article deleted.
// Entries saved before live_entry_images existed count too, from their
// bodies.
func TestLiveEntryImageInUse(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		m := newMediaServer(t, db, nil, media.Config{})
		ctx := context.Background()
		var imgs []*models.Image
		for i := range 4 {
			img, err := m.Lib.Upload(ctx, media.File{Filename: fmt.Sprintf("count-%d.jpg", i), Content: bytes.NewReader(encodeJPEG(t, halves(600, 400)))}, media.Input{})
			if err != nil {
				t.Fatal(err)
			}
			imgs = append(imgs, img)
		}
		blog := newLiveBlog(t, m.Server, m.Editor, "Count live")
		other := newLiveBlog(t, m.Server, m.Editor, "Other live")
		var art struct{ Node struct{ Slug string } }
		gqlData(t, m.Server, "", `query($a: ID!) { node(id: $a) { ... on Article { slug } } }`, map[string]any{"a": blog}, &art)
		slug := art.Node.Slug

		del := func(t *testing.T, img *models.Image) (codes, usedBy []string, message string) {
			t.Helper()
			var got struct {
				DeleteImage struct {
					UserErrors []userError
					UsedBy     []struct{ Slug string }
				}
			}
			m.MustData(t, testserver.Request{Token: m.Editor, Query: `mutation($id: ID!) { deleteImage(id: $id) { userErrors { field message code } usedBy { slug } } }`,
				Variables: map[string]any{"id": img.GlobalID()}}, &got)
			for _, e := range got.DeleteImage.UserErrors {
				codes, message = append(codes, e.Code), e.Message
			}
			for _, a := range got.DeleteImage.UsedBy {
				usedBy = append(usedBy, a.Slug)
			}
			return codes, usedBy, message
		}
		inUse := func(t *testing.T, img *models.Image) {
			t.Helper()
			codes, usedBy, msg := del(t, img)
			if !slices.Equal(codes, []string{"IN_USE"}) || !slices.Equal(usedBy, []string{slug}) || !strings.Contains(msg, "live entry") {
				t.Fatalf("deleting picture %d: codes %v, used by %v (%q); want IN_USE naming %s", img.ID, codes, usedBy, msg, slug)
			}
		}
		deleted := func(t *testing.T, img *models.Image) {
			t.Helper()
			if codes, usedBy, _ := del(t, img); len(codes) > 0 {
				t.Fatalf("deleting picture %d: codes %v, used by %v; want it deleted", img.ID, codes, usedBy)
			}
		}

		byGID := postEntry(t, m.Server, m.Editor, blog, "![The count](media:"+imgs[0].GlobalID()+` "Counting starts")`+"\n\nCounting has started.")
		byRow := postEntry(t, m.Server, m.Editor, blog, "First results.\n\n![](media:"+strconv.FormatUint(imgs[1].ID, 10)+")\n")
		twice := postEntry(t, m.Server, m.Editor, blog, "![](media:"+imgs[3].GlobalID()+")\n")
		again := postEntry(t, m.Server, m.Editor, blog, "Again.\n\n![](media:"+imgs[3].GlobalID()+")\n")
		for _, p := range []liveEntryPayload{byGID, byRow, twice, again} {
			if p.Entry == nil {
				t.Fatalf("post: %+v", p)
			}
		}

		t.Run("the entry shows the picture", func(t *testing.T) {
			var got struct {
				Node struct {
					BodyHTML string
					Blocks   []struct {
						Typename string `json:"__typename"`
						Image    *struct{ ID string }
					}
				}
			}
			gqlData(t, m.Server, "", `query($id: ID!) { node(id: $id) { ... on LiveEntry { bodyHtml blocks { __typename ... on ImageBlock { image { id } } } } } }`, map[string]any{"id": byGID.Entry.ID}, &got)
			if len(got.Node.Blocks) != 2 || got.Node.Blocks[0].Image == nil || got.Node.Blocks[0].Image.ID != imgs[0].GlobalID() || !strings.Contains(got.Node.BodyHTML, "<img") {
				t.Errorf("entry with a library picture: %+v", got.Node)
			}
		})

		t.Run("by global id", func(t *testing.T) { inUse(t, imgs[0]) })
		t.Run("by row number", func(t *testing.T) { inUse(t, imgs[1]) })
		t.Run("two entries name the article once", func(t *testing.T) { inUse(t, imgs[3]) })

		t.Run("corrected without it", func(t *testing.T) {
			up := liveMutation(t, m.Server, m.Editor, "$id: ID!, $in: UpdateLiveEntryInput!", "updateLiveEntry(id: $id, input: $in)",
				map[string]any{"id": byRow.Entry.ID, "in": map[string]any{"body": "First results, without the picture."}})
			if up.Entry == nil {
				t.Fatalf("update: %+v", up)
			}
			deleted(t, imgs[1])
		})
		t.Run("entry deleted", func(t *testing.T) {
			if d := liveMutation(t, m.Server, m.Editor, "$id: ID!", "deleteLiveEntry(id: $id)", map[string]any{"id": byGID.Entry.ID}); len(d.UserErrors) > 0 {
				t.Fatalf("delete entry: %+v", d)
			}
			deleted(t, imgs[0])
		})

		// An entry saved before migration 00026: no live_entry_images rows,
		// images_recorded false. Its body is read instead.
		t.Run("older entries", func(t *testing.T) {
			legacy := postEntry(t, m.Server, m.Editor, other, "Before.\n\n![](media:"+strconv.FormatUint(imgs[2].ID, 10)+` "old")`+"\n")
			_, legacyID, err := globalid.Parse(legacy.Entry.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Exec("DELETE FROM live_entry_images WHERE entry_id = ?", legacyID).Error; err != nil {
				t.Fatal(err)
			}
			// Its blocks did not name the library row either.
			var stored string
			if err := db.Raw("SELECT body_blocks FROM live_entries WHERE id = ?", legacyID).Scan(&stored).Error; err != nil {
				t.Fatal(err)
			}
			unnamed := regexp.MustCompile(`"imageId":\d+,?`).ReplaceAllString(stored, "")
			if unnamed == stored {
				t.Fatalf("stored blocks name no image: %s", stored)
			}
			if err := db.Exec("UPDATE live_entries SET images_recorded = ?, body_blocks = ? WHERE id = ?", false, unnamed, legacyID).Error; err != nil {
				t.Fatal(err)
			}
			var shown struct {
				Node struct {
					Blocks []struct{ Image *struct{ ID string } }
				}
			}
			gqlData(t, m.Server, "", `query($id: ID!) { node(id: $id) { ... on LiveEntry { blocks { ... on ImageBlock { image { id } } } } } }`, map[string]any{"id": legacy.Entry.ID}, &shown)
			if b := shown.Node.Blocks; len(b) != 2 || b[1].Image == nil || b[1].Image.ID != imgs[2].GlobalID() {
				t.Errorf("an older entry's picture: %+v", b)
			}
			var o struct{ Node struct{ Slug string } }
			gqlData(t, m.Server, "", `query($a: ID!) { node(id: $a) { ... on Article { slug } } }`, map[string]any{"a": other}, &o)
			codes, usedBy, _ := del(t, imgs[2])
			if !slices.Equal(codes, []string{"IN_USE"}) || !slices.Equal(usedBy, []string{o.Node.Slug}) {
				t.Fatalf("a picture an older entry shows: codes %v, used by %v", codes, usedBy)
			}
			// The blog's article deleted: nothing shows it any more.
			if d := mutate(t, m.Server, m.Editor, "deleteArticle(id: $id)", "", map[string]any{"id": other}); len(d.UserErrors) > 0 {
				t.Fatalf("delete article: %+v", d.UserErrors)
			}
			deleted(t, imgs[2])
		})
	})
}
