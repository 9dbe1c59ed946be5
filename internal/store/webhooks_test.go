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

// A claim takes no more than the cap from one webhook, looks past a
// webhook at its cap to the others' deliveries, and never takes a
// delivery that is already claimed.
func TestClaimDeliveriesCapsEachWebhook(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
		now := time.Now().UTC().Truncate(time.Second)
		hook := func(url string) uint64 {
			h := &models.Webhook{URL: url, Events: "ARTICLE_PUBLISHED", Secret: "whsec_x", Active: true, CreatedAt: now, UpdatedAt: now}
			if err := st.SaveWebhook(ctx, h); err != nil {
				t.Fatal(err)
			}
			return h.ID
		}
		busy, quiet := hook("https://busy.example/"), hook("https://quiet.example/")
		var ds []*models.WebhookDelivery
		add := func(webhook uint64, n int, due time.Time) {
			for range n {
				ds = append(ds, &models.WebhookDelivery{WebhookID: webhook, EventID: fmt.Sprintf("e%d", len(ds)), EventType: "ARTICLE_PUBLISHED", Body: "{}",
					Status: models.DeliveryPending, NextAttemptAt: due, CreatedAt: now})
			}
		}
		add(busy, 5, now.Add(-time.Minute)) // the busy webhook's backlog is due first
		add(quiet, 2, now)
		if err := st.AddDeliveries(ctx, ds); err != nil {
			t.Fatal(err)
		}
		count := func(got []*models.WebhookDelivery) map[uint64]int {
			n := map[uint64]int{}
			for _, d := range got {
				n[d.WebhookID]++
				if d.Attempts != 1 {
					t.Errorf("delivery %d claimed with %d attempts", d.ID, d.Attempts)
				}
			}
			return n
		}

		got, err := st.ClaimDeliveries(ctx, now, time.Minute, 3, 2, nil)
		if n := count(got); err != nil || len(got) != 3 || n[busy] != 2 || n[quiet] != 1 {
			t.Fatalf("first claim: %v per webhook, %v", n, err)
		}
		if got[0].ID != ds[0].ID || got[1].ID != ds[1].ID {
			t.Errorf("the busy webhook's oldest deliveries come first: got %d, %d", got[0].ID, got[1].ID)
		}
		// Those three are in flight: the busy webhook is at its cap.
		got, err = st.ClaimDeliveries(ctx, now, time.Minute, 3, 2, map[uint64]int{busy: 2, quiet: 1})
		if n := count(got); err != nil || len(got) != 1 || n[quiet] != 1 {
			t.Fatalf("second claim: %v per webhook, %v", n, err)
		}
		// Without a cap the rest of the backlog is there, once.
		got, err = st.ClaimDeliveries(ctx, now, time.Minute, 10, 0, nil)
		if n := count(got); err != nil || len(got) != 3 || n[busy] != 3 {
			t.Fatalf("uncapped claim: %v per webhook, %v", n, err)
		}
		if got, err := st.ClaimDeliveries(ctx, now, time.Minute, 10, 0, nil); err != nil || len(got) != 0 {
			t.Fatalf("claimed deliveries were claimed again: %d, %v", len(got), err)
		}
	})
}
