package server_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
)

// BenchmarkRenditionServed measures a stored rendition served over
// loopback HTTP by the whole handler (middleware, signature check, blob
// read), against plain net/http answering the same bytes: req/s is
// 1e9 / ns/op.
func BenchmarkRenditionServed(b *testing.B) {
	db := dbtest.Open(b, dbconn.SQLite)
	m := newMediaServer(b, db, nil, media.Config{})
	var buf bytes.Buffer
	buf.Write(encodeJPEGTB(b, halves(1600, 900)))
	img, err := m.Lib.Upload(b.Context(), media.File{Filename: "b.jpg", Content: &buf}, media.Input{})
	if err != nil {
		b.Fatal(err)
	}
	path := m.Lib.URL(img, media.URLOptions{Width: 800})
	resp, body := m.get(b, path)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("warm-up: %d", resp.StatusCode)
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(body)
	}))
	b.Cleanup(plain.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for name, url := range map[string]string{"broadsheet": m.URL + path, "net-http-ceiling": plain.URL + path} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(url)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Fatal(resp.StatusCode)
					}
				}
			})
		})
	}
}
