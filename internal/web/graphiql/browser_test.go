package graphiql_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/graphiql"
)

// chromium finds a Chromium to drive, or skips (fails with
// BROADSHEET_TEST_BROWSER_REQUIRED=1, as in CI).
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the browser test runs in the full suite only")
	}
	for _, name := range []string{os.Getenv("BROADSHEET_TEST_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("BROADSHEET_TEST_BROWSER_REQUIRED") == "1" {
		t.Fatal("no Chromium found (apt-get install chromium), and BROADSHEET_TEST_BROWSER_REQUIRED=1")
	}
	t.Skip("no Chromium found: skipping the browser test (apt-get install chromium, or set BROADSHEET_TEST_CHROMIUM)")
	return ""
}

// TestGraphiQLOffline loads GraphiQL in headless Chromium with every host
// but the loopback test server unreachable, runs the example it opens
// with, and reads the rendered result; then saves a reader's token in the
// Headers pane (the example still runs, as a reader's), then an editor's,
// and checks that the same example shows editors' fields,
// also after a reload. Every request the page made must have gone to the
// test server. BROADSHEET_TEST_SCREENSHOT=PATH keeps a screenshot of the
// result (docs/graphiql.png in the repository).
func TestGraphiQLOffline(t *testing.T) {
	exe := chromium(t)
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.WithDemo(t, db)
	token := s.Token(t, "graphiql-browser", auth.Editor)
	readerToken := s.Token(t, "graphiql-frontend", auth.Reader)
	origin, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The network is cut off: no name resolves but the test server's,
		// and anything else would go through a proxy that is not there.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE "+origin.Hostname()),
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.WindowSize(1280, 800),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()

	var mu sync.Mutex
	var requested, failed []string
	// The first call starts the browser: no timeout on it (that would end
	// the browser); later steps run under one.
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requested = append(requested, e.Request.URL)
		case *network.EventLoadingFailed:
			failed = append(failed, e.ErrorText)
		}
	}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTimeout()

	const result = `document.querySelector(".graphiql-response .CodeMirror")`
	run := func(what string) string {
		t.Helper()
		err := chromedp.Do(tctx,
			chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")),
			chromedp.Evaluate[chromedp.Void](result+` && `+result+`.CodeMirror.setValue("")`),
			chromedp.Click(chromedp.CSS(".graphiql-execute-button")),
		)
		if err != nil {
			t.Fatalf("%s: run the example: %v", what, err)
		}
		text, err := chromedp.Run(tctx, chromedp.Poll[string](`(() => { const el = `+result+`;
			const v = el && el.CodeMirror && el.CodeMirror.getValue(); return v && v.includes('"data"') ? v : false; })()`))
		if err != nil {
			t.Fatalf("%s: wait for the result: %v", what, err)
		}
		return text
	}

	if err := chromedp.Do(tctx, chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".graphiql-query-editor .CodeMirror"))); err != nil {
		t.Fatalf("GraphiQL did not render: %v", err)
	}
	query, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.getValue()`))
	if err != nil {
		t.Fatal(err)
	}
	if query != graphiql.Example {
		t.Errorf("the page opens with\n%s\nwant the Broadsheet example", query)
	}

	reader := run("reader")
	for _, want := range []string{`"title": "The exchange of weapons between Putin and Kim Jong Un alarms the West"`, `"latest"`, `"totalCount"`} {
		if !strings.Contains(reader, want) {
			t.Errorf("reader's result lacks %s:\n%s", want, reader)
		}
	}
	for _, notWant := range []string{`"revisions"`, `"drafts"`, `"errors"`} {
		if strings.Contains(reader, notWant) {
			t.Errorf("reader's result has %s:\n%s", notWant, reader)
		}
	}
	if path := os.Getenv("BROADSHEET_TEST_SCREENSHOT"); path != "" {
		png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Clean(path), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A token is saved in the Headers pane: first a reader's, which must
	// run the reader's part of the example without errors, then an
	// editor's.
	setHeaders := func(tok string) {
		t.Helper()
		headers := `{"Authorization": "Bearer ` + tok + `"}`
		if err := chromedp.Do(tctx,
			chromedp.Click(chromedp.Search(`//button[normalize-space(.)="Headers"]`)),
			// The pane shown is the editor without the hidden class.
			chromedp.WaitVisible(chromedp.CSS(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")),
			chromedp.Evaluate[chromedp.Void](`document.querySelector(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror").CodeMirror.setValue(`+"`"+headers+"`"+`)`),
		); err != nil {
			t.Fatalf("enter the token in the Headers pane: %v", err)
		}
	}
	setHeaders(readerToken)
	withReaderToken := run("reader's token")
	if !strings.Contains(withReaderToken, `"title": "The exchange of weapons between Putin and Kim Jong Un alarms the West"`) {
		t.Errorf("reader's token: result lacks the article:\n%s", withReaderToken)
	}
	for _, notWant := range []string{`"revisions"`, `"drafts"`, `"errors"`, `"data": null`} {
		if strings.Contains(withReaderToken, notWant) {
			t.Errorf("reader's token: result has %s:\n%s", notWant, withReaderToken)
		}
	}
	setHeaders(token)
	for _, when := range []string{"editor", "editor after a reload"} {
		if when == "editor after a reload" {
			// The page keeps the headers in the browser's storage (its
			// writes are debounced): wait for that, reload, and wait for
			// the Headers pane to have the token again.
			saved := `Object.keys(localStorage).some(k => (localStorage.getItem(k) || "").includes("` + token + `"))`
			inPane := `[...document.querySelectorAll(".graphiql-editor-tool .CodeMirror")].some(e => e.CodeMirror.getValue().includes("` + token + `"))`
			if err := chromedp.Do(tctx,
				chromedp.Poll[chromedp.Void](saved),
				chromedp.Reload(),
				chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")),
				chromedp.Poll[chromedp.Void](inPane),
			); err != nil {
				t.Fatalf("reload with the saved token: %v", err)
			}
		}
		editor := run(when)
		for _, want := range []string{`"status": "PUBLISHED"`, `"revisions"`, `"action": "article.create"`, `"drafts"`} {
			if !strings.Contains(editor, want) {
				t.Errorf("%s: result lacks %s:\n%s", when, want, editor)
			}
		}
	}

	mu.Lock()
	defer mu.Unlock()
	if len(requested) == 0 {
		t.Fatal("no request was seen")
	}
	for _, u := range requested {
		if strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:") {
			continue // inline (the fonts in the style sheet), not the network
		}
		if pu, err := url.Parse(u); err != nil || pu.Host != origin.Host {
			t.Errorf("the page asked for %.100s, not the test server", u)
		}
	}
	if len(failed) > 0 {
		t.Errorf("failed requests: %v", failed)
	}
}
