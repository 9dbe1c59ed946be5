package main

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
)

// TestRelatedRebuild: suggestions lost from the database come back, the
// same as before, with broadsheet related rebuild.
func TestRelatedRebuild(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	url := "sqlite:" + filepath.Join(t.TempDir(), "related.db")
	if r := runBin(t, bin, nil, "seed", "--demo", "--create", "--db", url); r.code != 0 {
		t.Fatalf("seed --demo: %+v", r)
	}
	suggestions := func() (n int64, sum float64) {
		t.Helper()
		db, err := dbconn.Open(context.Background(), url, dbconn.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		row := db.SQL().QueryRow("SELECT COUNT(*), COALESCE(SUM(score), 0) FROM article_related_candidates")
		if err := row.Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		return n, sum
	}
	wantN, wantSum := suggestions()
	if wantN == 0 {
		t.Fatal("the demo content has no related suggestions to lose")
	}
	db, err := dbconn.Open(context.Background(), url, dbconn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec("DELETE FROM article_related_candidates"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if n, _ := suggestions(); n != 0 {
		t.Fatalf("%d suggestions left after deleting them", n)
	}

	r := runBin(t, bin, nil, "related", "rebuild", "--db", url)
	if r.code != 0 || !regexp.MustCompile(`^rebuilt the related-article suggestions of \d+ articles in `).MatchString(r.stdout) {
		t.Fatalf("related rebuild: %+v", r)
	}
	if n, sum := suggestions(); n != wantN || sum != wantSum {
		t.Errorf("after the rebuild: %d suggestions (score sum %.3f), want %d (%.3f) as seeded", n, sum, wantN, wantSum)
	}

	for _, args := range [][]string{{"related"}, {"related", "refresh"}, {"related", "rebuild", "--nope"}} {
		if r := runBin(t, bin, nil, args...); r.code != 2 || r.stderr == "" {
			t.Errorf("broadsheet %v: exit %d, stderr %q; want 2 and a reason", args, r.code, r.stderr)
		}
	}
	if r := runBin(t, bin, nil, "related", "rebuild", "--help"); r.code != 0 || !regexp.MustCompile(`Usage: broadsheet related rebuild`).MatchString(r.stdout) {
		t.Errorf("related rebuild --help: %+v", r)
	}
}
