package picture

import "math"

// Ladder is the widths renditions are made in: a requested width is
// snapped up to the next rung (and never past the picture's own width), so
// a picture has at most len(Ladder)+1 widths, not one per pixel a client
// may ask for. The rungs are the breakpoints and device widths frontends
// ask for (Next.js's and Cloudinary's defaults are close to it), dense
// where thumbnails are and about 25 % apart above 640 px, where a byte
// more per rendition matters least against a render more.
var Ladder = []int{64, 96, 128, 160, 240, 320, 480, 640, 768, 960, 1080, 1280, 1600, 1920, 2560, 3200, MaxSide}

// Ratio is an aspect ratio crops are made in, width to height.
type Ratio struct{ W, H int }

// Ratios are the aspect ratios crops are made in: an asked box gets the
// nearest (on a logarithmic scale, so 2:1 and 1:2 are as far from 1:1),
// so a picture has at most len(Ladder) × len(Ratios) crops for a focal
// point. They are the ratios layouts and social cards use, exactly (16:9
// at 1280 px is 1280×720, 1.91:1 is Open Graph's 1200×630). Between 1:3
// and 3:1 neighbours are at most 25 % apart (1:1 and 5:4), so a box gets
// a crop at most 12 % wider or taller than it asked, which object-fit:
// cover absorbs; boxes flatter than 4:1 or taller than 1:4 get those.
var Ratios = []Ratio{
	{4, 1}, {3, 1}, {5, 2}, {21, 9}, {2, 1}, {40, 21}, {16, 9}, {5, 3}, {3, 2}, {4, 3}, {5, 4}, {1, 1},
	{4, 5}, {3, 4}, {2, 3}, {3, 5}, {9, 16}, {21, 40}, {1, 2}, {9, 21}, {2, 5}, {1, 3}, {1, 4},
}

// SnapWidth is the rung at or above w, at most limit (the picture's width;
// 0: no limit).
func SnapWidth(w, limit int) int {
	r := MaxSide
	for _, l := range Ladder {
		if l >= w {
			r = l
			break
		}
	}
	if limit > 0 && r > limit {
		return limit
	}
	return r
}

// NearestRatio is the ratio of Ratios nearest to w:h.
func NearestRatio(w, h int) Ratio {
	want := math.Log(float64(w) / float64(h))
	best, bestD := Ratios[0], math.Inf(1)
	for _, r := range Ratios {
		if d := math.Abs(math.Log(float64(r.W)/float64(r.H)) - want); d < bestD {
			best, bestD = r, d
		}
	}
	return best
}

// SnapPlan turns what a client asks a srcW×srcH picture for into the
// rendition it gets: a crop's box gets a width of the Ladder and the
// nearest of Ratios, its height derived from both (then shrunk, keeping
// that shape, to fit the picture and MaxSide); everything else has the
// picture's proportions, so only its width counts: the width Plan gives,
// snapped up to the Ladder and capped at the picture's.
func SnapPlan(srcW, srcH, w, h int, fit Fit, fx, fy float64) Spec {
	if w > 0 && h > 0 && fit != Contain {
		r := NearestRatio(w, h)
		rw, rh := float64(r.W), float64(r.H)
		width := min(float64(SnapWidth(w, 0)), MaxSide*rw/rh, float64(srcW), float64(srcH)*rw/rh)
		// The height from the rounded width: asking for the result again
		// gives it back.
		sw := side(width)
		return Spec{Width: sw, Height: min(side(float64(sw)*rh/rw), max(srcH, 1), MaxSide), Fit: Crop, FocalX: fx, FocalY: fy}
	}
	p := Plan(srcW, srcH, w, h, fit, fx, fy)
	return Plan(srcW, srcH, SnapWidth(p.Width, srcW), 0, Contain, fx, fy)
}

// Canonical reports whether spec is a rendition SnapPlan gives for a
// srcW×srcH picture (asking for the spec's own size gives it back). URLs
// signed before the Ladder may name others.
func Canonical(srcW, srcH int, spec Spec) bool {
	return SnapPlan(srcW, srcH, spec.Width, spec.Height, spec.Fit, spec.FocalX, spec.FocalY) == spec
}
