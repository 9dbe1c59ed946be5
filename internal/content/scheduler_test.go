package content_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
)

// TestRunSchedulerWakesForNewSchedules runs the real scheduler loop with a
// sweep far too long to matter: the article must still go live at its time,
// because scheduling it wakes the loop.
func TestRunSchedulerWakesForNewSchedules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		svc := content.New(content.StorageOf(store.New(db)))
		done := make(chan struct{})
		go func() {
			svc.RunScheduler(ctx, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
			close(done)
		}()
		a, err := svc.CreateArticle(ctx, content.ArticleInput{Title: "Due soon", Body: "Soon."})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(1500 * time.Millisecond)
		if _, err := svc.PublishArticle(ctx, a.ID, &at); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			got, err := svc.ArticleBySlug(ctx, "due-soon") // a reader's view: no viewer in ctx
			if err != nil {
				t.Fatal(err)
			}
			if got != nil {
				if got.PublishedAt.Before(at.Add(-time.Second)) {
					t.Errorf("published at %v, scheduled for %v", got.PublishedAt, at)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the scheduler did not publish the article")
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		<-done
	})
}
