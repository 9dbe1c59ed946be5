package markdown

import (
	"strings"
	"testing"
)

func TestRenderSanitises(t *testing.T) {
	r := New()
	cases := []struct {
		name        string
		source      string
		want        []string
		mustNotHave []string
	}{
		{"heading and paragraph", "## Spy satellites\n\nIn November, North Korea…", []string{"<h2", "Spy satellites</h2>", "<p>In November"}, nil},
		{"script tag", "Hello <script>alert(1)</script> world", []string{"Hello"}, []string{"<script"}},
		{"event handler", `<img src="x.png" onerror="alert(1)">`, nil, []string{"onerror"}},
		{"javascript link", "[click](javascript:alert(1))", nil, []string{"javascript:"}},
		{"html javascript link", `<a href="javascript:alert(1)">x</a>`, nil, []string{"javascript:"}},
		{"iframe", `<iframe src="https://evil.example"></iframe>`, nil, []string{"<iframe"}},
		{"safe link kept", "[Read also](/articles/north-korea)", []string{`href="/articles/north-korea"`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Render(tc.source)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got.HTML, w) {
					t.Errorf("HTML %q lacks %q", got.HTML, w)
				}
			}
			for _, bad := range tc.mustNotHave {
				if strings.Contains(got.HTML, bad) {
					t.Errorf("HTML %q still has %q", got.HTML, bad)
				}
			}
		})
	}
}

func TestRenderCounts(t *testing.T) {
	r := New()
	got, err := r.Render("## Title here\n\n" + strings.Repeat("word ", 460))
	if err != nil {
		t.Fatal(err)
	}
	if got.WordCount != 462 {
		t.Errorf("WordCount = %d, want 462", got.WordCount)
	}
	if got.ReadingTimeMinutes != 3 {
		t.Errorf("ReadingTimeMinutes = %d, want 3", got.ReadingTimeMinutes)
	}
}

func TestExcerpt(t *testing.T) {
	plain := "Short head\nDozens of states have joined Ukraine in condemning ballistic missile and other weapons transfers."
	if got := Excerpt(plain, 200); !strings.HasPrefix(got, "Dozens of states") {
		t.Errorf("Excerpt skipped to %q", got)
	}
	if got := Excerpt(plain, 40); len([]rune(got)) > 41 || !strings.HasSuffix(got, "…") {
		t.Errorf("Excerpt(40) = %q", got)
	}
}
