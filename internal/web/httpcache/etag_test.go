package httpcache

import (
	"bytes"
	"strings"
	"testing"
)

// An entity tag is a quoted, URL-safe base64 of 128 bits; the same body
// gives the same tag in every process (replicas behind one address must
// agree, so the golden value pins the hash: no per-process seed), and a
// body one byte apart gives another.
func TestETag(t *testing.T) {
	page := bytes.Repeat([]byte(`{"data":{"article":{"title":"A title"}}}`), 200)
	changed := bytes.Clone(page)
	changed[len(changed)/2] ^= 1
	for _, tc := range []struct {
		name string
		a, b []byte
		same bool
	}{
		{"same body", page, bytes.Clone(page), true},
		{"one byte changed", page, changed, false},
		{"one byte longer", page, append(bytes.Clone(page), ' '), false},
		{"empty and a space", nil, []byte(" "), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := ETag(tc.a), ETag(tc.b)
			if (a == b) != tc.same {
				t.Errorf("ETag = %s and %s; same: %v, want %v", a, b, a == b, tc.same)
			}
			if len(a) != 24 || !strings.HasPrefix(a, `"`) || !strings.HasSuffix(a, `"`) || strings.ContainsAny(a[1:23], `"+/=`) {
				t.Errorf("ETag = %s, want 22 URL-safe base64 characters in quotes", a)
			}
		})
	}
	if got, want := ETag([]byte("body")), `"F3rvzP-m90rL8cSX6sduEA"`; got != want {
		t.Errorf(`ETag("body") = %s, want %s: the hash changed, and replicas of two versions would disagree`, got, want)
	}
}

// BenchmarkETag hashes an uncached article page's answer (8 KiB).
func BenchmarkETag(b *testing.B) {
	body := bytes.Repeat([]byte(`{"data":{"article":{"title":"A title"}}}`), 200)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		ETag(body)
	}
}
