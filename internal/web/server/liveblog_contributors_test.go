package server_test

import (
	"context"
	"slices"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// liveOptions reads a live blog's contributorsMayPost with token.
func liveOptions(t *testing.T, s *testserver.Server, token, blog string) bool {
	t.Helper()
	var out struct {
		Node struct {
			LiveBlog struct{ ContributorsMayPost bool }
		}
	}
	gqlData(t, s, token, `query($a: ID!) { node(id: $a) { ... on Article { liveBlog { contributorsMayPost } } } }`, map[string]any{"a": blog}, &out)
	return out.Node.LiveBlog.ContributorsMayPost
}

// setContributors runs setLiveBlogOptions and returns the flag it answers.
func setContributors(t *testing.T, s *testserver.Server, editor, blog string, may bool) bool {
	t.Helper()
	var out struct {
		SetLiveBlogOptions struct {
			LiveBlog   *struct{ ContributorsMayPost bool }
			UserErrors []struct{ Code string }
		}
	}
	gqlData(t, s, editor, `mutation($a: ID!, $may: Boolean) { setLiveBlogOptions(articleId: $a, input: {contributorsMayPost: $may}) { liveBlog { contributorsMayPost } userErrors { code } } }`,
		map[string]any{"a": blog, "may": may}, &out)
	if out.SetLiveBlogOptions.LiveBlog == nil {
		t.Fatalf("setLiveBlogOptions: %+v", out.SetLiveBlogOptions)
	}
	return out.SetLiveBlogOptions.LiveBlog.ContributorsMayPost
}

// TestLiveBlogContributors: contributors post to a live blog only when an
// editor lets them (contributorsMayPost), then correct and delete only the
// entries they posted or are credited on; pins, key events, starting,
// ending and the blog's options stay editors'. Every refusal is FORBIDDEN
// and a denied audit entry with the contributor's account; tokens are real
// account tokens, through HTTP.
func TestLiveBlogContributors(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil)
		editor := s.Token(t, "live-desk", auth.Editor)
		admin := s.Token(t, "chief", auth.Admin)
		bylined, err := s.Content.CreateAuthor(context.Background(), content.AuthorInput{Name: "Bo Byline"})
		if err != nil {
			t.Fatal(err)
		}
		_, ana := s.Account(t, "ana@news.example", "Ana Freelance", auth.Contributor, 0)
		_, bo := s.Account(t, "bo@news.example", "Bo Byline", auth.Contributor, bylined.ID)
		blog := newLiveBlog(t, s, editor, "Election night live")

		forbidden := func(t *testing.T, token, actor, action, query string, vars map[string]any) {
			t.Helper()
			r := s.Do(t, testserver.Request{Token: token, Query: query, Variables: vars})
			if codes := r.Codes(); !slices.Equal(codes, []string{"FORBIDDEN"}) {
				t.Fatalf("codes %v, want [FORBIDDEN]: %s", codes, r.Body)
			}
			denied := deniedFor(t, s, admin, actor)
			if len(denied) == 0 || denied[0].Action != action || denied[0].Account == nil || denied[0].Account.Email != actor+"@news.example" {
				t.Fatalf("newest denied audit entry of %s: %+v, want action %s", actor, denied, action)
			}
		}
		const post = `mutation($a: ID!, $in: LiveEntryInput!) { p: postLiveEntry(articleId: $a, input: $in) { entry { id } userErrors { code } } }`

		// A new live blog takes entries from editors only.
		if liveOptions(t, s, editor, blog) {
			t.Fatal("a new live blog lets contributors post")
		}
		forbidden(t, ana, "ana", content.ActionLivePost, post, map[string]any{"a": blog, "in": map[string]any{"body": "Turnout is high."}})
		if codes := s.Do(t, testserver.Request{Query: `query($a: ID!) { node(id: $a) { ... on Article { liveBlog { contributorsMayPost } } } }`, Variables: map[string]any{"a": blog}}).Codes(); !slices.Equal(codes, []string{"UNAUTHENTICATED"}) {
			t.Errorf("a reader reading contributorsMayPost: codes %v, want [UNAUTHENTICATED]", codes)
		}

		if !setContributors(t, s, editor, blog, true) || !liveOptions(t, s, ana, blog) {
			t.Fatal("setLiveBlogOptions(contributorsMayPost: true) did not stick")
		}
		anas := postEntry(t, s, ana, blog, "Turnout is high in the north.")
		bos := postEntry(t, s, bo, blog, "Polls closed at 20:00.")
		credited := liveMutation(t, s, editor, "$a: ID!, $in: LiveEntryInput!", "postLiveEntry(articleId: $a, input: $in)",
			map[string]any{"a": blog, "in": map[string]any{"body": "Bo reports from the count.", "authors": []string{globalid.ID(globalid.TypeAuthor, bylined.ID)}}})
		desks := postEntry(t, s, editor, blog, "The desk's summary.")
		for name, p := range map[string]liveEntryPayload{"ana": anas, "bo": bos, "credited": credited, "desk": desks} {
			if p.Entry == nil || len(p.UserErrors) > 0 {
				t.Fatalf("post %s: %+v", name, p)
			}
		}

		correct := `mutation($id: ID!) { p: updateLiveEntry(id: $id, input: {body: "Corrected text.", correction: "Figures fixed."}) { entry { version isPinned correction { text } } userErrors { code } } }`
		t.Run("own entries", func(t *testing.T) {
			for _, c := range []struct {
				name, token, id string
			}{
				{"poster corrects own", ana, anas.Entry.ID},
				{"poster corrects own again", ana, anas.Entry.ID},
				{"credited contributor corrects", bo, credited.Entry.ID},
			} {
				var out struct {
					P liveEntryPayload
				}
				gqlData(t, s, c.token, correct, map[string]any{"id": c.id}, &out)
				if out.P.Entry == nil || out.P.Entry.Correction == nil || out.P.Entry.Correction.Text != "Figures fixed." {
					t.Errorf("%s: %+v", c.name, out.P)
				}
			}
		})

		t.Run("refused", func(t *testing.T) {
			cases := []struct {
				name, action, query string
				vars                map[string]any
			}{
				{"correct another contributor's", content.ActionLiveUpdate, correct, map[string]any{"id": bos.Entry.ID}},
				{"correct the desk's", content.ActionLiveUpdate, correct, map[string]any{"id": desks.Entry.ID}},
				{"delete the desk's", content.ActionLiveDelete, `mutation($id: ID!) { p: deleteLiveEntry(id: $id) { userErrors { code } } }`, map[string]any{"id": desks.Entry.ID}},
				{"pin own", "pinLiveEntry", `mutation($id: ID!) { p: pinLiveEntry(id: $id, pinned: true) { userErrors { code } } }`, map[string]any{"id": anas.Entry.ID}},
				{"key event own", "markKeyEvent", `mutation($id: ID!) { p: markKeyEvent(id: $id, keyEvent: true) { userErrors { code } } }`, map[string]any{"id": anas.Entry.ID}},
				{"end", "endLiveBlog", `mutation($a: ID!) { p: endLiveBlog(articleId: $a) { userErrors { code } } }`, map[string]any{"a": blog}},
				{"start", "startLiveBlog", `mutation($a: ID!) { p: startLiveBlog(articleId: $a, contributorsMayPost: true) { userErrors { code } } }`, map[string]any{"a": blog}},
				{"options", "setLiveBlogOptions", `mutation($a: ID!) { p: setLiveBlogOptions(articleId: $a, input: {contributorsMayPost: false}) { userErrors { code } } }`, map[string]any{"a": blog}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { forbidden(t, ana, "ana", c.action, c.query, c.vars) })
			}
		})

		t.Run("nothing refused changed", func(t *testing.T) {
			var out struct {
				Node struct {
					LiveBlog struct {
						IsLive, ContributorsMayPost bool
						Entries                     struct {
							Nodes []struct {
								ID, BodyHTML         string
								Version              int
								IsPinned, IsKeyEvent bool
								Correction           *struct{ Text string }
							}
						}
					}
				}
			}
			gqlData(t, s, editor, `query($a: ID!) { node(id: $a) { ... on Article { liveBlog { isLive contributorsMayPost entries(first: 10) { nodes { id bodyHtml version isPinned isKeyEvent correction { text } } } } } } }`, map[string]any{"a": blog}, &out)
			lb := out.Node.LiveBlog
			if !lb.IsLive || !lb.ContributorsMayPost || len(lb.Entries.Nodes) != 4 {
				t.Fatalf("live blog %+v", lb)
			}
			for _, e := range lb.Entries.Nodes {
				switch e.ID {
				case anas.Entry.ID, credited.Entry.ID:
					if e.Correction == nil || e.IsPinned || e.IsKeyEvent {
						t.Errorf("corrected entry %+v", e)
					}
				default:
					if e.Correction != nil || e.Version != 1 {
						t.Errorf("an entry a contributor could not change changed: %+v", e)
					}
				}
			}
		})

		t.Run("pinned by the desk", func(t *testing.T) {
			liveMutation(t, s, editor, "$id: ID!", "pinLiveEntry(id: $id, pinned: true)", map[string]any{"id": anas.Entry.ID})
			forbidden(t, ana, "ana", content.ActionLiveDelete, `mutation($id: ID!) { p: deleteLiveEntry(id: $id) { userErrors { code } } }`, map[string]any{"id": anas.Entry.ID})
			var out struct{ P liveEntryPayload }
			gqlData(t, s, ana, correct, map[string]any{"id": anas.Entry.ID}, &out)
			if out.P.Entry == nil || !out.P.Entry.IsPinned {
				t.Errorf("correcting her pinned entry: %+v", out.P)
			}
			liveMutation(t, s, editor, "$id: ID!", "pinLiveEntry(id: $id, pinned: false)", map[string]any{"id": anas.Entry.ID})
		})
		t.Run("deletes own", func(t *testing.T) {
			del := liveMutation(t, s, bo, "$id: ID!", "deleteLiveEntry(id: $id)", map[string]any{"id": bos.Entry.ID})
			if len(del.UserErrors) > 0 {
				t.Fatalf("bo deleting his entry: %+v", del)
			}
			var node struct{ Node *struct{ ID string } }
			gqlData(t, s, "", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": bos.Entry.ID}, &node)
			if node.Node != nil {
				t.Errorf("a deleted entry is still shown")
			}
		})

		// Restarting keeps the setting unless told; turning it off shuts
		// contributors out of their own entries too.
		t.Run("switched off", func(t *testing.T) {
			gqlData(t, s, editor, `mutation($a: ID!) { endLiveBlog(articleId: $a) { userErrors { code } } }`, map[string]any{"a": blog}, &map[string]any{})
			var ended struct {
				P liveEntryPayload
			}
			gqlData(t, s, ana, post, map[string]any{"a": blog, "in": map[string]any{"body": "Late news."}}, &ended)
			if len(ended.P.UserErrors) != 1 || ended.P.UserErrors[0].Code != content.CodeLiveBlogEnded {
				t.Errorf("a contributor posting to an ended live blog: %+v, want LIVE_BLOG_ENDED", ended.P)
			}
			gqlData(t, s, editor, `mutation($a: ID!) { startLiveBlog(articleId: $a) { userErrors { code } } }`, map[string]any{"a": blog}, &map[string]any{})
			if !liveOptions(t, s, editor, blog) {
				t.Fatal("restarting a live blog without contributorsMayPost reset it")
			}
			var restart struct {
				StartLiveBlog struct {
					LiveBlog struct{ IsLive, ContributorsMayPost bool }
				}
			}
			gqlData(t, s, editor, `mutation($a: ID!) { startLiveBlog(articleId: $a, contributorsMayPost: false) { liveBlog { isLive contributorsMayPost } } }`, map[string]any{"a": blog}, &restart)
			if lb := restart.StartLiveBlog.LiveBlog; !lb.IsLive || lb.ContributorsMayPost {
				t.Fatalf("startLiveBlog(contributorsMayPost: false) on a live blog: %+v", lb)
			}
			forbidden(t, ana, "ana", content.ActionLiveUpdate, correct, map[string]any{"id": anas.Entry.ID})
			forbidden(t, ana, "ana", content.ActionLivePost, post, map[string]any{"a": blog, "in": map[string]any{"body": "More."}})
		})

		t.Run("audit", func(t *testing.T) {
			var got struct {
				AuditLog struct{ Nodes []auditNode }
			}
			s.MustData(t, testserver.Request{Token: admin, Query: `{ auditLog(first: 100, filter: {account: "ana@news.example", outcome: "ok"}) { nodes { actor action outcome account { email } } } }`}, &got)
			var actions []string
			for _, n := range got.AuditLog.Nodes {
				actions = append(actions, n.Action)
			}
			want := []string{content.ActionLiveUpdate, content.ActionLiveUpdate, content.ActionLiveUpdate, content.ActionLivePost}
			if !slices.Equal(actions, want) {
				t.Errorf("ana's audit entries %v, want %v", actions, want)
			}
		})
	})
}
