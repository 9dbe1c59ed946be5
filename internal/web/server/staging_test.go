package server_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestStagedEdits: a change staged on a published article stays out of
// every reader path (lookup, list, search, through the response cache)
// while editors see it as pendingChanges; publishing makes it live and
// discarding drops it, each a revision and an audit entry with the
// conflict rule of every save; staging on a draft is a plain save.
func TestStagedEdits(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil)
		editor := s.Token(t, "desk", auth.Editor)
		other := s.Token(t, "night-desk", auth.Editor)
		admin := s.Token(t, "chief", auth.Admin)
		live := create(t, s, editor, map[string]any{"title": "Council votes on budget", "body": "The council met.", "status": "PUBLISHED", "tags": []string{"Council"}})
		id, slug, v := live.Article.ID, live.Article.Slug, live.Article.Version

		// Readers' answers are in the response cache before the change.
		if readerTitle(t, s, slug) != "Council votes on budget" || searchCount(t, s, "zanzibarite") != 0 {
			t.Fatal("the live article is not what readers see")
		}
		homeTitles(t, s)

		staged := payload(t, s, editor, stageMutation, map[string]any{"id": id, "v": v,
			"in": map[string]any{"title": "Council passes budget", "body": "The zanzibarite clause passed.", "tags": []string{"Council", "Budget"}}})
		if len(staged.UserErrors) > 0 || staged.Article.Title != "Council votes on budget" || staged.Article.Version != v+1 {
			t.Fatalf("stage: %+v, want the live article at version %d", staged, v+1)
		}
		for name, leaked := range map[string]bool{
			"lookup":  readerTitle(t, s, slug) != "Council votes on budget",
			"version": readerVersion(t, s, slug) != v,
			"list":    slices.Contains(homeTitles(t, s), "Council passes budget"),
			"search":  searchCount(t, s, "zanzibarite") != 0,
		} {
			if leaked {
				t.Errorf("a reader's %s shows the staged change", name)
			}
		}
		var tag struct{ Tag *struct{ Name string } }
		s.MustData(t, testserver.Request{GET: true, Query: `{ tag(slug: "budget") { name } }`}, &tag)
		if tag.Tag != nil {
			t.Error("a reader sees a tag only the staged change uses")
		}

		pv := pendingOf(t, s, editor, id)
		pc := pv.Node.PendingChanges
		if !pv.Node.HasPendingChanges || pc == nil || pc.Article.Title != "Council passes budget" || !strings.Contains(pc.Article.BodyHTML, "zanzibarite") ||
			pc.StagedBy != "desk" || pc.StagedAt == "" || len(pc.Article.Tags) != 2 || !slices.Contains(pc.ChangedFields, "title") || pv.Node.Title != "Council votes on budget" {
			t.Fatalf("editor's view of the staged change: %+v", pv.Node)
		}

		// Staging more builds on the staged change; a stale version is a conflict.
		more := payload(t, s, editor, stageMutation, map[string]any{"id": id, "v": v + 1, "in": map[string]any{"subtitle": "A late amendment"}})
		if len(more.UserErrors) > 0 || more.Article.Version != v+2 {
			t.Fatalf("stage again: %+v", more)
		}
		if pc := pendingOf(t, s, editor, id).Node.PendingChanges; pc == nil || pc.Article.Title != "Council passes budget" {
			t.Fatalf("the second staging lost the first: %+v", pc)
		}
		stale := payload(t, s, other, stageMutation, map[string]any{"id": id, "v": v + 1, "in": map[string]any{"title": "Someone else's headline"}})
		if !hasCode(stale.UserErrors, "CONFLICT") || stale.Article == nil || stale.Article.Version != v+2 {
			t.Errorf("two editors staging from one version: %+v, want CONFLICT and the current article", stale)
		}

		// A direct save beside staged changes is refused: publishing them
		// later would silently replace it.
		direct := payload(t, s, editor, `mutation($id: ID!, $in: UpdateArticleInput!) { p: updateArticle(id: $id, input: $in) { `+articleFields+` } }`,
			map[string]any{"id": id, "in": map[string]any{"title": "A live-only headline"}})
		if !hasCode(direct.UserErrors, "CONFLICT") || readerTitle(t, s, slug) != "Council votes on budget" {
			t.Errorf("a direct save beside staged changes: %+v, want CONFLICT and the live article unchanged", direct)
		}

		// Publishing with a stale version is a conflict too; then it goes live.
		if p := payload(t, s, editor, publishChanges, map[string]any{"id": id, "v": v}); !hasCode(p.UserErrors, "CONFLICT") {
			t.Errorf("publishChanges at a stale version: %+v", p)
		}
		pub := payload(t, s, editor, publishChanges, map[string]any{"id": id, "v": v + 2})
		if len(pub.UserErrors) > 0 || pub.Article.Title != "Council passes budget" || pub.Article.Status != "PUBLISHED" {
			t.Fatalf("publishChanges: %+v", pub)
		}
		if rv := readerVersion(t, s, slug); rv != pub.Article.Version {
			t.Errorf("after publishing the changes readers see version %d, editors %d", rv, pub.Article.Version)
		}
		if readerTitle(t, s, slug) != "Council passes budget" || searchCount(t, s, "zanzibarite") != 1 || !slices.Contains(homeTitles(t, s), "Council passes budget") {
			t.Error("readers do not see the published changes (a stale cached answer?)")
		}
		if pendingOf(t, s, editor, id).Node.HasPendingChanges {
			t.Error("changes still pending after publishChanges")
		}
		if p := payload(t, s, editor, publishChanges, map[string]any{"id": id}); !hasCode(p.UserErrors, "NOT_FOUND") {
			t.Errorf("publishing changes already published: %+v, want NOT_FOUND", p)
		}

		// Staged then discarded: readers never see it, and it cannot be published.
		payload(t, s, editor, stageMutation, map[string]any{"id": id, "in": map[string]any{"title": "Retracted headline"}})
		d := payload(t, s, editor, discardChanges, map[string]any{"id": id})
		if len(d.UserErrors) > 0 || d.Article.Title != "Council passes budget" {
			t.Fatalf("discardChanges: %+v", d)
		}
		if p := payload(t, s, editor, publishChanges, map[string]any{"id": id}); !hasCode(p.UserErrors, "NOT_FOUND") || readerTitle(t, s, slug) != "Council passes budget" {
			t.Errorf("publishing discarded changes: %+v, want NOT_FOUND", p)
		}
		if d := payload(t, s, editor, discardChanges, map[string]any{"id": id}); !hasCode(d.UserErrors, "NOT_FOUND") {
			t.Errorf("discarding nothing: %+v, want NOT_FOUND", d)
		}

		// Each step is a revision and an audit entry.
		var revs struct {
			Node struct{ Revisions []struct{ Action string } }
		}
		s.MustData(t, testserver.Request{Token: editor, Query: revisionActions, Variables: map[string]any{"id": id}}, &revs)
		var actions []string
		for _, r := range revs.Node.Revisions {
			actions = append(actions, r.Action)
		}
		for _, want := range []string{content.ActionStage, content.ActionPublishChanges, content.ActionDiscardChanges} {
			if !slices.Contains(actions, want) {
				t.Errorf("revisions %v lack %s", actions, want)
			}
		}
		var audit struct {
			AuditLog struct {
				Nodes []struct{ Action, Outcome string }
			}
		}
		s.MustData(t, testserver.Request{Token: admin, Query: `{ auditLog(first: 100) { nodes { action outcome } } }`}, &audit)
		seen := map[string]bool{}
		for _, e := range audit.AuditLog.Nodes {
			seen[e.Action+" "+e.Outcome] = true
		}
		for _, want := range []string{"article.stage ok", "article.stage conflict", "article.publish_changes ok", "article.publish_changes not_found", "article.discard_changes ok"} {
			if !seen[want] {
				t.Errorf("the audit log lacks %q", want)
			}
		}

		// On a draft, staging is a plain save.
		draft := create(t, s, editor, map[string]any{"title": "Draft story"})
		plain := payload(t, s, editor, stageMutation, map[string]any{"id": draft.Article.ID, "in": map[string]any{"title": "Draft story, revised"}})
		if len(plain.UserErrors) > 0 || plain.Article.Title != "Draft story, revised" || pendingOf(t, s, editor, draft.Article.ID).Node.HasPendingChanges {
			t.Errorf("staging on a draft: %+v, want a plain save", plain)
		}

		// Readers cannot ask for pending changes.
		r := s.Do(t, testserver.Request{Query: `query($id: ID!) { node(id: $id) { ... on Article { pendingChanges { stagedBy } } } }`, Variables: map[string]any{"id": id}})
		if len(r.Errors) == 0 || r.Errors[0].Code() != "UNAUTHENTICATED" {
			t.Errorf("a reader asking for pendingChanges: %s", r)
		}
	})
}

// TestScheduledChanges: publishChanges(at:) goes through the scheduler,
// which several replicas run at once: the changes go live exactly once, at
// their time, not before.
func TestScheduledChanges(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		start := time.Date(2030, 4, 1, 8, 0, 0, 0, time.UTC)
		clock := testserver.NewClock(start)
		s := testserver.New(t, db, []content.Option{content.WithClock(clock.Now)})
		editor := s.Token(t, "desk", auth.Editor)
		a := create(t, s, editor, map[string]any{"title": "Election night", "status": "PUBLISHED"})
		payload(t, s, editor, stageMutation, map[string]any{"id": a.Article.ID, "in": map[string]any{"title": "Election result"}})
		at := start.Add(time.Hour)
		p := payload(t, s, editor, publishChanges, map[string]any{"id": a.Article.ID, "at": at.Format(time.RFC3339)})
		if len(p.UserErrors) > 0 || p.Article.Title != "Election night" {
			t.Fatalf("schedule the changes: %+v", p)
		}
		if pc := pendingOf(t, s, editor, a.Article.ID).Node.PendingChanges; pc == nil || pc.PublishAt == nil {
			t.Fatalf("publishAt not shown: %+v", pc)
		}
		if n, err := s.Content.PublishDueChanges(context.Background()); err != nil || n != 0 || readerTitle(t, s, a.Article.Slug) != "Election night" {
			t.Fatalf("before their time: %d, %v", n, err)
		}
		clock.Advance(time.Hour + time.Second)
		replicas := []*content.Service{s.Content, content.New(content.StorageOf(store.New(db)), content.WithClock(clock.Now)), content.New(content.StorageOf(store.New(db)), content.WithClock(clock.Now))}
		counts := make([]int, len(replicas))
		var wg sync.WaitGroup
		for i, r := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := r.PublishDueChanges(context.Background())
				if err != nil {
					t.Errorf("replica %d: %v", i, err)
				}
				counts[i] = n
			}()
		}
		wg.Wait()
		if counts[0]+counts[1]+counts[2] != 1 {
			t.Fatalf("scheduled changes published %v times across replicas, want once", counts)
		}
		if got := readerTitle(t, s, a.Article.Slug); got != "Election result" {
			t.Errorf("after the scheduler: readers see %q", got)
		}
		// A scheduled publication: readers and editors agree on the version.
		plain := create(t, s, editor, map[string]any{"title": "Morning briefing"})
		payload(t, s, editor, publishAt, map[string]any{"id": plain.Article.ID, "at": clock.Now().Add(time.Minute).Format(time.RFC3339)})
		clock.Advance(time.Minute)
		if n, err := s.Content.PublishDue(context.Background()); err != nil || n != 1 {
			t.Fatalf("PublishDue: %d, %v", n, err)
		}
		var ed struct{ Node struct{ Version int } }
		s.MustData(t, testserver.Request{Token: editor, Query: `query($id: ID!) { node(id: $id) { ... on Article { version } } }`, Variables: map[string]any{"id": plain.Article.ID}}, &ed)
		if rv := readerVersion(t, s, plain.Article.Slug); rv != ed.Node.Version {
			t.Errorf("after a scheduled publication readers see version %d, editors %d", rv, ed.Node.Version)
		}
		var audited int64
		if err := db.SQL().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = ?", content.ActionScheduledChgs).Scan(&audited); err != nil || audited != 1 {
			t.Errorf("%d audit entries for one scheduled publication of changes (%v), want 1", audited, err)
		}
	})
}
