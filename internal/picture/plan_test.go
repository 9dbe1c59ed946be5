package picture

import (
	"image"
	"testing"
)

func TestPlan(t *testing.T) {
	for _, tc := range []struct {
		name         string
		srcW, srcH   int
		w, h         int
		fit          Fit
		wantW, wantH int
		wantFit      Fit
	}{
		{"whole picture", 3000, 2000, 0, 0, Crop, 3000, 2000, Contain},
		{"whole picture over the cap", 8000, 1000, 0, 0, Crop, 4096, 512, Contain},
		{"width", 3000, 2000, 800, 0, Crop, 800, 533, Contain},
		{"width past the picture: not enlarged", 300, 200, 800, 0, Crop, 300, 200, Contain},
		{"height", 3000, 2000, 0, 500, Crop, 750, 500, Contain},
		{"crop", 3000, 2000, 400, 400, Crop, 400, 400, Crop},
		{"crop larger than the picture keeps the box's shape", 300, 200, 400, 400, Crop, 200, 200, Crop},
		{"contain", 3000, 2000, 400, 400, Contain, 400, 267, Contain},
		{"contain larger than the picture", 300, 200, 4000, 4000, Contain, 300, 200, Contain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Plan(tc.srcW, tc.srcH, tc.w, tc.h, tc.fit, 0.2, 0.8)
			if s.Width != tc.wantW || s.Height != tc.wantH || s.Fit != tc.wantFit {
				t.Errorf("Plan = %d×%d %s, want %d×%d %s", s.Width, s.Height, s.Fit, tc.wantW, tc.wantH, tc.wantFit)
			}
		})
	}
}

// TestCropRect: the crop is centred on the focal point as far as the
// picture's edges allow.
func TestCropRect(t *testing.T) {
	b := image.Rect(0, 0, 1000, 500)
	for _, tc := range []struct {
		fx, fy float64
		want   image.Rectangle
	}{
		{0.5, 0.5, image.Rect(250, 0, 750, 500)},
		{0.0, 0.5, image.Rect(0, 0, 500, 500)},
		{1.0, 0.5, image.Rect(500, 0, 1000, 500)},
		{0.3, 0.1, image.Rect(50, 0, 550, 500)},
	} {
		got := cropRect(b, Spec{Width: 100, Height: 100, Fit: Crop, FocalX: tc.fx, FocalY: tc.fy})
		if got != tc.want {
			t.Errorf("focal %.1f,%.1f: crop %v, want %v", tc.fx, tc.fy, got, tc.want)
		}
	}
}
