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

// TestRelationsOfArticlesMatchesSeparateQueries reads a page's bylines,
// tags and sections in one statement and requires what the three separate
// queries return (sections without their timestamps), in the same order,
// for each combination asked for.
func TestRelationsOfArticlesMatchesSeparateQueries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := New(db)
		now := time.Now().UTC().Truncate(time.Second)
		var cats []uint64
		for i, name := range []string{"World", "Économie"} {
			c := &models.Category{Slug: fmt.Sprintf("c%d", i), Name: name, Description: "About " + name, Position: 2 - i}
			if err := st.q(ctx).Create(c).Error; err != nil {
				t.Fatal(err)
			}
			cats = append(cats, c.ID)
		}
		var authors, tags []uint64
		for i, name := range []string{"Zoë Writer", "adam Reporter", "Bea Columnist"} {
			a := &models.Author{Slug: fmt.Sprintf("a%d", i), Name: name, Bio: "Bio " + name, AvatarURL: "https://img/" + name, JobTitle: "Job"}
			if i == 2 {
				a.DeletedAt = &now
			}
			if err := st.q(ctx).Create(a).Error; err != nil {
				t.Fatal(err)
			}
			authors = append(authors, a.ID)
		}
		for i, name := range []string{"zebra", "Apple", "apple", "Éclair", "banana"} {
			tg := &models.Tag{Slug: fmt.Sprintf("t%d", i), Name: name, CreatedAt: now}
			if err := st.q(ctx).Create(tg).Error; err != nil {
				t.Fatal(err)
			}
			tags = append(tags, tg.ID)
		}
		var ids []uint64
		for i := range 4 {
			a := &models.Article{Slug: fmt.Sprintf("r%d", i), Title: "R", Status: models.StatusPublished, PublishedAt: &now, CreatedAt: now, UpdatedAt: now, Version: 1}
			if i < 2 {
				a.CategoryID = &cats[i]
			}
			if err := st.InsertArticles(ctx, []*models.Article{a}); err != nil {
				t.Fatal(err)
			}
			// Bylines in several orders, a deleted author, no tags on one.
			byline := [][]uint64{{authors[1], authors[0]}, {authors[0], authors[2], authors[1]}, {}, {authors[0]}}[i]
			tagged := [][]uint64{tags, tags[:2], tags[3:], {}}[i]
			if err := st.SetArticleLinks(ctx, a.ID, byline, tagged); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		wantAuthors, err := st.AuthorsByArticleIDs(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		wantTags, err := st.TagsByArticleIDs(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		wantCats, err := st.CategoriesByIDs(ctx, cats)
		if err != nil {
			t.Fatal(err)
		}
		if len(wantAuthors) != 3 || len(wantAuthors[ids[1]]) != 2 || len(wantTags) != 3 || len(wantTags[ids[0]]) != 5 || len(wantCats) != 2 {
			t.Fatalf("fixture: authors %v, tags %v, sections %v", wantAuthors, wantTags, wantCats)
		}
		for _, c := range wantCats {
			c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
		}
		for _, tc := range []struct {
			authors, tags bool
			cats          []uint64
		}{{true, true, cats}, {true, false, nil}, {false, true, cats[:1]}, {false, false, cats}, {true, true, nil}} {
			got, err := st.RelationsOfArticles(ctx, ids, tc.authors, tc.tags, tc.cats)
			if err != nil {
				t.Fatal(err)
			}
			if tc.authors && !reflect.DeepEqual(got.Authors, wantAuthors) {
				t.Errorf("%+v: authors %v, want %v", tc, got.Authors, wantAuthors)
			}
			if !tc.authors && got.Authors != nil {
				t.Errorf("%+v: authors not asked for, got %v", tc, got.Authors)
			}
			if tc.tags && !reflect.DeepEqual(got.Tags, wantTags) {
				t.Errorf("%+v: tags %v, want %v", tc, got.Tags, wantTags)
			}
			for _, id := range tc.cats {
				if !reflect.DeepEqual(got.Categories[id], wantCats[id]) {
					t.Errorf("%+v: category %d = %+v, want %+v", tc, id, got.Categories[id], wantCats[id])
				}
			}
			if len(got.Categories) != len(tc.cats) {
				t.Errorf("%+v: %d categories, want %d", tc, len(got.Categories), len(tc.cats))
			}
		}
	})
}
