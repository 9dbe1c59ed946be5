package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

// The related engine's two candidate rules agree with their Go forms on
// every kind of row, like the readers' rule in TestVisibilityFormsAgree.
func TestCandidateRulesAgree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := New(db)
		now := time.Now().UTC().Truncate(time.Second)
		past, future := now.Add(-time.Hour), now.Add(time.Hour)
		var rows []*models.Article
		for _, status := range []models.ArticleStatus{models.StatusDraft, models.StatusScheduled, models.StatusPublished, models.StatusArchived} {
			for _, at := range []*time.Time{nil, &past, &future} {
				for _, deleted := range []*time.Time{nil, &past} {
					rows = append(rows, &models.Article{Slug: fmt.Sprintf("row-%d", len(rows)), Title: "Row", Status: status,
						PublishedAt: at, DeletedAt: deleted, CreatedAt: past, UpdatedAt: past, Version: 1})
				}
			}
		}
		if err := st.InsertArticles(ctx, rows); err != nil {
			t.Fatal(err)
		}
		ids := make([]uint64, len(rows))
		for i, a := range rows {
			ids[i] = a.ID
		}
		for _, rule := range []struct {
			name string
			sql  string
			goes func(models.ArticleStatus, *time.Time, *time.Time) bool
		}{
			{"eligible", eligibleSQL, Eligible},
			{"section peer", sectionPeerSQL, SectionPeer},
		} {
			var found []uint64
			if err := st.q(ctx).Table("articles AS a").Where("a.id IN ? AND "+rule.sql, ids).Pluck("a.id", &found).Error; err != nil {
				t.Fatal(err)
			}
			in := map[uint64]bool{}
			for _, id := range found {
				in[id] = true
			}
			if len(found) == 0 || len(found) == len(rows) {
				t.Errorf("%s admits %d of %d rows: the rows do not tell the forms apart", rule.name, len(found), len(rows))
			}
			for _, a := range rows {
				if sql, gocode := in[a.ID], rule.goes(a.Status, a.PublishedAt, a.DeletedAt); sql != gocode {
					t.Errorf("%s, %s published %v deleted %v: SQL says %v, Go says %v", rule.name, a.Status, a.PublishedAt, a.DeletedAt != nil, sql, gocode)
				}
			}
		}
	})
}

// The relatable rule (same locale, never the article's own translation
// group) agrees with its Go form for every pair of a few kinds of rows.
func TestRelatableRuleAgrees(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := New(db)
		now := time.Now().UTC().Truncate(time.Second)
		var rows []*models.Article
		for _, loc := range []string{"en", "fr"} {
			for _, g := range []uint64{0, 1, 2} {
				rows = append(rows, &models.Article{Slug: fmt.Sprintf("rel-%d", len(rows)), Title: "Row", Status: models.StatusPublished,
					PublishedAt: &now, CreatedAt: now, UpdatedAt: now, Version: 1, Locale: loc, TranslationGroup: g})
			}
		}
		if err := st.InsertArticles(ctx, rows); err != nil {
			t.Fatal(err)
		}
		feats := make([]*RelatedFeatures, len(rows))
		for i, a := range rows {
			feats[i] = &RelatedFeatures{ID: a.ID, Locale: a.Locale, Group: a.TranslationGroup}
		}
		admitted, refused := 0, 0
		for _, x := range feats {
			var found []uint64
			if err := st.q(ctx).Table("articles AS a").Where("a.id <> ? AND "+relatableSQL, x.ID, x.Locale, x.Group).Pluck("a.id", &found).Error; err != nil {
				t.Fatal(err)
			}
			in := map[uint64]bool{}
			for _, id := range found {
				in[id] = true
			}
			for _, y := range feats {
				if y.ID == x.ID {
					continue
				}
				if sql, gocode := in[y.ID], Relatable(x, y); sql != gocode {
					t.Errorf("x %+v, y %+v: SQL says %v, Go says %v", x, y, sql, gocode)
				} else if gocode {
					admitted++
				} else {
					refused++
				}
			}
		}
		if admitted == 0 || refused == 0 {
			t.Errorf("the rows do not tell the forms apart: %d admitted, %d refused", admitted, refused)
		}
	})
}

// TestVisibilitySQLAsConds holds visibilitySQL, whose text is written
// once per shape and whose arguments are spelt apart, to visibilityConds
// joined afresh: the same text and arguments for every shape, asked
// twice (the second answer from the written texts) at two instants.
func TestVisibilitySQLAsConds(t *testing.T) {
	for _, alias := range []string{"articles", "candidate"} {
		for _, v := range []Visibility{{}, {IncludeDeleted: true}, {PublishedOnly: true}, {PublishedOnly: true, IncludeDeleted: true}} {
			for round, now := range []time.Time{time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC), time.Date(2027, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))} {
				v.Now = now
				wantText, wantArgs := joinConds(visibilityConds(alias, v))
				text, args := visibilitySQL(alias, v)
				if text != wantText || !reflect.DeepEqual(args, wantArgs) {
					t.Errorf("%s %+v, round %d: visibilitySQL = %q %v, want %q %v", alias, v, round, text, args, wantText, wantArgs)
				}
			}
		}
	}
}
