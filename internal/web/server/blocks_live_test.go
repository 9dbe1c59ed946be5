package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// Over a subscription, blocks come with the article but what they link to
// does not: selecting a read-also block's article or a picture is refused
// (a query per subscriber and event), and bodyHtml leaves read-also links
// out rather than look up whether the subscriber may see them.
func TestBlocksOverSubscriptions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{Demo: true})
		editor := s.Token(t, "live-desk", auth.Editor)

		for _, sel := range []string{
			`blocks { ... on ReadAlsoBlock { article { slug } } }`,
			`blocks { ... on ImageBlock { image { id } } }`,
			`blocks { ... on GalleryBlock { images { credit } } }`,
		} {
			refused := dialWS(t, s.URL, wsclient.TransportWS, "")
			subscribeWS(t, refused, "x", `subscription { articlePublished { `+sel+` } }`, nil)
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			_, r, err := refused.Next(ctx)
			cancel()
			if err == nil && (r == nil || len(r.Errors) == 0) {
				t.Errorf("subscribing to %s was not refused", sel)
			} else if msg := errText(err, r); !strings.Contains(msg, "would cost a query per subscriber") {
				t.Errorf("subscribing to %s: %s", sel, msg)
			}
		}

		reader := dialWS(t, s.URL, wsclient.TransportWS, "")
		subscribeWS(t, reader, "p", `subscription { articlePublished { slug bodyHtml blocks { __typename ... on ReadAlsoBlock { title } } } }`, nil)
		waitSubscribers(t, s, 1)
		body := "Council date set.\n\nRead also: [The follow-up](article:" + draftSlug + ")\n"
		if p := create(t, s.Server, editor, map[string]any{"title": "Council date set", "body": body, "status": "PUBLISHED"}); len(p.UserErrors) > 0 {
			t.Fatalf("create: %+v", p.UserErrors)
		}
		var got struct {
			ArticlePublished struct {
				Slug     string
				BodyHTML string `json:"bodyHtml"`
				Blocks   []struct {
					Typename string `json:"__typename"`
					Title    string
				}
			}
		}
		nextWS(t, reader, &got)
		a := got.ArticlePublished
		if len(a.Blocks) != 2 || a.Blocks[1].Typename != "ReadAlsoBlock" || a.Blocks[1].Title != "The follow-up" {
			t.Errorf("blocks over a subscription = %+v", a.Blocks)
		}
		if strings.Contains(a.BodyHTML, draftSlug) || !strings.Contains(a.BodyHTML, "Council date set.") {
			t.Errorf("bodyHtml over a subscription = %s", a.BodyHTML)
		}
	})
}

func errText(err error, r *wsclient.Result) string {
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, e := range r.Errors {
		b.WriteString(e.Message + "; ")
	}
	return b.String()
}
