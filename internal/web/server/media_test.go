package server_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
	"sync"
	"testing"

	xwebp "golang.org/x/image/webp"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestUploadAndRenditions uploads a phone photo (EXIF orientation 6, a
// camera serial and a GPS position) with a real multipart request, then
// fetches renditions over HTTP: upright, the asked size and format, cached
// for a year, and with none of the EXIF data.
func TestUploadAndRenditions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		m := newMediaServer(t, db, nil, media.Config{})
		// Stored 80×40 (red left, blue right); displayed rotated: 40×80,
		// red on top.
		photo := withEXIF(encodeJPEG(t, halves(80, 40)), 6)
		status, res, raw := m.upload(t, m.Editor, "IMG_0001.JPG", photo, map[string]any{
			"alt": "A test card", "focalPoint": map[string]any{"x": 0.5, "y": 0.25}})
		if status != http.StatusOK || res.Image == nil || len(res.UserErrors) > 0 {
			t.Fatalf("upload: status %d: %s", status, raw)
		}
		img := res.Image
		if img.Width != 40 || img.Height != 80 || img.MimeType != "image/jpeg" || img.Bytes != len(photo) || img.Filename != "IMG_0001.JPG" || img.Alt != "A test card" {
			t.Fatalf("image = %+v; want 40×80 image/jpeg of %d bytes named IMG_0001.JPG", img, len(photo))
		}
		if !strings.HasPrefix(img.Placeholder, "data:image/png;base64,") || len(img.Placeholder) > 1024 {
			t.Errorf("placeholder is %d bytes: %.60s…", len(img.Placeholder), img.Placeholder)
		}

		// The 400×400 WebP crop the upload answered with: never enlarged,
		// so 40×40, cut around the focal point (the red top half).
		resp, body := m.get(t, img.URL)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", img.URL, resp.StatusCode, body)
		}
		for h, want := range map[string]string{"Content-Type": "image/webp", "Cache-Control": "public, max-age=31536000, immutable"} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
		pic, err := xwebp.Decode(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("decode WebP rendition: %v", err)
		}
		if b := pic.Bounds(); b.Dx() != 40 || b.Dy() != 40 {
			t.Errorf("crop is %v, want 40×40", b)
		}
		if r, _, bl, _ := pic.At(20, 20).RGBA(); r < bl {
			t.Errorf("the crop around the top is not red: orientation not applied or focal point ignored")
		}
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		if resp, _ := m.get(t, img.URL, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
		}

		// Every size and format, and the full picture, with no EXIF left.
		// The picture is 40 px wide: every width snaps up to the ladder's
		// first rung (64 px), capped at the picture's own.
		var q struct {
			Node struct{ Full, Wide, Contain, PNG, Srcset string }
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": img.ID}, Query: `query($id: ID!) { node(id: $id) { ... on Image {
			full: url
			wide: url(width: 20, format: JPEG)
			contain: url(width: 30, height: 30, fit: CONTAIN, format: PNG)
			png: url(height: 50, format: PNG)
			srcset(widths: [10, 20, 400], format: WEBP) } } }`}, &q)
		for _, tc := range []struct {
			url    string
			decode func([]byte) (image.Image, error)
			w, h   int
		}{
			{q.Node.Full, func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }, 40, 80},
			{q.Node.Wide, func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }, 40, 80},
			{q.Node.Contain, func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }, 40, 80},
			{q.Node.PNG, func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }, 40, 80},
		} {
			resp, body := m.get(t, tc.url)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", tc.url, resp.StatusCode)
			}
			got, err := tc.decode(body)
			if err != nil {
				t.Fatalf("decode %s: %v", tc.url, err)
			}
			if b := got.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Errorf("%s is %d×%d, want %d×%d", tc.url, b.Dx(), b.Dy(), tc.w, tc.h)
			}
			if bytes.Contains(body, []byte(cameraSerial)) || bytes.Contains(body, []byte("Exif\x00")) {
				t.Errorf("%s serves EXIF data", tc.url)
			}
		}
		// Widths snap to the ladder, capped at the picture's own (40): one.
		parts := strings.Split(q.Node.Srcset, ", ")
		if len(parts) != 1 || !strings.HasSuffix(parts[0], " 40w") {
			t.Errorf("srcset = %q, want 40w alone", q.Node.Srcset)
		}
		for _, p := range parts {
			u, _, _ := strings.Cut(p, " ")
			if resp, body := m.get(t, u); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/webp" {
				t.Errorf("srcset URL %s: %d %s", u, resp.StatusCode, body)
			}
		}
	})
}

// TestRenditionSignature: a URL whose signature or parameters were
// changed is refused with a short body, and makes nothing.
func TestRenditionSignature(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	m := newMediaServer(t, db, nil, media.Config{})
	_, res, raw := m.upload(t, m.Editor, "a.png", encodePNG(t, halves(64, 32)), nil)
	if res.Image == nil {
		t.Fatalf("upload: %s", raw)
	}
	good := res.Image.URL // /media/{sig}/{id}/400x400-crop-….webp → 32×32
	parts := strings.Split(good, "/")
	sig, id, file := parts[2], parts[3], parts[4]
	flip := func(s string) string {
		if s[0] == 'A' {
			return "B" + s[1:]
		}
		return "A" + s[1:]
	}
	for name, tc := range map[string]struct {
		path   string
		status int
	}{
		"signature changed":  {fmt.Sprintf("/media/%s/%s/%s", flip(sig), id, file), http.StatusForbidden},
		"size changed":       {fmt.Sprintf("/media/%s/%s/%s", sig, id, strings.Replace(file, "32x32", "3000x3000", 1)), http.StatusForbidden},
		"other image":        {fmt.Sprintf("/media/%s/%s/%s", sig, id+"1", file), http.StatusForbidden},
		"no signature":       {fmt.Sprintf("/media/%s/%s", id, file), http.StatusNotFound},
		"signed, not an int": {"/media/x/abc/" + file, http.StatusNotFound},
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := m.get(t, tc.path)
			if resp.StatusCode != tc.status || len(body) > 64 {
				t.Errorf("GET %s: %d %q, want %d with a short body", tc.path, resp.StatusCode, body, tc.status)
			}
		})
	}
	if n := m.Renders.Load(); n != 0 {
		t.Errorf("%d renditions made for refused URLs", n)
	}
	if resp, _ := m.get(t, good); resp.StatusCode != http.StatusOK {
		t.Errorf("the good URL: %d", resp.StatusCode)
	}
}

// TestRenditionMadeOnce: 50 requests for a new rendition arriving together
// make it once; the others wait for it and get the same bytes; later ones
// read it from the store.
func TestRenditionMadeOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	m := newMediaServer(t, db, nil, media.Config{})
	_, res, raw := m.upload(t, m.Editor, "big.jpg", encodeJPEG(t, halves(1200, 800)), nil)
	if res.Image == nil {
		t.Fatalf("upload: %s", raw)
	}
	var q struct{ Node struct{ URL string } }
	m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"id": res.Image.ID},
		Query: `query($id: ID!) { node(id: $id) { ... on Image { url(width: 600, format: WEBP) } } }`}, &q)
	before := m.Renders.Load()

	const n = 50
	bodies := make([][]byte, n)
	statuses := make([]int, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			resp, err := http.Get(m.URL + q.Node.URL)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			statuses[i] = resp.StatusCode
			var b bytes.Buffer
			b.ReadFrom(resp.Body)
			bodies[i] = b.Bytes()
		}()
	}
	start.Done()
	done.Wait()
	for i := range n {
		if statuses[i] != http.StatusOK || !bytes.Equal(bodies[i], bodies[0]) {
			t.Fatalf("request %d: status %d, %d bytes (first: %d)", i, statuses[i], len(bodies[i]), len(bodies[0]))
		}
	}
	if got := m.Renders.Load() - before; got != 1 {
		t.Errorf("%d concurrent requests made the rendition %d times, want once", n, got)
	}
	if resp, _ := m.get(t, q.Node.URL); resp.StatusCode != http.StatusOK || m.Renders.Load()-before != 1 {
		t.Errorf("a later request made it again (renders %d)", m.Renders.Load()-before)
	}
}

// TestUploadRefusals: what is not a picture the library takes is refused
// with its own code, and nothing is stored.
func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	const maxBytes = 64 << 10
	m := newMediaServer(t, db, nil, media.Config{MaxUploadBytes: maxBytes, MaxPixels: 1_000_000})
	good := encodeJPEG(t, halves(100, 50))
	noise := make([]byte, maxBytes+1000)
	for i := range noise {
		noise[i] = byte(i * 7919 >> 3)
	}
	for _, tc := range []struct {
		name, file string
		data       []byte
		code       string
	}{
		{"SVG with a script", "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "UNSUPPORTED_TYPE"},
		{"SVG with an XML declaration", "logo.svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), "UNSUPPORTED_TYPE"},
		{"HTML named .jpg", "photo.jpg", []byte(`<html><body><script>alert(1)</script></body></html>`), "UNSUPPORTED_TYPE"},
		{"PDF", "doc.jpg", []byte("%PDF-1.4\n1 0 obj\n"), "UNSUPPORTED_TYPE"},
		{"empty", "empty.jpg", nil, "CORRUPT"},
		{"truncated JPEG", "cut.jpg", good[:len(good)/2], "CORRUPT"},
		{"JPEG header only", "head.jpg", good[:20], "CORRUPT"},
		{"decompression bomb (PNG header claiming 100000×100000)", "bomb.png", pngHeaderOnly(100000, 100000), "TOO_MANY_PIXELS"},
		{"over the pixel limit", "big.png", pngHeaderOnly(1001, 1000), "TOO_MANY_PIXELS"},
		{"over the size limit", "huge.jpg", append(append([]byte{}, good[:4]...), noise...), "TOO_LARGE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, res, raw := m.upload(t, m.Editor, tc.file, tc.data, nil)
			if status != http.StatusOK || res.Image != nil || len(res.UserErrors) != 1 || res.UserErrors[0].Code != tc.code ||
				strings.Join(res.UserErrors[0].Field, ".") != "file" {
				t.Fatalf("status %d: %s; want one userError %s on file", status, raw, tc.code)
			}
		})
	}
	if n := storedBlobs(t, m.Bucket, "originals/"); n != 0 {
		t.Errorf("%d originals stored for refused uploads", n)
	}
	var q struct{ Images struct{ TotalCount int } }
	m.MustData(t, testserver.Request{Token: m.Editor, Query: `{ images { totalCount } }`}, &q)
	if q.Images.TotalCount != 0 {
		t.Errorf("%d images in the library after refusals", q.Images.TotalCount)
	}
	// A body far over the limits (the request's and twice the file's)
	// never reaches the resolver.
	status, _, raw := m.upload(t, m.Editor, "huge.jpg", bytes.Repeat(noise, 20), nil)
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("a body of 1.3 MB: status %d %s, want 413", status, raw)
	}
}

// TestUploadPolicy: readers may neither upload (not even with a reader
// token) nor list the library.
func TestUploadPolicy(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	m := newMediaServer(t, db, nil, media.Config{})
	png := encodePNG(t, halves(8, 8))
	for name, token := range map[string]string{"no token": "", "reader token": m.Token(t, "frontend", auth.Reader)} {
		status, res, raw := m.upload(t, token, "a.png", png, nil)
		if status != http.StatusUnauthorized || res.Image != nil {
			t.Errorf("%s: status %d %s, want 401", name, status, raw)
		}
	}
	r := m.Do(t, testserver.Request{Query: `{ images { totalCount } }`})
	if len(r.Errors) == 0 || r.Errors[0].Code() != "UNAUTHENTICATED" {
		t.Errorf("a reader listing images: %s", r)
	}
	if n := storedBlobs(t, m.Bucket, "originals/"); n != 0 {
		t.Errorf("%d originals stored", n)
	}
}
