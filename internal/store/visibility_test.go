package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

// The SQL and Go forms of the visibility rule agree on every kind of row
// (the SQL both as query conditions and as the one condition hand-written
// statements take):
// each status, with no, a past, the current and a future publication time,
// with no, a past, the current and a future expiry, deleted or not, for
// readers, editors and editors restoring.
func TestVisibilityFormsAgree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
		now := time.Now().UTC().Truncate(time.Second)
		past, future := now.Add(-time.Hour), now.Add(time.Hour)
		var rows []*models.Article
		for _, status := range []models.ArticleStatus{models.StatusDraft, models.StatusScheduled, models.StatusPublished, models.StatusArchived} {
			for _, at := range []*time.Time{nil, &past, &now, &future} {
				for _, expires := range []*time.Time{nil, &past, &now, &future} {
					for _, deleted := range []*time.Time{nil, &past} {
						rows = append(rows, &models.Article{Slug: fmt.Sprintf("row-%d", len(rows)), Title: "Row", Status: status,
							PublishedAt: at, ExpiresAt: expires, DeletedAt: deleted, CreatedAt: past, UpdatedAt: past, Version: 1})
					}
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
		for _, v := range []struct {
			name string
			v    store.Visibility
		}{
			{"reader", store.Readers(now)},
			{"editor", store.Visibility{}},
			{"editor restoring", store.Visibility{IncludeDeleted: true}},
		} {
			got, err := st.ArticlesByIDs(ctx, v.v, ids)
			if err != nil {
				t.Fatal(err)
			}
			oneCond, err := store.VisibleIDsBySQL(ctx, st, v.v, ids)
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, a := range rows {
				sql, gocode := got[a.ID] != nil, v.v.Allows(a)
				if sql != gocode {
					t.Errorf("%s, %s published %v expires %v deleted %v: SQL says %v, Go says %v", v.name, a.Status, a.PublishedAt, a.ExpiresAt, a.DeletedAt != nil, sql, gocode)
				}
				if oneCond[a.ID] != gocode {
					t.Errorf("%s, %s published %v expires %v deleted %v: visibilitySQL says %v, Go says %v", v.name, a.Status, a.PublishedAt, a.ExpiresAt, a.DeletedAt != nil, oneCond[a.ID], gocode)
				}
				if sql {
					seen++
				}
			}
			if seen == 0 || seen == len(rows) && v.name == "reader" {
				t.Errorf("%s sees %d of %d rows: the rows do not tell the forms apart", v.name, seen, len(rows))
			}
		}
	})
}
