package server_test

import (
	"bytes"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

// TestMediaOnS3 runs the library on an S3-compatible store (an in-process
// gofakes3 on loopback) through the real S3 client (gocloud's s3blob over
// the AWS SDK), opened from an s3:// URL as --media is: two replicas share
// the generated URL secret through the store, one uploads, the other
// serves the rendition, made once and stored back in the bucket.
func TestMediaOnS3(t *testing.T) {
	backend := s3mem.New()
	fake := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(fake.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		bucket := "pictures-" + string(db.Dialect) // a bucket per engine: image ids start at 1 in each
		if err := backend.CreateBucket(bucket); err != nil {
			t.Fatal(err)
		}
		testMediaOnS3(t, db, "s3://"+bucket+"?region=us-east-1&use_path_style=true&disable_https=true&endpoint="+fake.URL)
	})
}

func testMediaOnS3(t *testing.T, db *dbconn.DB, storeURL string) {
	replica := func() *mediaServer {
		bucket, err := media.OpenBucket(t.Context(), storeURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bucket.Close() })
		secret, err := media.Secret(t.Context(), bucket, "")
		if err != nil {
			t.Fatalf("media secret on S3: %v", err)
		}
		return newMediaServer(t, db, bucket, media.Config{Secret: secret})
	}
	a, b := replica(), replica()

	_, up, raw := a.upload(t, a.Editor, "pier.jpg", withEXIF(encodeJPEG(t, halves(120, 60)), 1), nil)
	if up.Image == nil {
		t.Fatalf("upload to S3: %s", raw)
	}
	if n := storedBlobs(t, a.Bucket, "originals/"); n != 1 {
		t.Fatalf("%d originals in the bucket, want 1", n)
	}
	full := up.Image.URL
	// Replica b serves a URL replica a signed: same secret, same store.
	resp, body := b.get(t, full)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/webp" {
		t.Fatalf("replica b: GET %s: %d %s", full, resp.StatusCode, body)
	}
	if n := storedBlobs(t, a.Bucket, "renditions/"); n != 1 {
		t.Errorf("%d renditions stored back in the bucket, want 1", n)
	}
	// Replica a finds it in the store and does not make it again.
	resp2, body2 := a.get(t, full)
	if resp2.StatusCode != http.StatusOK || !bytes.Equal(body, body2) || a.Renders.Load() != 0 || b.Renders.Load() != 1 {
		t.Errorf("replica a: %d, same bytes %v, renders a=%d b=%d (want 0 and 1)", resp2.StatusCode, bytes.Equal(body, body2), a.Renders.Load(), b.Renders.Load())
	}
	// A JPEG rendition decodes and carries no EXIF.
	jpegURL := a.Lib.URL(mustImage(t, a, up.Image.ID), media.URLOptions{Width: 60})
	resp3, body3 := b.get(t, jpegURL)
	if _, err := jpeg.Decode(bytes.NewReader(body3)); err != nil || resp3.StatusCode != http.StatusOK || bytes.Contains(body3, []byte(cameraSerial)) {
		t.Errorf("JPEG rendition from S3: %d, decode error %v", resp3.StatusCode, err)
	}
}

// mustImage loads an image by its global id.
func mustImage(t *testing.T, m *mediaServer, id string) *models.Image {
	t.Helper()
	n, err := globalid.ParseAs(globalid.TypeImage, id)
	if err != nil {
		t.Fatal(err)
	}
	img, err := m.Lib.ByID(t.Context(), n)
	if err != nil || img == nil {
		t.Fatalf("image %s: %v", id, err)
	}
	return img
}
