package server_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"sync/atomic"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// mediaServer is a test server with a media library.
type mediaServer struct {
	*testserver.Server
	Lib     *media.Service
	Bucket  *blob.Bucket
	Renders *atomic.Int64
	Editor  string
}

// newMediaServer serves a media library over bucket (a fresh directory
// when nil); cfg's zero fields get test defaults; opts configure the
// server further.
func newMediaServer(t testing.TB, db *dbconn.DB, bucket *blob.Bucket, cfg media.Config, opts ...testserver.Option) *mediaServer {
	t.Helper()
	if bucket == nil {
		var err error
		bucket, err = fileblob.OpenBucket(t.TempDir(), &fileblob.Options{NoTempDir: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bucket.Close() })
	}
	renders := &atomic.Int64{}
	if cfg.Secret == nil {
		cfg.Secret = []byte("a test secret of enough bytes")
	}
	hook := cfg.OnRender
	cfg.OnRender = func() {
		renders.Add(1)
		if hook != nil {
			hook()
		}
	}
	lib, err := media.New(store.New(db), bucket, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := testserver.New(t, db, nil, append([]testserver.Option{func(c *server.Config) { c.Media = lib }}, opts...)...)
	return &mediaServer{Server: s, Lib: lib, Bucket: bucket, Renders: renders, Editor: s.Token(t, fmt.Sprintf("photo-desk-%d", deskTokens.Add(1)), auth.Editor)}
}

// deskTokens numbers editors' tokens: replicas of one test share a database.
var deskTokens atomic.Int64

// uploadResult is uploadImage's payload.
type uploadResult struct {
	Image *struct {
		ID, MimeType, Filename, Alt, Placeholder, URL string
		Width, Height, Bytes                          int
		FocalPoint                                    struct{ X, Y float64 }
	}
	UserErrors []userError
}

const imageFields = `id width height mimeType bytes filename alt placeholder focalPoint { x y } url(width: 400, height: 400, format: WEBP)`

// upload sends a GraphQL multipart request, built by the spec: an
// operations part, a map part, then the file part.
func (m *mediaServer) upload(t *testing.T, token, filename string, data []byte, input map[string]any) (int, uploadResult, []byte) {
	t.Helper()
	ops, _ := json.Marshal(map[string]any{
		"query":     `mutation($file: Upload!, $input: ImageInput) { uploadImage(file: $file, input: $input) { image { ` + imageFields + ` } userErrors { field message code } } }`,
		"variables": map[string]any{"file": nil, "input": input},
	})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("operations", string(ops))
	mw.WriteField("map", `{"0": ["variables.file"]}`)
	fw, _ := mw.CreateFormFile("0", filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, m.URL+"/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Data struct{ UploadImage uploadResult }
	}
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out.Data.UploadImage, raw
}

// get fetches a URL the API handed out.
func (m *mediaServer) get(t testing.TB, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, m.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// storedBlobs counts the blobs under prefix.
func storedBlobs(t *testing.T, b *blob.Bucket, prefix string) int {
	t.Helper()
	n := 0
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(t.Context())
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix([]byte(obj.Key), []byte(".attrs")) {
			n++
		}
	}
}

// halves draws a w×h picture: left half red, right half blue.
func halves(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{0xe0, 0x10, 0x10, 0xff}
			if x >= w/2 {
				c = color.RGBA{0x10, 0x10, 0xe0, 0xff}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t *testing.T, img image.Image) []byte { return encodeJPEGTB(t, img) }

func encodeJPEGTB(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// cameraSerial and the GPS latitude are what the EXIF block of withEXIF
// holds, to look for in everything served.
const cameraSerial = "SERIAL-4711-XYZ"

// withEXIF inserts an APP1 EXIF segment after the SOI marker of a JPEG:
// orientation (6: rotate 90° clockwise to display), the camera's make as
// cameraSerial, and a GPS block with a latitude.
func withEXIF(jpg []byte, orientation uint16) []byte {
	le := binary.LittleEndian
	var tiff bytes.Buffer
	tiff.WriteString("II*\x00")
	binary.Write(&tiff, le, uint32(8)) // IFD0 at 8
	// IFD0: 3 entries → 2 + 3*12 + 4 = 42 bytes; data after it at 50.
	serial := cameraSerial + "\x00"
	serialAt := uint32(8 + 42)
	gpsAt := serialAt + uint32(len(serial))
	binary.Write(&tiff, le, uint16(3))
	entry := func(tag, typ uint16, count, value uint32) {
		binary.Write(&tiff, le, tag)
		binary.Write(&tiff, le, typ)
		binary.Write(&tiff, le, count)
		binary.Write(&tiff, le, value)
	}
	entry(0x010F, 2, uint32(len(serial)), serialAt) // Make (ASCII)
	entry(0x0112, 3, 1, uint32(orientation))        // Orientation (SHORT, in the value's first bytes)
	entry(0x8825, 4, 1, gpsAt)                      // GPS IFD pointer
	binary.Write(&tiff, le, uint32(0))              // no next IFD
	tiff.WriteString(serial)
	// GPS IFD: GPSLatitudeRef "N".
	binary.Write(&tiff, le, uint16(1))
	entry(0x0001, 2, 2, uint32('N'))
	binary.Write(&tiff, le, uint32(0))

	app1 := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(app1)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, app1...)
	return append(out, jpg[2:]...)
}

// pngHeaderOnly is a PNG whose header claims w×h pixels and which has no
// pixel data: decoding it would try to allocate w×h×4 bytes.
func pngHeaderOnly(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	chunk("IHDR", ihdr)
	chunk("IEND", nil)
	return b.Bytes()
}
