package live

import (
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/models"
)

func TestDedupeForgetsTheOldest(t *testing.T) {
	d := newDedupe(3)
	for _, id := range []string{"a", "b", "c"} {
		if !d.add(id) {
			t.Fatalf("%s reported as seen", id)
		}
	}
	if d.add("b") {
		t.Error("b not recognised as a duplicate")
	}
	d.add("d") // evicts a
	if !d.add("a") {
		t.Error("a still remembered past the window")
	}
}

func TestMatches(t *testing.T) {
	world := &models.Category{Slug: "world"}
	a := &models.Article{Relations: &models.ArticleRelations{Category: world, Tags: []*models.Tag{{Slug: "nato"}, {Slug: "ukraine"}}}}
	bare := &models.Article{Relations: &models.ArticleRelations{}}
	cases := []struct {
		name string
		f    Filter
		a    *models.Article
		want bool
	}{
		{"no filter", Filter{}, a, true},
		{"category", Filter{Category: "world"}, a, true},
		{"other category", Filter{Category: "business"}, a, false},
		{"any tag", Filter{Tags: []string{"x", "ukraine"}}, a, true},
		{"no tag", Filter{Tags: []string{"x"}}, a, false},
		{"both", Filter{Category: "world", Tags: []string{"nato"}}, a, true},
		{"category but not tag", Filter{Category: "world", Tags: []string{"x"}}, a, false},
		{"no section", Filter{Category: "world"}, bare, false},
		{"not loaded", Filter{}, &models.Article{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := matches(c.f, c.a); got != c.want {
				t.Errorf("matches = %v, want %v", got, c.want)
			}
		})
	}
}

func TestTombstoneCarriesNoContent(t *testing.T) {
	now := time.Now()
	ev := events.Event{ID: "e", ObjectID: 9, Payload: events.Payload{Article: &events.ArticleState{
		Slug: "gone", Status: models.StatusDraft, Version: 4, UpdatedAt: now, WasReaderVisible: true,
	}}}
	a := tombstone(ev)
	if a.ID != 9 || a.Slug != "gone" || a.Status != models.StatusDraft || a.Version != 4 || !a.UpdatedAt.Equal(now) {
		t.Errorf("tombstone = %+v", a)
	}
	if a.Title != "" || a.Body != "" || a.BodyHTML != "" || a.PublishedAt != nil || len(a.Relations.Authors) != 0 || a.Relations.Category != nil {
		t.Errorf("tombstone shows content: %+v", a)
	}
}
