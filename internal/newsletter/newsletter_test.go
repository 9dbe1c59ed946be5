package newsletter_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/newsletter"
	"github.com/broadsheet/broadsheet/internal/newsletter/mail"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/mailtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/models"
)

type env struct {
	s      *testserver.Server
	smtp   *mailtest.Server
	worker *mail.Worker
	clock  *testserver.Clock
	admin  string
}

func setup(t *testing.T, db *dbconn.DB) *env {
	t.Helper()
	clock := testserver.NewClock(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
	letters := newsletter.New(newsletter.StorageOf(store.New(db)), newsletter.Config{PublicURL: "https://news.example", Now: clock.Now, SignupsPerHour: 3600})
	s := testserver.New(t, db, nil, func(c *server.Config) { c.Newsletter = letters })
	if err := demo.Seed(context.Background(), s.Content); err != nil {
		t.Fatal(err)
	}
	smtpSrv := mailtest.Start(t)
	mailer, err := mail.NewSMTPMailer(smtpSrv.URL())
	if err != nil {
		t.Fatal(err)
	}
	w := mail.NewWorker(mail.Worker{Store: store.New(db), Mailer: mailer, From: mailer.From(), Now: clock.Now, Backoff: time.Minute, MaxAttempts: 4,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return &env{s: s, smtp: smtpSrv, worker: w, clock: clock, admin: s.Token(t, "chief", auth.Admin)}
}

func (e *env) subscribe(t *testing.T, email string, topics []string) *testserver.Response {
	t.Helper()
	return e.s.Do(t, testserver.Request{Query: `mutation($e: String!, $t: [String!]) { subscribeNewsletter(email: $e, topics: $t) { ok message userErrors { field code message } } }`,
		Variables: map[string]any{"e": email, "t": topics}})
}

var linkRE = regexp.MustCompile(`https://news\.example/newsletter/(confirm|unsubscribe|manage)\?token=([A-Za-z0-9_%-]+)`)

// links sends the queued mail and returns the links in the last message to addr.
func (e *env) links(t *testing.T, addr string) map[string]string {
	t.Helper()
	if _, _, err := e.worker.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	var last *mailtest.Message
	for _, m := range e.smtp.Messages() {
		if slices.Contains(m.To, addr) {
			last = &m
		}
	}
	if last == nil {
		t.Fatalf("no email to %s", addr)
	}
	out := map[string]string{}
	for _, m := range linkRE.FindAllStringSubmatch(last.Data, -1) {
		tok, _ := url.QueryUnescape(m[2])
		out[m[1]] = tok
	}
	if !strings.Contains(last.Data, "List-Unsubscribe: <https://news.example/newsletter/unsubscribe?token=") {
		t.Errorf("email lacks a List-Unsubscribe header:\n%s", last.Data)
	}
	return out
}

type subPayload struct {
	Subscription *struct {
		Email, Status string
		Topics        []string
	}
	UserErrors []struct {
		Field         []string
		Code, Message string
	}
}

func (e *env) tokenMutation(t *testing.T, name, token string) subPayload {
	t.Helper()
	var got map[string]subPayload
	e.s.MustData(t, testserver.Request{Query: `mutation($t: String!) { r: ` + name + `(token: $t) { subscription { email status topics } userErrors { field code message } } }`, Variables: map[string]any{"t": token}}, &got)
	return got["r"]
}

func (e *env) status(t *testing.T, email string) string {
	t.Helper()
	var got struct {
		NewsletterSubscribers struct {
			Nodes []struct{ Email, Status string }
		}
	}
	e.s.MustData(t, testserver.Request{Token: e.admin, Query: `{ newsletterSubscribers(first: 100) { nodes { email status } } }`}, &got)
	for _, n := range got.NewsletterSubscribers.Nodes {
		if n.Email == email {
			return n.Status
		}
	}
	return ""
}

func TestSignUpConfirmUnsubscribe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		e := setup(t, db)
		r := e.subscribe(t, "  Reader@Example.COM ", []string{"world", "business"})
		if !strings.Contains(string(r.Body), `"ok":true`) {
			t.Fatalf("subscribe: %s", r.Body)
		}
		if st := e.status(t, "reader@example.com"); st != "PENDING" {
			t.Fatalf("status after sign-up = %q, want PENDING", st)
		}
		links := e.links(t, "reader@example.com")
		if links["confirm"] == "" || links["unsubscribe"] == "" {
			t.Fatalf("confirmation email links: %v", links)
		}
		c := e.tokenMutation(t, "confirmNewsletterSubscription", links["confirm"])
		if c.Subscription == nil || c.Subscription.Status != "CONFIRMED" || !slices.Equal(c.Subscription.Topics, []string{"business", "world"}) {
			t.Fatalf("confirm: %+v", c)
		}
		again := e.tokenMutation(t, "confirmNewsletterSubscription", links["confirm"])
		if again.Subscription != nil || len(again.UserErrors) != 1 || again.UserErrors[0].Code != "NOT_FOUND" {
			t.Errorf("reusing a confirmation link: %+v", again)
		}
		topics := e.s.Do(t, testserver.Request{Query: `mutation($t: String!) { updateNewsletterTopics(token: $t, topics: ["culture"]) { subscription { topics } userErrors { code } } }`, Variables: map[string]any{"t": links["unsubscribe"]}})
		if !strings.Contains(string(topics.Body), `"topics":["culture"]`) {
			t.Errorf("updateNewsletterTopics: %s", topics.Body)
		}

		// One step from the link in the email: a plain GET unsubscribes.
		res, err := http.Get(e.s.URL + "/newsletter/unsubscribe?token=" + url.QueryEscape(links["unsubscribe"]))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), "unsubscribed") {
			t.Fatalf("unsubscribe page: %d %s", res.StatusCode, body)
		}
		if st := e.status(t, "reader@example.com"); st != "UNSUBSCRIBED" {
			t.Errorf("status after unsubscribing = %q", st)
		}
		// Following it again is harmless.
		if u := e.tokenMutation(t, "unsubscribeNewsletter", links["unsubscribe"]); u.Subscription == nil || u.Subscription.Status != "UNSUBSCRIBED" {
			t.Errorf("second unsubscribe: %+v", u)
		}
	})
}

func TestConfirmationPageNeedsAPress(t *testing.T) {
	db := dbtest.Open(t, dbconn.SQLite)
	e := setup(t, db)
	e.subscribe(t, "press@example.com", nil)
	links := e.links(t, "press@example.com")
	res, err := http.Get(e.s.URL + "/newsletter/confirm?token=" + url.QueryEscape(links["confirm"]))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if st := e.status(t, "press@example.com"); st != "PENDING" {
		t.Fatalf("a GET of the confirmation link (as mail scanners do) confirmed: %s", st)
	}
	res, err = http.PostForm(e.s.URL+"/newsletter/confirm", url.Values{"token": {links["confirm"]}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if st := e.status(t, "press@example.com"); res.StatusCode != 200 || st != "CONFIRMED" {
		t.Fatalf("pressing confirm: %d, status %s", res.StatusCode, st)
	}
}

func TestExpiredAndBadTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		e := setup(t, db)
		e.subscribe(t, "late@example.com", nil)
		links := e.links(t, "late@example.com")
		e.clock.Advance(49 * time.Hour)
		exp := e.tokenMutation(t, "confirmNewsletterSubscription", links["confirm"])
		if len(exp.UserErrors) != 1 || exp.UserErrors[0].Code != "EXPIRED" || !slices.Equal(exp.UserErrors[0].Field, []string{"token"}) {
			t.Errorf("expired link: %+v", exp)
		}
		// Signing up again sends a fresh link; only the newest works.
		e.subscribe(t, "late@example.com", nil)
		fresh := e.links(t, "late@example.com")
		if old := e.tokenMutation(t, "confirmNewsletterSubscription", links["confirm"]); len(old.UserErrors) == 0 {
			t.Error("an older confirmation link still works after a new one was sent")
		}
		if ok := e.tokenMutation(t, "confirmNewsletterSubscription", fresh["confirm"]); ok.Subscription == nil {
			t.Errorf("fresh link: %+v", ok)
		}
		for _, bad := range []string{"", "nope", strings.Repeat("A", 5000), "'; DROP TABLE newsletter_subscribers; --"} {
			for _, m := range []string{"confirmNewsletterSubscription", "unsubscribeNewsletter"} {
				if r := e.tokenMutation(t, m, bad); r.Subscription != nil || len(r.UserErrors) != 1 || r.UserErrors[0].Code != "NOT_FOUND" {
					t.Errorf("%s(%.20q): %+v", m, bad, r)
				}
			}
		}
	})
}

func TestSignUpRevealsNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		e := setup(t, db)
		e.subscribe(t, "known@example.com", []string{"world"})
		e.tokenMutation(t, "confirmNewsletterSubscription", e.links(t, "known@example.com")["confirm"])

		known := e.subscribe(t, "known@example.com", []string{"culture"})
		unknown := e.subscribe(t, "stranger@example.com", []string{"culture"})
		pending := e.subscribe(t, "stranger@example.com", []string{"culture"})
		if string(known.Data) != string(unknown.Data) || string(unknown.Data) != string(pending.Data) {
			t.Errorf("answers differ:\nconfirmed: %s\nnew:       %s\npending:   %s", known.Data, unknown.Data, pending.Data)
		}
		// The confirmed reader's topics did not change; they were told by email.
		var got struct {
			NewsletterSubscribers struct{ Nodes []struct{ Topics []string } }
		}
		e.s.MustData(t, testserver.Request{Token: e.admin, Query: `{ newsletterSubscribers(filter: {status: CONFIRMED}) { nodes { topics } } }`}, &got)
		if len(got.NewsletterSubscribers.Nodes) != 1 || !slices.Equal(got.NewsletterSubscribers.Nodes[0].Topics, []string{"world"}) {
			t.Errorf("confirmed subscriber after a repeated sign-up: %+v", got)
		}
		if l := e.links(t, "known@example.com"); l["manage"] == "" {
			t.Errorf("the confirmed reader should get a 'you are already subscribed' email with a manage link: %v", l)
		}

		bad := e.subscribe(t, "not an address", nil)
		if !strings.Contains(string(bad.Body), `"ok":false`) || !strings.Contains(string(bad.Body), `"field":["email"]`) {
			t.Errorf("invalid address: %s", bad.Body)
		}
		for _, tc := range []struct{ token, code string }{{"", "UNAUTHENTICATED"}, {e.s.Token(t, "desk", auth.Editor), "FORBIDDEN"}} {
			r := e.s.Do(t, testserver.Request{Token: tc.token, Query: `{ newsletterSubscribers { totalCount } newsletterTopicCounts { topic count } }`})
			if codes := r.Codes(); len(codes) != 2 || codes[0] != tc.code {
				t.Errorf("subscriber list with %q: %v", tc.code, codes)
			}
		}
		var counts struct {
			NewsletterTopicCounts []struct {
				Topic string
				Count int
			}
		}
		e.s.MustData(t, testserver.Request{Token: e.admin, Query: `{ newsletterTopicCounts { topic count } }`}, &counts)
		if counts.NewsletterTopicCounts[0].Topic != "all" || counts.NewsletterTopicCounts[0].Count != 1 {
			t.Errorf("topic counts: %+v", counts)
		}
	})
}

func TestSignUpsAreRateLimited(t *testing.T) {
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.New(t, db, nil) // default limit: 10 an hour, burst 5
	var limited int
	for i := range 8 {
		r := s.Do(t, testserver.Request{Query: `mutation($e: String!) { subscribeNewsletter(email: $e) { ok } }`, Variables: map[string]any{"e": strings.Repeat("x", i+1) + "@example.com"}})
		if slices.Contains(r.Codes(), "RATE_LIMITED") {
			limited++
		}
	}
	if limited != 3 {
		t.Errorf("%d of 8 rapid sign-ups were rate limited, want 3", limited)
	}
}

func TestMailIsRetriedAcrossRestarts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		e := setup(t, db)
		e.smtp.FailNext(2)
		e.subscribe(t, "retry@example.com", nil)
		ctx := context.Background()
		if sent, _, err := e.worker.RunOnce(ctx); err != nil || sent != 0 {
			t.Fatalf("first attempt: sent %d, %v", sent, err)
		}
		e.clock.Advance(2 * time.Minute)
		if sent, _, _ := e.worker.RunOnce(ctx); sent != 0 {
			t.Fatal("second attempt should fail too")
		}
		// The process restarts: a new worker picks the queue up from the database.
		mailer, _ := mail.NewSMTPMailer(e.smtp.URL())
		restarted := mail.NewWorker(mail.Worker{Store: store.New(db), Mailer: mailer, Now: e.clock.Now, Backoff: time.Minute, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if sent, _, _ := restarted.RunOnce(ctx); sent != 0 {
			t.Fatal("the retry is not due yet")
		}
		e.clock.Advance(10 * time.Minute)
		if sent, _, err := restarted.RunOnce(ctx); err != nil || sent != 1 {
			t.Fatalf("third attempt: sent %d, %v", sent, err)
		}
		var m models.Mail
		db.Where("to_addr = ?", "retry@example.com").Take(&m)
		if m.Status != models.MailSent || m.Attempts != 3 {
			t.Errorf("mail after retries: status %s, attempts %d", m.Status, m.Attempts)
		}
		if len(e.smtp.Messages()) != 1 {
			t.Errorf("delivered %d copies, want 1", len(e.smtp.Messages()))
		}
	})
}
