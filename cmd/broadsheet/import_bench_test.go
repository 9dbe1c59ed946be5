package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
)

// writeSyntheticWXR writes n synthetic posts as a WordPress export: a mix
// of classic and block-editor bodies of several paragraphs, 12 authors,
// 8 categories, 40 tags, two categories and three tags a post.
func writeSyntheticWXR(t testing.TB, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<16)
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("council budget harbour bridge festival school election river market police weather football museum library hospital railway theatre housing farmers climate energy transport tourism science health court mayor minister storm record opening closing report inquiry")
	sentence := func(k int) string {
		s := make([]string, k)
		for i := range s {
			s[i] = words[rng.IntN(len(words))]
		}
		return strings.ToUpper(s[0][:1]) + strings.Join(s, " ")[1:] + "."
	}
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Synthetic</title><link>https://old.example.org</link><wp:base_blog_url>https://old.example.org</wp:base_blog_url>
`)
	for a := range 12 {
		fmt.Fprintf(w, "<wp:author><wp:author_login><![CDATA[writer%d]]></wp:author_login><wp:author_display_name><![CDATA[Writer %d]]></wp:author_display_name></wp:author>\n", a, a)
	}
	start := time.Date(2015, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		var body strings.Builder
		block := i%2 == 0
		for p := range 4 + rng.IntN(6) {
			para := sentence(8+rng.IntN(10)) + " " + sentence(6+rng.IntN(10))
			switch {
			case block && p == 1:
				fmt.Fprintf(&body, "<!-- wp:heading -->\n<h2>%s</h2>\n<!-- /wp:heading -->\n\n", sentence(4))
			case block:
				fmt.Fprintf(&body, "<!-- wp:paragraph -->\n<p>%s <strong>%s</strong></p>\n<!-- /wp:paragraph -->\n\n", para, words[rng.IntN(len(words))])
			default:
				fmt.Fprintf(&body, "%s <em>%s</em>\n\n", para, words[rng.IntN(len(words))])
			}
		}
		at := start.Add(time.Duration(i) * 3 * time.Hour)
		title := sentence(5)
		fmt.Fprintf(w, `<item><title><![CDATA[%s]]></title><link>https://old.example.org/%s/post-%d/</link><dc:creator><![CDATA[writer%d]]></dc:creator>
<guid isPermaLink="false">https://old.example.org/?p=%d</guid><content:encoded><![CDATA[%s]]></content:encoded><excerpt:encoded><![CDATA[%s]]></excerpt:encoded>
<wp:post_id>%d</wp:post_id><wp:post_date_gmt><![CDATA[%s]]></wp:post_date_gmt><wp:post_name><![CDATA[post-%d]]></wp:post_name><wp:status><![CDATA[publish]]></wp:status><wp:post_type><![CDATA[post]]></wp:post_type>
<category domain="category" nicename="c%d"><![CDATA[Section %d]]></category><category domain="category" nicename="c%d"><![CDATA[Section %d]]></category>
<category domain="post_tag" nicename="t%d"><![CDATA[Topic %d]]></category><category domain="post_tag" nicename="t%d"><![CDATA[Topic %d]]></category><category domain="post_tag" nicename="t%d"><![CDATA[Topic %d]]></category></item>
`, title, at.Format("2006/01/02"), i, i%12, i, body.String(), sentence(12), i, at.Format("2006-01-02 15:04:05"), i,
			i%8, i%8, (i+3)%8, (i+3)%8, i%40, i%40, (i*7)%40, (i*7)%40, (i*13)%40, (i*13)%40)
	}
	fmt.Fprint(w, "</channel></rss>\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

// TestImportThroughput imports a synthetic 10,000-article WXR into MySQL
// or MariaDB through the binary and reports articles per second and the
// process's peak RSS (docs/import.md). It is a measurement, not a timing
// assertion: run it with BROADSHEET_IMPORT_BENCH=N (articles) set.
func TestImportThroughput(t *testing.T) {
	// Not in parallel: it measures throughput.
	n, _ := strconv.Atoi(os.Getenv("BROADSHEET_IMPORT_BENCH"))
	if n <= 0 {
		t.Skip("set BROADSHEET_IMPORT_BENCH=10000 to measure the import")
	}
	bin := binary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "synthetic.xml")
	if keep := os.Getenv("BROADSHEET_IMPORT_BENCH_FILE"); keep != "" {
		file = keep // kept for runs by hand
	}
	writeSyntheticWXR(t, file, n)
	st, _ := os.Stat(file)
	url := dbtest.URL(t, dbconn.MySQL)
	if r := runBin(t, bin, nil, "migrate", "--db", url); r.code != 0 {
		t.Fatalf("migrate: %+v", r)
	}
	cmd := exec.Command(bin, "import", "wordpress", file, "--db", url, "--media", "file://"+dir+"/media")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	wall := cmd.ProcessState.UserTime() // for the log only
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	elapsed := summaryLine(string(out), "time")
	d, _ := time.ParseDuration(elapsed)
	t.Logf("%s", out)
	t.Logf("%d articles (%.1f MiB of WXR) in %s: %.0f articles/s; peak RSS %.1f MiB; user CPU %s",
		n, float64(st.Size())/(1<<20), d, float64(n)/d.Seconds(), float64(ru.Maxrss)/1024, wall.Round(time.Millisecond))
	if got := summaryCount(t, string(out), "imported (new)"); got != strconv.Itoa(n) {
		t.Errorf("imported %s, want %d\n%s", got, n, out)
	}
}

func summaryLine(out, row string) string {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == row {
			return f[1]
		}
	}
	return ""
}
