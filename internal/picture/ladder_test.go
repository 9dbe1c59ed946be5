package picture

import (
	"math/rand/v2"
	"testing"
)

// TestSnapCanonical: every rendition the API hands out is canonical: the
// server renders it rather than redirecting it. (Crops of pictures a few
// pixels wide may round to another ratio; the server then renders what
// the URL names, see media.offLadder.)
func TestSnapCanonical(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sources := [][2]int{{1000, 600}, {40, 80}, {3000, 2000}, {8000, 1000}, {1000, 8000}, {32, 200}, {5000, 5000}, {64, 64}}
	for range 300 {
		sources = append(sources, [2]int{32 + r.IntN(6000), 32 + r.IntN(6000)})
	}
	for _, src := range sources {
		for range 300 {
			w, h := r.IntN(MaxSide+1), r.IntN(MaxSide+1)
			if r.IntN(3) == 0 {
				h = 0
			}
			fit := Crop
			if r.IntN(3) == 0 {
				fit = Contain
			}
			s := SnapPlan(src[0], src[1], w, h, fit, 0.3, 0.7)
			if !Canonical(src[0], src[1], s) {
				t.Fatalf("%v asked %dx%d %s: %+v is not canonical (%+v)", src, w, h, fit, s,
					SnapPlan(src[0], src[1], s.Width, s.Height, s.Fit, s.FocalX, s.FocalY))
			}
		}
	}
}

func TestSnap(t *testing.T) {
	for _, tc := range []struct {
		name       string
		srcW, srcH int
		w, h       int
		fit        Fit
		wantW      int
		wantH      int
	}{
		{"width up to the next rung", 3000, 2000, 700, 0, Crop, 768, 512},
		{"a rung stays", 3000, 2000, 640, 0, Crop, 640, 427},
		{"capped at the picture", 1000, 600, 1200, 0, Crop, 1000, 600},
		{"height: the width it gives, snapped", 3000, 2000, 0, 250, Crop, 480, 320},
		{"contain: the width it gives, snapped", 3000, 2000, 300, 300, Contain, 320, 213},
		{"crop keeps 16:9", 3000, 2000, 700, 390, Crop, 768, 432},
		{"crop 1.91:1", 3000, 2000, 1200, 630, Crop, 1280, 672},
		{"square", 3000, 2000, 400, 400, Crop, 480, 480},
		{"very flat: 4:1", 3000, 2000, 2000, 10, Crop, 2560, 640},
		{"square larger than the picture", 3000, 2000, 4000, 4096, Crop, 2000, 2000},
		{"tall crop: 3:4 within the picture's height", 3000, 2000, 3000, 4000, Crop, 1500, 2000},
		{"tall crop over 4096 high", 8000, 8000, 3000, 4000, Crop, 3072, 4096},
		{"tall picture, width capped by the 4096 height", 1000, 8000, 900, 0, Crop, 512, 4096},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s := SnapPlan(tc.srcW, tc.srcH, tc.w, tc.h, tc.fit, 0.5, 0.5); s.Width != tc.wantW || s.Height != tc.wantH {
				t.Errorf("SnapPlan = %d×%d, want %d×%d", s.Width, s.Height, tc.wantW, tc.wantH)
			}
		})
	}
}
