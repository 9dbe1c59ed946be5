package searchindex

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/fulltext"
)

func ids(r Result) []uint64 {
	var out []uint64
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}

// TestIndexMatches: words, phrases (within a field, on token
// boundaries), prefixes, exclusions, folding and the filters.
func TestIndexMatches(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	// Many distinct words, so that token indexes take two varint bytes.
	var long []string
	for i := range 300 {
		long = append(long, fmt.Sprintf("filler%03d", i))
	}
	x := New()
	x.PutAll([]Doc{
		{ID: 1, Title: "Trade agreement signed", Body: "The Café opened.", Status: "PUBLISHED", PublishedAt: &past, Locale: "en", CategoryID: 7, TagIDs: []uint64{3}},
		{ID: 2, Title: "Trade", Subtitle: "agreement", Body: "No phrase across fields. Agreement trade.", Status: "PUBLISHED", PublishedAt: &past, Locale: "en"},
		{ID: 3, Title: "Draft on trade agreement", Status: "DRAFT", Locale: "en"},
		{ID: 4, Title: "Future trade agreement", Status: "PUBLISHED", PublishedAt: &future, Locale: "en"},
		{ID: 5, Title: "Expired trade agreement", Status: "PUBLISHED", PublishedAt: &past, ExpiresAt: &now, Locale: "en"},
		{ID: 6, Title: "Deleted trade agreement", Status: "PUBLISHED", PublishedAt: &past, DeletedAt: &past, Locale: "en"},
		{ID: 7, Title: "Accord commercial: trade agreement", Status: "PUBLISHED", PublishedAt: &past, Locale: "fr", AuthorIDs: []uint64{9}},
		{ID: 8, Body: strings.Join(long, " ") + " trade agreement " + strings.Join(long, " "), Status: "PUBLISHED", PublishedAt: &past, Locale: "en"},
	})
	x.Put(Doc{ID: 9, Title: "Electoral electricity", Status: "PUBLISHED", PublishedAt: &past, Locale: "en"})
	readers := Filter{PublishedOnly: true, Now: now}
	for _, tc := range []struct {
		q    string
		f    Filter
		want []uint64 // in id order
	}{
		{`"trade agreement"`, readers, []uint64{1, 7, 8}},
		{`"trade agreement"`, Filter{}, []uint64{1, 3, 4, 5, 7, 8}},
		{`"trade agreement"`, Filter{IncludeDeleted: true}, []uint64{1, 3, 4, 5, 6, 7, 8}},
		{`"agreement trade"`, readers, []uint64{2}},
		{"trade agreement", readers, []uint64{1, 2, 7, 8}},
		{"trade -signed", readers, []uint64{2, 7, 8}},
		{`trade -"trade agreement"`, readers, []uint64{2}},
		{"elect", readers, []uint64{9}}, // a prefix while typing
		{"cafe", readers, []uint64{1}},
		{`"filler299 trade"`, readers, []uint64{8}},
		{`"filler001 filler003"`, readers, nil},
		{"trade", Filter{PublishedOnly: true, Now: now, Locale: "fr"}, []uint64{7}},
		{"trade", Filter{PublishedOnly: true, Now: now, CategoryID: 7}, []uint64{1}},
		{"trade", Filter{PublishedOnly: true, Now: now, TagIDs: []uint64{3, 4}}, []uint64{1}},
		{"trade", Filter{PublishedOnly: true, Now: now, AuthorID: 9}, []uint64{7}},
		{"trade", Filter{Statuses: []string{"DRAFT"}}, []uint64{3}},
		{"trade", Filter{PublishedOnly: true, Now: now, ExcludeIDs: []uint64{1, 2}}, []uint64{7, 8}},
		{"trade", Filter{PublishedOnly: true, Now: now.Add(2 * time.Hour)}, []uint64{1, 2, 4, 7, 8}},
		{"nothing", readers, nil},
	} {
		q, err := fulltext.Parse(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		res := x.Search(q, tc.f, 100, nil, now)
		got := ids(res)
		slices.Sort(got)
		if !slices.Equal(got, tc.want) || res.Total != int64(len(tc.want)) {
			t.Errorf("%s %+v: %v (total %d), want %v", tc.q, tc.f, got, res.Total, tc.want)
		}
	}
	// Headline hits first; pages follow the cursor without gaps.
	q, _ := fulltext.Parse("trade")
	all := x.Search(q, Filter{}, 100, nil, now)
	var walked []Hit
	var after *Cursor
	for {
		p := x.Search(q, Filter{}, 2, after, now)
		walked = append(walked, p.Hits...)
		if !p.More {
			break
		}
		last := p.Hits[len(p.Hits)-1]
		after = &Cursor{Score: last.Score, ID: last.ID}
	}
	if !slices.Equal(walked, all.Hits) {
		t.Errorf("pages of 2: %v, one page: %v", walked, all.Hits)
	}
	// Changes: a replaced entry loses its old words, a removed one everything.
	x.Put(Doc{ID: 9, Title: "Saxophones", Status: "PUBLISHED", PublishedAt: &past})
	x.Remove(1)
	for q, want := range map[string][]uint64{"electoral": nil, "saxophone": {9}, "signed": nil} {
		p, _ := fulltext.Parse(q)
		if got := ids(x.Search(p, readers, 10, nil, now)); !slices.Equal(got, want) {
			t.Errorf("after changes, %s: %v, want %v", q, got, want)
		}
	}
	if x.Len() != 8 {
		t.Errorf("Len %d, want 8", x.Len())
	}
}
