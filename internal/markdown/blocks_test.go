package markdown

import (
	"strings"
	"testing"
)

// Every provider's URL forms become its embed, from the URL alone; near
// misses stay links.
func TestEmbedProviders(t *testing.T) {
	r := New()
	cases := []struct {
		url, provider, embedURL string
	}{
		{"https://www.youtube.com/watch?v=jNQXAC9IVRw", "youtube", "https://www.youtube-nocookie.com/embed/jNQXAC9IVRw"},
		{"https://youtu.be/jNQXAC9IVRw", "youtube", "https://www.youtube-nocookie.com/embed/jNQXAC9IVRw"},
		{"https://www.youtube.com/shorts/jNQXAC9IVRw", "youtube", "https://www.youtube-nocookie.com/embed/jNQXAC9IVRw"},
		{"https://vimeo.com/76979871", "vimeo", "https://player.vimeo.com/video/76979871"},
		{"https://x.com/nasa/status/1234567890123456789", "x", "https://platform.twitter.com/embed/Tweet.html?id=1234567890123456789"},
		{"https://twitter.com/nasa/status/1234567890123456789", "x", "https://platform.twitter.com/embed/Tweet.html?id=1234567890123456789"},
		{"https://www.instagram.com/p/C1a2b3c4d5e/", "instagram", "https://www.instagram.com/p/C1a2b3c4d5e/embed/"},
		{"https://www.tiktok.com/@scout2015/video/6718335390845095173", "tiktok", "https://www.tiktok.com/embed/v2/6718335390845095173"},
		{"https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3kabcdefghij2", "bluesky", "https://embed.bsky.app/embed/did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3kabcdefghij2"},
		{"https://bsky.app/profile/example.com/post/3kabcdefghij2", "bluesky", ""},
		{"https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC", "spotify", "https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC"},
		{"https://soundcloud.com/forss/flickermood", "soundcloud", "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fforss%2Fflickermood"},
		{"https://datawrapper.dwcdn.net/AbC12/3/", "datawrapper", "https://datawrapper.dwcdn.net/AbC12/"},
		{"https://public.flourish.studio/visualisation/1234567/", "flourish", "https://flo.uri.sh/visualisation/1234567/embed"},
		{"https://infogram.com/election-results-1h7z2l8", "infogram", "https://e.infogram.com/election-results-1h7z2l8?src=embed"},
		// Near misses: not a provider's URL pattern.
		{"https://www.youtube.com/watch?v=short", "", ""},
		{"https://www.youtube.com.evil.example/watch?v=jNQXAC9IVRw", "", ""},
		{"javascript:alert(1)//youtube.com/watch?v=jNQXAC9IVRw", "", ""},
		{"https://vimeo.com/channels/staffpicks", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			out, err := r.Render(tc.url + "\n")
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Blocks) != 1 {
				t.Fatalf("blocks = %+v", out.Blocks)
			}
			b := out.Blocks[0]
			if tc.provider == "" {
				if b.Kind == KindEmbed {
					t.Errorf("became a %s embed", b.Embed.Provider)
				}
				return
			}
			if b.Kind != KindEmbed || b.Embed.Provider != tc.provider || b.Embed.EmbedURL != tc.embedURL {
				t.Fatalf("block = %+v %+v, want %s %s", b, b.Embed, tc.provider, tc.embedURL)
			}
			if tc.embedURL != "" && (!strings.Contains(out.HTML, `<iframe src="`+strings.ReplaceAll(tc.embedURL, "&", "&amp;")) || !strings.Contains(out.HTML, "sandbox=")) {
				t.Errorf("bodyHtml lacks the sandboxed iframe: %s", out.HTML)
			}
		})
	}
}

// --embed-providers: a disabled provider's URL stays a link and its player
// host is no longer allowed in raw HTML; an unknown name is refused.
func TestEmbedProvidersConfigured(t *testing.T) {
	r, err := NewWith(Config{EmbedProviders: []string{"vimeo"}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Render("https://www.youtube.com/watch?v=jNQXAC9IVRw\n\n<iframe src=\"https://www.youtube-nocookie.com/embed/jNQXAC9IVRw\"></iframe>\n\n<iframe src=\"https://player.vimeo.com/video/1\"></iframe>\n")
	if err != nil {
		t.Fatal(err)
	}
	if out.Blocks[0].Kind != KindParagraph || strings.Contains(out.HTML, "youtube-nocookie") {
		t.Errorf("a disabled provider was embedded: %+v\n%s", out.Blocks, out.HTML)
	}
	if !strings.Contains(out.HTML, `<iframe src="https://player.vimeo.com/video/1" sandbox=""></iframe>`) {
		t.Errorf("an enabled provider's iframe was dropped: %s", out.HTML)
	}
	none, err := NewWith(Config{EmbedProviders: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := none.Render("<iframe src=\"https://player.vimeo.com/video/1\"></iframe>\n"); strings.Contains(out.HTML, "iframe") {
		t.Errorf("with no providers an iframe survived: %s", out.HTML)
	}
	if _, err := NewWith(Config{EmbedProviders: []string{"myspace"}}); err == nil || !strings.Contains(err.Error(), "myspace") {
		t.Errorf("unknown provider: %v", err)
	}
}

// References and mistakes are reported with their lines.
func TestRefsAndProblemLines(t *testing.T) {
	src := "Intro with [a link](article:linked-story).\n\n" + // 1
		"![Map](media:7 \"Caption\")\n\n" + // 3
		"Read also: [Next](article:next-story)\n\n" + // 5
		"Text ![inline](media:8) here.\n\n" + // 7
		"[Bad](article:Not_A_Slug!)\n" // 9
	out, err := New().Render(src)
	if err != nil {
		t.Fatal(err)
	}
	refs := func(rs []Ref) (s []string) {
		for _, r := range rs {
			s = append(s, r.Value+"@"+string(rune('0'+r.Line)))
		}
		return s
	}
	if got := strings.Join(refs(out.ArticleRefs), " "); got != "linked-story@1 next-story@5" {
		t.Errorf("article refs = %s", got)
	}
	if got := strings.Join(refs(out.MediaRefs), " "); got != "7@3 8@7" {
		t.Errorf("media refs = %s", got)
	}
	if len(out.Problems) != 2 || out.Problems[0].Line != 7 || out.Problems[1].Line != 9 {
		t.Errorf("problems = %+v", out.Problems)
	}
	if !strings.Contains(out.HTML, `<a href="/articles/linked-story">a link</a>`) {
		t.Errorf("article: link not rewritten: %s", out.HTML)
	}
}

// StoredHasReferences answers from the stored JSON what HasReferences
// answers from the blocks, whatever kinds the body mixes and whatever its
// text says about kinds.
func TestStoredHasReferences(t *testing.T) {
	r := New()
	for _, tc := range []struct{ name, body string }{
		{"empty", ""},
		{"paragraphs", "One.\n\nTwo.\n\n## A subhead\n\n- a list"},
		{"text that names kinds", `He said "kind":"image" and {"kind":"readAlso"} in a quote.`},
		{"a picture", "Text.\n\n![Map](media:7 \"Caption\")"},
		{"a picture by URL", "Text.\n\n![Map](https://img.example/map.png)"},
		{"a read-also link last", "Text.\n\nMore.\n\nRead also: [Next](article:next-story)"},
		{"a read-also link first", "Read also: [Next](article:next-story)\n\nText."},
		{"an inline picture", "Text ![inline](media:8) here."},
		{"a gallery", "![One](media:1)\n![Two](media:2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blocks := r.Blocks(tc.body)
			stored, err := EncodeBlocks(blocks)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := StoredHasReferences(stored), HasReferences(blocks); got != want {
				t.Errorf("StoredHasReferences = %v, HasReferences = %v for %s", got, want, stored)
			}
		})
	}
}

func BenchmarkStoredHasReferences(b *testing.B) {
	stored, err := EncodeBlocks(New().Blocks(strings.Repeat("School workers climate summit vote policy industry vote climate growth.\n\n", 40)))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(stored)))
	for b.Loop() {
		if StoredHasReferences(stored) {
			b.Fatal("no references")
		}
	}
}
