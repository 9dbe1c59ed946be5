package webhooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/cachekey"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/newsletter"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/internal/webhooks"
	"github.com/broadsheet/broadsheet/models"
)

// receiver is a real HTTP endpoint on loopback that records deliveries and
// answers with the statuses it is given, in order (then 200).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []delivery
	statuses []int
	arrived  chan delivery
	block    chan struct{} // when set, requests wait for it to close
}

type delivery struct {
	header http.Header
	body   []byte
	at     time.Time
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses, arrived: make(chan delivery, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		d := delivery{header: req.Header.Clone(), body: body, at: time.Now()}
		r.mu.Lock()
		r.got = append(r.got, d)
		status := 200
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		block := r.block
		r.mu.Unlock()
		r.arrived <- d
		if block != nil {
			select {
			case <-block:
			case <-req.Context().Done():
				return
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Server.Close)
	return r
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

type env struct {
	s      *testserver.Server
	worker *webhooks.Worker
	clock  *testserver.Clock
	admin  string
	editor string
	cfg    webhooks.Config
	db     *dbconn.DB
}

func setup(t *testing.T, db *dbconn.DB, cfg webhooks.Config) *env {
	t.Helper()
	clock := testserver.NewClock(time.Now().UTC())
	cfg.AllowPrivate = true // receivers listen on loopback
	cfg.Now = clock.Now
	s := testserver.New(t, db, []content.Option{content.WithOutbox([]string{events.ConsumerWebhooks}, func() {})}, func(c *server.Config) {
		c.Webhooks = webhooks.New(store.New(db), cfg)
		c.Newsletter = newsletter.New(newsletter.StorageOf(store.New(db)), newsletter.Config{PublicURL: "https://news.example", Consumers: []string{events.ConsumerWebhooks}})
	})
	w := webhooks.NewWorker(store.New(db), s.Content, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &env{s: s, worker: w, clock: clock, admin: s.Token(t, "chief", auth.Admin), editor: s.Token(t, "desk", auth.Editor), cfg: cfg, db: db}
}

func (e *env) createWebhook(t *testing.T, url string, events ...string) (id, secret string) {
	t.Helper()
	var got struct {
		CreateWebhook struct {
			Webhook    *struct{ ID string }
			Secret     *string
			UserErrors []struct {
				Field   []string
				Message string
			}
		}
	}
	e.s.MustData(t, testserver.Request{Token: e.admin, Query: `mutation($u: String!, $e: [WebhookEvent!]!) { createWebhook(url: $u, events: $e, description: "test") { webhook { id } secret userErrors { field message } } }`,
		Variables: map[string]any{"u": url, "e": events}}, &got)
	if got.CreateWebhook.Webhook == nil || got.CreateWebhook.Secret == nil {
		t.Fatalf("createWebhook: %+v", got)
	}
	return got.CreateWebhook.Webhook.ID, *got.CreateWebhook.Secret
}

// run hands pending events to the webhooks and makes every due attempt.
func (e *env) run(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	if _, err := e.worker.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := e.worker.Deliver(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *env) mutate(t *testing.T, q string, vars map[string]any) map[string]map[string]any {
	t.Helper()
	var got map[string]map[string]any
	e.s.MustData(t, testserver.Request{Token: e.editor, Query: q, Variables: vars}, &got)
	return got
}

func (e *env) createArticle(t *testing.T, title string) string {
	got := e.mutate(t, `mutation($t: String!) { r: createArticle(input: {title: $t, body: "Text."}) { article { id } } }`, map[string]any{"t": title})
	return got["r"]["article"].(map[string]any)["id"].(string)
}

func TestSignedDeliveries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		e := setup(t, db, webhooks.Config{})
		rec := newReceiver(t)
		_, secret := e.createWebhook(t, rec.URL+"/hook", "ARTICLE_PUBLISHED", "ARTICLE_UPDATED")
		if !strings.HasPrefix(secret, "whsec_") {
			t.Errorf("secret %q", secret)
		}
		id := e.createArticle(t, "Hook test")
		if n := e.run(t); n != 0 {
			t.Fatalf("a new draft was delivered (%d)", n)
		}
		e.mutate(t, `mutation($id: ID!) { r: publishArticle(id: $id) { article { id } } }`, map[string]any{"id": id})
		if n := e.run(t); n != 1 {
			t.Fatalf("publishing delivered %d, want 1", n)
		}
		d := rec.deliveries()[0]
		if err := webhooks.Verify(secret, d.header, d.body, time.Now(), 5*time.Minute); err != nil {
			t.Fatalf("signature does not verify: %v", err)
		}
		var body webhooks.Body
		json.Unmarshal(d.body, &body)
		obj, _ := body.Object.(map[string]any)
		if body.Type != "ARTICLE_PUBLISHED" || body.ID != d.header.Get(webhooks.HeaderID) || obj["slug"] != "hook-test" || obj["title"] != "Hook test" || obj["locale"] != "en" {
			t.Errorf("delivery body: %s", d.body)
		}
		// The article's address, by the server's URL pattern (no section: news).
		if obj["path"] != "/news/hook-test" || obj["url"] != "http://localhost:8080/news/hook-test" {
			t.Errorf("delivery url %v, path %v", obj["url"], obj["path"])
		}
		// The keys a CDN purges: the ones answers showing the article carry.
		rowID, err := globalid.ParseAs(globalid.TypeArticle, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{cachekey.Article(rowID), cachekey.Articles}; !slices.Equal(body.SurrogateKeys, want) {
			t.Errorf("surrogateKeys %v, want %v", body.SurrogateKeys, want)
		}
		for name, check := range map[string]func() error{
			"forged body":  func() error { return webhooks.Verify(secret, d.header, append(d.body, ' '), time.Now(), 5*time.Minute) },
			"wrong secret": func() error { return webhooks.Verify("whsec_other", d.header, d.body, time.Now(), 5*time.Minute) },
			"replay": func() error {
				return webhooks.Verify(secret, d.header, d.body, time.Now().Add(10*time.Minute), 5*time.Minute)
			},
		} {
			if check() == nil {
				t.Errorf("%s verified", name)
			}
		}
		e.mutate(t, `mutation($id: ID!) { r: updateArticle(id: $id, input: {title: "Hook test, corrected"}) { article { id } } }`, map[string]any{"id": id})
		if n := e.run(t); n != 1 {
			t.Fatalf("a correction delivered %d, want 1", n)
		}
		if got := rec.deliveries()[1].header.Get(webhooks.HeaderEvent); got != "ARTICLE_UPDATED" {
			t.Errorf("second event %q", got)
		}
		// Dispatching the same events again adds nothing.
		e.db.Exec("INSERT INTO outbox_pending (consumer, event_seq) SELECT 'webhooks', seq FROM outbox_events")
		if n := e.run(t); n != 0 || len(rec.deliveries()) != 2 {
			t.Errorf("re-dispatched events were delivered again: %d", n)
		}
	})
}

func TestRetriesSurviveARestart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		e := setup(t, db, webhooks.Config{Backoff: time.Minute})
		rec := newReceiver(t, 500, 503)
		e.createWebhook(t, rec.URL, "ARTICLE_PUBLISHED")
		id := e.createArticle(t, "Flaky receiver")
		e.mutate(t, `mutation($id: ID!) { r: publishArticle(id: $id) { article { id } } }`, map[string]any{"id": id})
		if n := e.run(t); n != 0 {
			t.Fatal("first attempt should fail")
		}
		if n := e.run(t); n != 0 || len(rec.deliveries()) != 1 {
			t.Fatal("a retry was made before its time")
		}
		e.clock.Advance(2 * time.Minute)
		if n := e.run(t); n != 0 || len(rec.deliveries()) != 2 {
			t.Fatal("second attempt should fail")
		}
		// The server restarts: a fresh worker picks the delivery up from the database.
		restarted := webhooks.NewWorker(store.New(db), e.s.Content, e.cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		e.clock.Advance(5 * time.Minute)
		if n, err := restarted.Deliver(context.Background()); err != nil || n != 1 {
			t.Fatalf("third attempt: %d, %v", n, err)
		}
		got := rec.deliveries()
		if len(got) != 3 || got[0].header.Get(webhooks.HeaderID) != got[2].header.Get(webhooks.HeaderID) {
			t.Errorf("attempts: %d, event ids must be equal across attempts", len(got))
		}
		var d models.WebhookDelivery
		db.Take(&d)
		if d.Status != models.DeliveryDelivered || d.Attempts != 3 {
			t.Errorf("delivery %+v", d)
		}
	})
}

// A receiver that hangs holds its own slot until its attempt times out,
// never the others': with two slots and a backlog for the hanging receiver
// larger than that, a fast receiver still gets every event at once and in
// order, including events published while the hanging request is open.
func TestAHangingReceiverDelaysNoOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		const timeout, prompt = 5 * time.Second, 1500 * time.Millisecond
		e := setup(t, db, webhooks.Config{Concurrency: 2, Timeout: timeout})
		hung, fast := newReceiver(t), newReceiver(t)
		hung.block = make(chan struct{})
		var once sync.Once
		release := func() { once.Do(func() { close(hung.block) }) }
		t.Cleanup(release) // before the receivers close: Close waits for open requests
		e.createWebhook(t, hung.URL, "ARTICLE_PUBLISHED")
		e.createWebhook(t, fast.URL, "ARTICLE_PUBLISHED")
		var titles []string
		publish := func() time.Time {
			title := fmt.Sprintf("Story %d", len(titles)+1)
			titles = append(titles, title)
			id := e.createArticle(t, title)
			e.mutate(t, `mutation($id: ID!) { r: publishArticle(id: $id) { article { id } } }`, map[string]any{"id": id})
			e.worker.Wake() // as a commit does in the server
			return time.Now()
		}
		// fastGets waits until the fast receiver has had n deliveries.
		fastGets := func(n int, since time.Time, what string) {
			t.Helper()
			deadline := time.After(time.Until(since.Add(prompt)))
			for len(fast.deliveries()) < n {
				select {
				case <-fast.arrived:
				case <-deadline:
					t.Fatalf("%s: the fast receiver had %d of %d deliveries %v later, while the hanging receiver held %d request(s) (attempt timeout %v)",
						what, len(fast.deliveries()), n, time.Since(since).Round(time.Millisecond), len(hung.deliveries()), timeout)
				}
			}
		}

		// A backlog of three events for each receiver, then the worker starts.
		for range 3 {
			publish()
		}
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		start := time.Now()
		go func() {
			defer close(stopped)
			e.worker.Run(ctx, time.Minute) // commits wake it; the interval never comes
		}()
		t.Cleanup(func() { cancel(); release(); <-stopped })
		select {
		case <-hung.arrived: // the hanging receiver holds its first request…
		case <-time.After(prompt):
			t.Fatal("the hanging receiver was never called")
		}
		fastGets(3, start, "backlog") // …and the fast one is served meanwhile
		// Events published while the hanging request is open are dispatched
		// and delivered at once too.
		for i := 4; i <= 6; i++ {
			fastGets(i, publish(), fmt.Sprintf("event %d", i))
		}
		var got []string
		for _, d := range fast.deliveries() {
			var body struct{ Object struct{ Title string } }
			json.Unmarshal(d.body, &body)
			got = append(got, body.Object.Title)
		}
		if !slices.Equal(got, titles) {
			t.Errorf("the fast receiver got %q, want %q", got, titles)
		}
		// With two slots a webhook may hold one: its backlog waits its turn
		// instead of filling every slot.
		if n := len(hung.deliveries()); n != 1 {
			t.Errorf("the hanging receiver holds %d requests, want 1", n)
		}

		// Stopping waits for the attempt in flight and records it.
		cancel()
		select {
		case <-stopped:
			t.Fatal("Run returned with an attempt in flight")
		case <-time.After(200 * time.Millisecond):
		}
		release()
		select {
		case <-stopped:
		case <-time.After(2 * timeout):
			t.Fatal("Run did not return after its last attempt ended")
		}
		var first models.WebhookDelivery
		db.Joins("JOIN webhooks ON webhooks.id = webhook_deliveries.webhook_id").Where("webhooks.url = ?", hung.URL).Order("webhook_deliveries.id").Take(&first)
		if first.Status != models.DeliveryDelivered || first.Attempts != 1 {
			t.Errorf("the hanging receiver's first delivery after stopping: %s after %d attempt(s), %q", first.Status, first.Attempts, first.LastError)
		}
	})
}

func TestFailedDeliveriesCanBeRetriedByAnAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		e := setup(t, db, webhooks.Config{MaxAttempts: 2, Backoff: time.Second})
		rec := newReceiver(t, 500, 500)
		hookID, _ := e.createWebhook(t, rec.URL, "ARTICLE_PUBLISHED")
		id := e.createArticle(t, "Always failing")
		e.mutate(t, `mutation($id: ID!) { r: publishArticle(id: $id) { article { id } } }`, map[string]any{"id": id})
		e.run(t)
		e.clock.Advance(time.Minute)
		e.run(t)
		var list struct {
			WebhookDeliveries struct {
				TotalCount int
				Nodes      []struct {
					ID, Status, Event string
					Attempts          int
					LastStatusCode    int
				}
			}
		}
		q := `query($w: ID!) { webhookDeliveries(webhookId: $w) { totalCount nodes { id status event attempts lastStatusCode } } }`
		e.s.MustData(t, testserver.Request{Token: e.admin, Query: q, Variables: map[string]any{"w": hookID}}, &list)
		n := list.WebhookDeliveries.Nodes
		if len(n) != 1 || n[0].Status != "FAILED" || n[0].Attempts != 2 || n[0].LastStatusCode != 500 || n[0].Event != "ARTICLE_PUBLISHED" {
			t.Fatalf("deliveries after giving up: %+v", list)
		}
		var retry struct {
			RetryWebhookDelivery struct{ Delivery *struct{ Status string } }
		}
		e.s.MustData(t, testserver.Request{Token: e.admin, Query: `mutation($id: ID!) { retryWebhookDelivery(id: $id) { delivery { status } } }`, Variables: map[string]any{"id": n[0].ID}}, &retry)
		if retry.RetryWebhookDelivery.Delivery == nil || retry.RetryWebhookDelivery.Delivery.Status != "PENDING" {
			t.Fatalf("retry: %+v", retry)
		}
		if got := e.run(t); got != 1 {
			t.Errorf("retried delivery: %d delivered", got)
		}
	})
}

func TestTargetsAreGuarded(t *testing.T) {
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.New(t, db, nil) // default config: private targets refused
	admin := s.Token(t, "chief", auth.Admin)
	for _, url := range []string{"http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://192.168.0.10/", "http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://100.64.0.1/", "http://[::127.0.0.1]/", "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::]/", "http://[::ffff:10.0.0.1]/", "ftp://example.com/", "http://user:pass@example.com/", "not a url"} {
		r := s.Do(t, testserver.Request{Token: admin, Query: `mutation($u: String!) { createWebhook(url: $u, events: [ARTICLE_PUBLISHED]) { webhook { id } userErrors { field code } } }`, Variables: map[string]any{"u": url}})
		if !strings.Contains(string(r.Body), `"field":["url"]`) || strings.Contains(string(r.Body), `"webhook":{`) {
			t.Errorf("createWebhook(%s): %s", url, r.Body)
		}
	}
	if r := s.Do(t, testserver.Request{Token: s.Token(t, "desk", auth.Editor), Query: `{ webhooks { id } }`}); !slices.Equal(r.Codes(), []string{"FORBIDDEN"}) {
		t.Errorf("an editor listing webhooks: %v", r.Codes())
	}

	// A name that resolved to a public address when registered and to a
	// private one now (DNS rebinding) is refused when connecting.
	rec := newReceiver(t)
	now := time.Now().UTC()
	hook := &models.Webhook{URL: rec.URL, Events: "ARTICLE_PUBLISHED", Secret: "whsec_x", Active: true, CreatedAt: now, UpdatedAt: now}
	st := store.New(db)
	if err := st.SaveWebhook(context.Background(), hook); err != nil {
		t.Fatal(err)
	}
	st.AddDeliveries(context.Background(), []*models.WebhookDelivery{{WebhookID: hook.ID, EventID: "e1", EventType: "ARTICLE_PUBLISHED", Body: "{}", Status: models.DeliveryPending, NextAttemptAt: now, CreatedAt: now}})
	w := webhooks.NewWorker(st, s.Content, webhooks.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if n, _ := w.Deliver(context.Background()); n != 0 || len(rec.deliveries()) != 0 {
		t.Fatal("the worker connected to a loopback address")
	}
	var d models.WebhookDelivery
	db.Take(&d)
	if !strings.Contains(d.LastError, "private or loopback") {
		t.Errorf("last error %q", d.LastError)
	}
}

// A correction is a change receivers hear about: an ARTICLE_UPDATED
// delivery naming the corrections, with the article's address.
func TestCorrectionIsDelivered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		e := setup(t, db, webhooks.Config{})
		rec := newReceiver(t)
		e.createWebhook(t, rec.URL+"/hook", "ARTICLE_UPDATED")
		id := e.createArticle(t, "Corrected story")
		e.mutate(t, `mutation($id: ID!) { r: publishArticle(id: $id) { article { id } } }`, map[string]any{"id": id})
		e.run(t)
		got := e.mutate(t, `mutation($id: ID!) { r: addCorrection(id: $id, text: "An earlier version misspelt the minister's name.") { article { id } userErrors { message } } }`, map[string]any{"id": id})
		if errs, _ := got["r"]["userErrors"].([]any); len(errs) > 0 {
			t.Fatalf("addCorrection: %v", errs)
		}
		if n := e.run(t); n != 1 {
			t.Fatalf("the correction delivered %d, want 1", n)
		}
		d := rec.deliveries()[len(rec.deliveries())-1]
		var body webhooks.Body
		json.Unmarshal(d.body, &body)
		obj, _ := body.Object.(map[string]any)
		if body.Type != "ARTICLE_UPDATED" || obj["path"] != "/news/corrected-story" {
			t.Errorf("delivery body: %s", d.body)
		}
	})
}

// Author deliveries carry the author page's address.
func TestAuthorDeliveryHasURL(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		e := setup(t, db, webhooks.Config{})
		rec := newReceiver(t)
		e.createWebhook(t, rec.URL+"/hook", "AUTHOR_CHANGED")
		var got map[string]map[string]any
		e.s.MustData(t, testserver.Request{Token: e.admin, Query: `mutation { r: createAuthor(input: {name: "Ada Writer"}) { author { id } } }`}, &got)
		if n := e.run(t); n != 1 {
			t.Fatalf("createAuthor delivered %d, want 1", n)
		}
		var body webhooks.Body
		json.Unmarshal(rec.deliveries()[0].body, &body)
		obj, _ := body.Object.(map[string]any)
		if obj["url"] != "http://localhost:8080/authors/ada-writer" || obj["path"] != "/authors/ada-writer" {
			t.Errorf("delivery body: %s", rec.deliveries()[0].body)
		}
	})
}
