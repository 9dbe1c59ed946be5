package importer

import (
	"context"
	"strings"
	"testing"
)

func TestAutoP(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"blank lines make paragraphs", "One.\n\nTwo.", "<p>One.</p>\n<p>Two.</p>\n"},
		{"a single break is a line break", "One\ntwo", "<p>One<br>\ntwo</p>\n"},
		{"spaces on the blank line", "One.\n  \t\nTwo.", "<p>One.</p>\n<p>Two.</p>\n"},
		{"inline markup stays in its paragraph", "A <em>b</em>\n\nc", "<p>A <em>b</em></p>\n<p>c</p>\n"},
		{"blocks are copied whole", "Intro\n<ul>\n<li>a</li>\n\n<li>b</li>\n</ul>\nEnd", "<p>Intro</p>\n<ul>\n<li>a</li>\n\n<li>b</li>\n</ul>\n<p>End</p>\n"},
		{"pre keeps its blank lines", "<pre>x\n\ny</pre>", "<pre>x\n\ny</pre>\n"},
		{"nested blocks of one kind", "<div><div>a</div>\n\nb</div>\nc", "<div><div>a</div>\n\nb</div>\n<p>c</p>\n"},
		{"comments are dropped", "a<!-- more -->\n\nb", "<p>a</p>\n<p>b</p>\n"},
		{"entities stay entities", "Fish &amp; chips", "<p>Fish &amp; chips</p>\n"},
	} {
		if got := AutoP(tc.in); got != tc.want {
			t.Errorf("%s: AutoP(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestConvertWordPress(t *testing.T) {
	c := NewConverter("https://old.example.org")
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"classic", "Hello &amp; welcome.\n\nSecond <a href=\"/about/\">line</a>.", []string{"Hello & welcome.\n\nSecond [line](https://old.example.org/about/)."}},
		{"block editor", "<!-- wp:heading -->\n<h2>Title</h2>\n<!-- /wp:heading -->\n<!-- wp:list -->\n<ul><li>a</li><li>b</li></ul>\n<!-- /wp:list -->", []string{"## Title", "- a\n- b"}},
		{"shortcodes stay text", "[embed]https://video.example/1[/embed]", []string{`\[embed]https://video.example/1\[/embed]`}},
		{"scripts go", "<p>a</p><script>alert(1)</script>", []string{"a"}},
		// An embed is its URL alone on a line: Broadsheet's Markdown makes it an embed block.
		{"embed", "<!-- wp:embed -->\n<figure class=\"wp-block-embed\"><div class=\"wp-block-embed__wrapper\">\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ\n</div></figure>\n<!-- /wp:embed -->", []string{"https://www.youtube.com/watch?v=dQw4w9WgXcQ"}},
		{"gallery", "<!-- wp:gallery -->\n<figure class=\"wp-block-gallery\"><figure class=\"wp-block-image\"><img src=\"/wp-content/uploads/a.jpg\" alt=\"A\"/></figure><figure class=\"wp-block-image\"><img src=\"/wp-content/uploads/b.jpg\" alt=\"B\"/><figcaption>Bee</figcaption></figure></figure>\n<!-- /wp:gallery -->",
			[]string{"![A](https://old.example.org/wp-content/uploads/a.jpg)\n\n![B](https://old.example.org/wp-content/uploads/b.jpg)\n\nBee"}},
	} {
		got, err := c.WordPress(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: got %q, want it to contain %q", tc.name, got, w)
			}
		}
		if strings.Contains(got, "alert") || strings.Contains(got, "wp:") {
			t.Errorf("%s: %q keeps a script or a block comment", tc.name, got)
		}
	}
}

// TestWXRNamespaces reads the same export written with the http:// and
// the https:// export namespace into the same items.
func TestWXRNamespaces(t *testing.T) {
	read := func(path string) []*Item {
		w := &WordPress{Path: path}
		if _, err := w.Check(context.Background()); err != nil {
			t.Fatal(err)
		}
		var items []*Item
		if err := w.Items(context.Background(), func(it *Item) error { items = append(items, it); return nil }); err != nil {
			t.Fatal(err)
		}
		return items
	}
	a, b := read("testdata/wordpress.xml"), read("testdata/wordpress-https.xml")
	if len(a) != 10 || len(a) != len(b) {
		t.Fatalf("%d and %d items, want 10 each (posts and pages)", len(a), len(b))
	}
	for i := range a {
		if a[i].Title != b[i].Title || a[i].Body != b[i].Body || a[i].Skip != b[i].Skip || a[i].CoverRef != b[i].CoverRef ||
			strings.Join(a[i].OldPaths, " ") != strings.Join(b[i].OldPaths, " ") || a[i].Standfirst != b[i].Standfirst {
			t.Errorf("item %d differs:\n%+v\n%+v", i, a[i], b[i])
		}
	}
	first := a[0]
	if first.Section != "Local News" || strings.Join(first.Tags, ",") != "Politics,Transport" || first.Standfirst != "The bridge is *finally* going ahead." ||
		first.CoverRef != "https://gazette.example.org/wp-content/uploads/2023/03/bridge.jpg" || len(first.Authors) != 1 || first.Authors[0].Name != "Mary O'Neill-Jones" {
		t.Errorf("first post: %+v", first)
	}
}
