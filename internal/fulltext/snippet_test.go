package fulltext

import "testing"

func TestSnippet(t *testing.T) {
	body := "Dozens of states have joined Ukraine in condemning ballistic missile transfers. " +
		"The following month, Vladimir Putin and Kim Jong Un met during a summit at the Vostochny Cosmodrome, " +
		"Russia’s most important satellite launch center. Analysts fear <script>alert(1)</script> & more."
	cases := []struct {
		name, query string
		fields      []string
		want        string
	}{
		{"phrase and word", `"kim jong un" summit`, []string{body},
			"…The following month, Vladimir Putin and <mark>Kim Jong Un</mark> met during a <mark>summit</mark> at the Vostochny Cosmodrome, Russia’s most important satellite launch center. Analysts fear &lt;script&gt;alert(1)&lt;/script…"},
		{"prefix and accents", "cafe naiv", []string{"A Café for the naïve: 5 < 6"},
			"A <mark>Café</mark> for the <mark>naïve</mark>: 5 &lt; 6"},
		{"falls back to the next field", "satellites", []string{"No match here.", "Spy satellites & missiles"},
			"Spy <mark>satellites</mark> &amp; missiles"},
		{"no match shows the start, escaped", "zzzz", []string{"", "<b>Bold</b> claim"},
			"&lt;b&gt;Bold&lt;/b&gt; claim"},
		{"excluded words are not marked", "putin -kim", []string{"Putin met Kim."},
			"<mark>Putin</mark> met Kim."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			if got := NewHighlighter(q).Snippet(tc.fields...); got != tc.want {
				t.Errorf("Snippet =\n %q\nwant\n %q", got, tc.want)
			}
		})
	}
}

func TestSnippetPrefersTheDensestWindow(t *testing.T) {
	filler := "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt labore dolore magna aliqua "
	body := "Korea is mentioned early. " + filler + filler + filler + "Here Korea and missiles and sanctions meet. " + filler
	q, _ := Parse("korea missiles sanctions")
	got := NewHighlighter(q).Snippet(body)
	want := "…tempor incididunt labore dolore magna aliqua Here <mark>Korea</mark> and <mark>missiles</mark> and <mark>sanctions</mark> meet. lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt labore dolore magna aliqua"
	if got != want {
		t.Errorf("Snippet =\n %q\nwant\n %q", got, want)
	}
}

func TestKeywords(t *testing.T) {
	body := BodyKeywords("Missiles, missiles and more missiles. Sanctions on sanctions. The the the. 2024 and 2024; 12 12.")
	want := []string{"missile", "2024", "sanction"} // ties alphabetically
	if len(body) != 3 || body[0] != want[0] || body[1] != want[1] || body[2] != want[2] {
		t.Errorf("BodyKeywords = %v, want %v", body, want)
	}
	got := Keywords("US Election 2024: the policies of Kim Jong Un", "Elections and Café culture", body)
	wantAll := []string{"2024", "cafe", "culture", "election", "jong", "kim", "missile", "policy", "sanction"}
	if len(got) != len(wantAll) {
		t.Fatalf("Keywords = %v, want %v", got, wantAll)
	}
	for i := range got {
		if got[i] != wantAll[i] {
			t.Fatalf("Keywords = %v, want %v", got, wantAll)
		}
	}
}
