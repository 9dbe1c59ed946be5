package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// TestExpiredTokenEndsConnections: a token made with an expiry works until
// then; at the expiry its open websocket is closed with 4403 within 5 s, and
// requests with it are refused as expired.
func TestExpiredTokenEndsConnections(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{})
	const ttl = 3 * time.Second
	tokens := auth.NewTokens(store.New(db))
	token, err := tokens.CreateExpiring(context.Background(), "short-lived", auth.Editor, ttl)
	if err != nil {
		t.Fatal(err)
	}
	// The expiry as stored, which the server enforces: SQLite keeps whole
	// seconds, so it can be up to a second before creation time + ttl (a
	// clock read here, after the creation, made the test fail now and then).
	var expiry time.Time
	list, err := tokens.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range list {
		if rec.Name == "short-lived" && rec.ExpiresAt != nil {
			expiry = *rec.ExpiresAt
		}
	}
	if expiry.IsZero() {
		t.Fatalf("the token's expiry is not stored: %+v", list)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	c, err := wsclient.Dial(ctx, s.URL+"/graphql", wsclient.TransportWS, wsclient.Options{Init: map[string]any{"Authorization": "Bearer " + token}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.CloseNow()
	subscribeWS(t, c, "feed", `subscription { contentChanged { eventId } }`, nil)
	waitSubscribers(t, s, 1)
	if r, err := wsOp(t, c, "drafts", `{ articles(filter: {status: [DRAFT]}) { totalCount } }`); err != nil || len(r.Errors) > 0 {
		t.Fatalf("editor's query before the expiry: %v %+v", err, r)
	}

	ce := waitClose(t, c, time.Until(expiry)+5*time.Second)
	if ce.Code != 4403 {
		t.Fatalf("closed with %d %q, want 4403", ce.Code, ce.Reason)
	}
	if time.Now().Before(expiry) {
		t.Fatalf("closed before the token expired")
	}
	r := s.Do(t, testserver.Request{Query: `{ __typename }`, Token: token})
	if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "expired") {
		t.Errorf("POST with the expired token: %s", r)
	}
}
