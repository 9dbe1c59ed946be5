package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
)

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds the broadsheet command once per test run, for the tests
// that run it as a process. They are slow (each process compiles SQLite's
// WebAssembly), so they skip under -short.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the command-line tests build and start the binary; they run in the full suite")
	}
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "broadsheet-cmd-test")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "broadsheet")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

type result struct {
	code           int
	stdout, stderr string
}

func runBin(t *testing.T, bin string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "cli.db")
	if err := os.WriteFile(filepath.Join(dir, "empty.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	relMissing, err := filepath.Abs(filepath.Join("testdata", "missing.db"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		args       []string
		code       int
		stdout     string // substring expected on stdout
		stderrLine string // substring expected on stderr, which must be one line
	}{
		{"help", []string{"--help"}, 0, "broadsheet migrate", ""},
		{"serve help", []string{"serve", "--help"}, 0, "-no-demo", ""},
		{"migrate help", []string{"migrate", "-h"}, 0, "-db", ""},
		{"seed help", []string{"seed", "--help"}, 0, "-synthetic", ""},
		{"unknown flag", []string{"--bogus"}, 2, "", "flag provided but not defined: -bogus"},
		{"bad flag value", []string{"seed", "--synthetic", "abc", "--db", dbURL}, 2, "", `invalid value "abc" for flag -synthetic`},
		{"unknown flag of a token subcommand", []string{"token", "list", "--name", "x", "--db", dbURL}, 2, "", "flag provided but not defined: -name"},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"bad db URL", []string{"migrate", "--db", "postgres://x"}, 1, "", "want sqlite:PATH or mysql://"},
		{"serve help lists live flags", []string{"serve", "--help"}, 0, "-pubsub", ""},
		{"bad pubsub URL", []string{"serve", "--pubsub", "kafka://x", "--db", dbURL}, 2, "", "want memory, redis://HOST:PORT/DB or nats://HOST:PORT"},
		{"unknown locale", []string{"serve", "--locales", "en,xx", "--db", dbURL}, 2, "", `broadsheet serve: --locales: locale "xx" names no known language`},
		{"malformed locale", []string{"serve", "--locales", "en,fr-", "--db", dbURL}, 2, "", `--locales: locale "fr-" is not a valid BCP 47 tag`},
		{"repeated locale", []string{"seed", "--demo", "--locales", "fr,FR", "--db", dbURL}, 2, "", `broadsheet seed: --locales: locale "FR" is listed twice`},
		{"URL pattern without slug or id", []string{"serve", "--article-url-pattern", "{publicUrl}/{section}", "--db", dbURL}, 2, "", "--article-url-pattern: article URL pattern \"{publicUrl}/{section}\": needs {slug} or {id}"},
		{"URL pattern with an unknown placeholder", []string{"serve", "--article-url-pattern", "{publicUrl}/{headline}", "--db", dbURL}, 2, "", "unknown placeholder {headline}"},
		{"bad public URL", []string{"serve", "--public-url", "news.example.com", "--db", dbURL}, 2, "", "--public-url: public URL"},
		{"bad publication language", []string{"serve", "--publication-language", "english language", "--db", dbURL}, 2, "", "--publication-language"},
		{"bad subscriber buffer", []string{"serve", "--subscriber-buffer", "0", "--db", dbURL}, 2, "", "--subscriber-buffer must be at least 1"},
		{"sitemap limit over the protocol's", []string{"serve", "--sitemap-max-urls", "60000", "--db", dbURL}, 2, "", "--sitemap-max-urls 60000: want 1 to 50000"},
		{"serve help lists feed flags", []string{"serve", "--help"}, 0, "-feeds-full-content", ""},
		{"unreachable MySQL", []string{"migrate", "--db", "mysql://root@127.0.0.1:1/broadsheet"}, 1, "", "mysql://root@127.0.0.1:1/broadsheet: dial tcp 127.0.0.1:1: connect: connection refused"},
		{"seed with nothing to do", []string{"seed", "--db", dbURL}, 2, "", "pass --demo or --synthetic N"},
		{"version", []string{"--version"}, 0, " revision ", ""},
		{"token on a missing database", []string{"token", "list", "--db", dbURL}, 1, "", "no database file " + filepath.Join(dir, "cli.db") + "; run 'broadsheet migrate"},
		{"seed on a missing database", []string{"seed", "--demo", "--db", dbURL}, 1, "", "or pass --create"},
		{"related on a missing database", []string{"related", "rebuild", "--db", dbURL}, 1, "", "no database file " + filepath.Join(dir, "cli.db")},
		{"token on an unmigrated database", []string{"token", "list", "--db", "sqlite:" + filepath.Join(dir, "empty.db")}, 1, "", "has no Broadsheet schema"},
		{"relative path: the hint names the absolute one", []string{"token", "list", "--db", "sqlite:testdata/missing.db"}, 1, "", "run 'broadsheet migrate --db sqlite:" + relMissing + "'"},
		{"database is a directory", []string{"token", "list", "--db", "sqlite:" + dir}, 1, "", "cannot open SQLite database " + dir + ": it is a directory"},
		{"migrate into a directory", []string{"migrate", "--db", "sqlite:" + dir}, 1, "", "cannot open SQLite database " + dir + ": it is a directory"},
		{"missing directory", []string{"token", "list", "--db", "sqlite:" + filepath.Join(dir, "missing", "x.db")}, 1, "", "directory " + filepath.Join(dir, "missing") + " does not exist"},
		{"migrate into a missing directory", []string{"migrate", "--db", "sqlite:" + filepath.Join(dir, "missing", "x.db")}, 1, "", "directory " + filepath.Join(dir, "missing") + " does not exist"},
		{"token create --create", []string{"token", "create", "--name", "first", "--create", "--db", "sqlite:" + filepath.Join(dir, "new.db")}, 0, "bst_", ""},
		{"migrate", []string{"migrate", "--db", dbURL}, 0, "migration(s); schema version", ""},
		{"migrate again", []string{"migrate", "--db", dbURL}, 0, "applied 0 migration(s)", ""},
		{"seed demo", []string{"seed", "--demo", "--db", dbURL}, 0, "added demo content: 9 articles, 4 authors, 7 sections", ""},
		{"seed demo twice", []string{"seed", "--demo", "--db", dbURL}, 1, "", "already has content"},
		{"seed synthetic", []string{"seed", "--synthetic", "300", "--db", dbURL}, 0, "added 300 synthetic articles", ""},
		{"token help", []string{"token", "--help"}, 0, "create|list|revoke", ""},
		{"token without subcommand", []string{"token"}, 2, "", "want create, list or revoke"},
		{"token create without name", []string{"token", "create", "--db", dbURL}, 2, "", "--name is required"},
		{"token create bad role", []string{"token", "create", "--name", "x", "--role", "owner", "--db", dbURL}, 2, "", "want reader, contributor, editor or admin"},
		{"token create", []string{"token", "create", "--name", "cms", "--role", "admin", "--db", dbURL}, 0, "bst_", ""},
		{"token create duplicate", []string{"token", "create", "--name", "cms", "--db", dbURL}, 1, "", `a token named "cms" already exists`},
		{"token list", []string{"token", "list", "--db", dbURL}, 0, "cms", ""},
		{"token revoke", []string{"token", "revoke", "cms", "--db", dbURL}, 0, `revoked token "cms"`, ""},
		{"token revoke again", []string{"token", "revoke", "cms", "--db", dbURL}, 1, "", `no active token named "cms"`},
		{"token create t1", []string{"token", "create", "--name", "t1", "--db", dbURL}, 0, "bst_", ""},
		{"token revoke, flags before the name", []string{"token", "revoke", "--db", dbURL, "t1"}, 0, `revoked token "t1"`, ""},
		{"token revoke, no name after flags", []string{"token", "revoke", "--db", dbURL}, 2, "", "name the token to revoke"},
		{"token revoke, two names", []string{"token", "revoke", "--db", dbURL, "t1", "t2"}, 2, "", `unexpected argument "t2"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runBin(t, bin, nil, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tc.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, r.stdout)
			}
			if tc.stdout == "" && r.stdout != "" {
				t.Errorf("stdout should be empty (a bad command line gets one line on stderr), got:\n%s", r.stdout)
			}
			if tc.stderrLine != "" {
				if !strings.Contains(r.stderr, tc.stderrLine) {
					t.Errorf("stderr lacks %q:\n%s", tc.stderrLine, r.stderr)
				}
				if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
					t.Errorf("stderr has %d lines, want one:\n%s", n+1, r.stderr)
				}
			}
		})
	}
	// The refusals wrote nothing: an empty file stays empty.
	if st, err := os.Stat(filepath.Join(dir, "empty.db")); err != nil {
		t.Error(err)
	} else if st.Size() != 0 {
		t.Errorf("empty.db grew to %d bytes though every command refused it", st.Size())
	}
	if _, err := os.Stat(relMissing); err == nil {
		t.Errorf("a refused command created %s", relMissing)
	}
}

// TestServeEmbeddedDefault starts the binary as a newcomer would, with no
// database configured, and reads the demo content through GraphQL.
func TestServeEmbeddedDefault(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	// A token made before the first start needs --create: without it the
	// command refuses to start a new database.
	refused := exec.Command(bin, "token", "create", "--name", "newsroom-cms", "--role", "editor")
	refused.Dir = dir
	if out, err := refused.CombinedOutput(); err == nil || !strings.Contains(string(out), "--create") {
		t.Fatalf("token create on no database: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "broadsheet.db")); err == nil {
		t.Fatal("a refused token create left a database file behind")
	}
	tc := exec.Command(bin, "token", "create", "--name", "newsroom-cms", "--role", "editor", "--create")
	tc.Dir = dir
	out, err := tc.Output()
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	token := lines[len(lines)-1]
	if !strings.HasPrefix(token, "bst_") || len(token) < 40 {
		t.Fatalf("the last line of token create is not a token: %q", out)
	}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0")
	cmd.Dir = dir // the default sqlite:broadsheet.db lands here
	cmd.Env = os.Environ()
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	endpoint := waitForURL(t, stdout, &stderr)

	body := `{"query":"{ article(slug: \"the-exchange-of-weapons-between-putin-and-kim-jong-un-alarms-the-west\") { title category { name } } }"}`
	res, err := http.Post(endpoint, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Data struct{ Article struct{ Title string } }
	}
	json.NewDecoder(res.Body).Decode(&got)
	res.Body.Close()
	if got.Data.Article.Title != "The exchange of weapons between Putin and Kim Jong Un alarms the West" {
		t.Errorf("seed article title = %q", got.Data.Article.Title)
	}
	if _, err := os.Stat(filepath.Join(dir, "broadsheet.db")); err != nil {
		t.Errorf("default database file: %v", err)
	}
	// The token made with the CLI works against the server.
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(`{"query":"mutation { createArticle(input: {title: \"From the CLI token\"}) { article { slug status } userErrors { message } } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Data struct {
			CreateArticle struct{ Article struct{ Slug, Status string } }
		}
	}
	json.NewDecoder(res.Body).Decode(&created)
	res.Body.Close()
	if created.Data.CreateArticle.Article.Slug != "from-the-cli-token" {
		t.Errorf("createArticle with the CLI token: %+v", created)
	}
	// token list shows when the token was last used: by the request above.
	tl := exec.Command(bin, "token", "list")
	tl.Dir = dir
	listed, err := tl.Output()
	if err != nil {
		t.Fatalf("token list: %v", err)
	}
	row := regexp.MustCompile(`(?m)^newsroom-cms\s+editor\s+(\S+)\s+(\S+)\s+-\s+-\s+-$`).FindStringSubmatch(string(listed))
	if row == nil {
		t.Fatalf("token list has no active newsroom-cms row:\n%s", listed)
	}
	used, err := time.Parse(time.RFC3339, row[2])
	if err != nil || time.Since(used) > time.Hour || time.Since(used) < -time.Minute {
		t.Errorf("token list: last used %q, want the time of the request just made:\n%s", row[2], listed)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop after SIGTERM")
	}
}

func TestServeMySQL(t *testing.T) {
	t.Parallel()
	url := dbtest.URL(t, dbconn.MySQL)
	bin := binary(t)
	// On MySQL the media library defaults to ./media: keep it in the test's directory.
	mediaEnv := "BROADSHEET_MEDIA=file://" + filepath.ToSlash(t.TempDir())
	if r := runBin(t, bin, []string{"BROADSHEET_DB=" + url, mediaEnv}, "seed", "--demo", "--create"); r.code != 0 {
		t.Fatalf("seed --demo on MySQL: %+v", r)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "BROADSHEET_DB="+url, mediaEnv)
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	endpoint := waitForURL(t, stdout, &stderr)
	res, err := http.Get(endpoint + `?query={articles{totalCount}}`)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Data struct{ Articles struct{ TotalCount int } }
	}
	json.NewDecoder(res.Body).Decode(&got)
	res.Body.Close()
	if got.Data.Articles.TotalCount != 8 {
		t.Errorf("published demo articles on MySQL = %d, want 8", got.Data.Articles.TotalCount)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
}

// urlLine finds the GraphQL endpoint in the banner, text or JSON.
var urlLine = regexp.MustCompile(`GraphQL"?:\s*"?(http://[^\s"]+/graphql)`)

func waitForURL(t *testing.T, stdout interface{ Read([]byte) (int, error) }, stderr *bytes.Buffer) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := urlLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(60 * time.Second):
		t.Fatalf("server printed no URL; stderr:\n%s", stderr.String())
		return ""
	}
}
