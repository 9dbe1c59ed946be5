package server_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// ladder is the width ladder of docs/media.md, written out here so the
// test does not take it from the code it checks.
var ladder = []int{64, 96, 128, 160, 240, 320, 480, 640, 768, 960, 1080, 1280, 1600, 1920, 2560, 3200, 4096}

// ratios are the crops' aspect ratios of docs/media.md.
var ratios = [][2]int{{4, 1}, {3, 1}, {5, 2}, {21, 9}, {2, 1}, {40, 21}, {16, 9}, {5, 3}, {3, 2}, {4, 3}, {5, 4}, {1, 1},
	{4, 5}, {3, 4}, {2, 3}, {3, 5}, {9, 16}, {21, 40}, {1, 2}, {9, 21}, {2, 5}, {1, 3}, {1, 4}}

func abs(v int) int { return max(v, -v) }

var renditionSize = regexp.MustCompile(`/(\d+)x(\d+)-(crop|contain)-`)

func urlSize(t *testing.T, u string) (w, h int, fit string) {
	t.Helper()
	m := renditionSize.FindStringSubmatch(u)
	if m == nil {
		t.Fatalf("no size in %q", u)
	}
	w, _ = strconv.Atoi(m[1])
	h, _ = strconv.Atoi(m[2])
	return w, h, m[3]
}

// signTest signs a rendition path with newMediaServer's secret, as a URL
// handed out before the ladder was.
func signTest(rest string) string {
	m := hmac.New(sha256.New, []byte("a test secret of enough bytes"))
	m.Write([]byte(rest))
	return media.Prefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16]) + "/" + rest
}

// TestRenditionLadder: whatever sizes a client asks for, a picture has a
// bounded set of renditions: widths snap up to the ladder (capped at the
// picture's), crops keep the asked shape rounded to a fixed set of ratios
// with the height derived from the snapped width, srcset uses the ladder.
// A URL signed before the ladder is served when its rendition was made,
// else redirected to the snapped one without rendering anything.
func TestRenditionLadder(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	m := newMediaServer(t, db, nil, media.Config{})
	_, up, raw := m.upload(t, m.Editor, "pier.jpg", encodeJPEG(t, halves(1000, 600)), nil)
	if up.Image == nil {
		t.Fatalf("upload: %s", raw)
	}
	renders := m.Renders.Load()

	// Every width from 1 to 1200 by 7, every crop box of a grid.
	var fields []string
	for w := 1; w <= 1200; w += 7 {
		fields = append(fields, fmt.Sprintf("w%d: url(width: %d)", w, w))
	}
	for w := 50; w <= 1200; w += 97 {
		for h := 50; h <= 1200; h += 89 {
			fields = append(fields, fmt.Sprintf("c%d_%d: url(width: %d, height: %d)", w, h, w, h))
		}
	}
	var q struct{ Node map[string]string }
	m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": up.Image.ID}, Query: `query($id: ID!) { node(id: $id) { ... on Image {
		` + strings.Join(fields, "\n") + `
		square: url(width: 400, height: 400)
		og: url(width: 1200, height: 630)
		hd: url(width: 700, height: 390)
		tall: url(height: 250)
		fitted: url(width: 300, height: 300, fit: CONTAIN)
		srcset(widths: [100, 120, 500, 2000], format: WEBP) } } }`}, &q)
	widths, crops := map[string]bool{}, map[string]bool{}
	for name, u := range q.Node {
		switch {
		case strings.HasPrefix(name, "w"):
			widths[u] = true
			if w, _, _ := urlSize(t, u); w != 1000 && !slices.Contains(ladder, w) {
				t.Errorf("%s: width %d is not on the ladder nor the picture's", name, w)
			}
		case strings.HasPrefix(name, "c"):
			crops[u] = true
			w, h, _ := urlSize(t, u)
			shrunk := w == 1000 || h == 600 // the box was larger than the picture
			if !shrunk && !slices.Contains(ladder, w) {
				t.Errorf("%s: crop width %d is not on the ladder", name, w)
			}
			if !slices.ContainsFunc(ratios, func(r [2]int) bool { return abs(w*r[1]-h*r[0]) <= max(r[0], r[1]) }) {
				t.Errorf("%s: crop %d×%d is none of the ratios", name, w, h)
			}
		}
	}
	// Rungs under 1000 (10) and 1000 itself.
	if len(widths) > 11 {
		t.Errorf("%d distinct width renditions for 172 widths asked, want at most 11", len(widths))
	}
	if len(crops) > 11*len(ratios) {
		t.Errorf("%d distinct crops for 169 boxes asked, want at most %d", len(crops), 11*len(ratios))
	}
	for _, tc := range []struct{ name, size string }{
		{"square", "480x480-crop"},
		{"og", "1000x525-crop"},     // 1280×672 (1.91:1), shrunk into the picture
		{"hd", "768x432-crop"},      // 700×390 is nearest 16:9
		{"tall", "480x288-contain"}, // 417×250 snapped up
		{"fitted", "320x192-contain"},
	} {
		if !strings.Contains(q.Node[tc.name], "/"+tc.size+"-") {
			t.Errorf("%s = %s, want %s", tc.name, q.Node[tc.name], tc.size)
		}
	}
	var descs []string
	for _, p := range strings.Split(q.Node["srcset"], ", ") {
		_, d, _ := strings.Cut(p, " ")
		descs = append(descs, d)
	}
	if got := strings.Join(descs, " "); got != "128w 640w 1000w" {
		t.Errorf("srcset descriptors %q, want 128w 640w 1000w", got)
	}
	if m.Renders.Load() != renders {
		t.Fatal("handing out URLs rendered something")
	}

	// A snapped URL serves its size.
	resp, body := m.get(t, q.Node["hd"])
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", q.Node["hd"], resp.StatusCode, body)
	}
	if pic, err := jpeg.Decode(bytes.NewReader(body)); err != nil || pic.Bounds().Dx() != 768 || pic.Bounds().Dy() != 432 {
		t.Fatalf("hd rendition: %v %v", err, pic)
	}
	renders = m.Renders.Load()

	// URLs signed before the ladder.
	id := strings.Split(q.Node["hd"], "/")[3]
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	fetch := func(path string) (*http.Response, []byte) {
		resp, err := noFollow.Get(m.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	// Never rendered: a permanent redirect to the snapped one.
	old := signTest(id + "/500x300-contain-0.500-0.500.jpg")
	resp, body = fetch(old)
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != q.Node["w498"] {
		t.Errorf("GET %s: %d to %q %s, want 301 to %s", old, resp.StatusCode, resp.Header.Get("Location"), body, q.Node["w498"])
	}
	oldCrop := signTest(id + "/300x300-crop-0.500-0.500.jpg")
	if resp, _ := fetch(oldCrop); resp.StatusCode != http.StatusMovedPermanently || !strings.Contains(resp.Header.Get("Location"), "/320x320-crop-0.500-0.500.jpg") {
		t.Errorf("GET %s: %d to %q, want 301 to the 320×320 crop", oldCrop, resp.StatusCode, resp.Header.Get("Location"))
	}
	// Rendered before the ladder: still served as it is.
	if err := m.Bucket.WriteAll(t.Context(), "renditions/"+id+"/700x420-contain-0.500-0.500.jpg", []byte("made before"), nil); err != nil {
		t.Fatal(err)
	}
	made := signTest(id + "/700x420-contain-0.500-0.500.jpg")
	if resp, body := fetch(made); resp.StatusCode != http.StatusOK || string(body) != "made before" {
		t.Errorf("GET %s: %d %q, want the stored rendition", made, resp.StatusCode, body)
	}
	if m.Renders.Load() != renders {
		t.Errorf("%d renders for URLs signed before the ladder, want none", m.Renders.Load()-renders)
	}
}
