package server

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/web/gqlhttp"
	"github.com/broadsheet/broadsheet/internal/web/reqinfo"
)

// maxUploadBytes is the largest file a GraphQL multipart request may carry
// (0: uploads off, as without a media library).
func (s *Server) maxUploadBytes() int64 {
	if s.cfg.Media == nil {
		return 0
	}
	return s.cfg.Media.MaxUploadBytes()
}

// uploadBodyBytes bounds an upload request's body: a file a little over
// the upload limit still reaches the resolver (which refuses it with
// TOO_LARGE), anything much larger is cut off with HTTP 413.
func (s *Server) uploadBodyBytes() int64 {
	return s.cfg.MaxBodyBytes + 2*s.maxUploadBytes()
}

// isUpload reports whether r is a GraphQL multipart request to a server
// that takes uploads.
func (s *Server) isUpload(r *http.Request) bool {
	if s.cfg.Media == nil || r.Method != http.MethodPost {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == gqlhttp.MediaMultipart
}

// serveRendition serves GET /media/{sig}/{id}/{file}: a rendition made on
// its first request and stored, cached by everyone for a year (its URL
// names its bytes). A bad signature is 403, an unknown picture 404; both
// with a short body.
func (s *Server) serveRendition(w http.ResponseWriter, r *http.Request) {
	info := reqinfo.From(r.Context())
	info.Operation, info.OperationType = "media", "rendition"
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		info.Outcome = reqinfo.OutcomeRejected
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	rend, err := s.cfg.Media.Rendition(r.Context(), r.PathValue("sig"), id, r.PathValue("file"))
	var moved *media.MovedError
	switch {
	case errors.As(err, &moved):
		// A URL signed before the width ladder, never rendered: the
		// rendition the API now gives for it, for good.
		info.Outcome = reqinfo.OutcomeOK
		w.Header().Set("Cache-Control", media.CacheControl)
		http.Redirect(w, r, moved.URL, http.StatusMovedPermanently)
		return
	case errors.Is(err, media.ErrBadSignature):
		info.Outcome = reqinfo.OutcomeRejected
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	case errors.Is(err, media.ErrNotFound):
		info.Outcome = reqinfo.OutcomeRejected
		http.Error(w, "not found", http.StatusNotFound)
		return
	case err != nil:
		info.Outcome = reqinfo.OutcomeRequestError
		s.cfg.Logger.Error("media rendition", "path", r.URL.Path, "err", err)
		http.Error(w, "the picture could not be made", http.StatusInternalServerError)
		return
	}
	info.Outcome = reqinfo.OutcomeOK
	h := w.Header()
	h.Set("Content-Type", rend.ContentType)
	h.Set("Cache-Control", media.CacheControl)
	h.Set("ETag", rend.ETag)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'")
	// ServeContent answers If-None-Match (304), ranges and HEAD.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(rend.Data))
}

// registerMediaMetrics exposes how many renditions this replica made:
// renders are the costly part of /media/ (about 0.7 s of a core for an
// 800 px WebP), and what a thundering herd would multiply.
func (s *Server) registerMediaMetrics() {
	lib := s.cfg.Media
	s.cfg.Metrics.Func("broadsheet_media_renditions_made_total", "Picture renditions this replica made (not served from the media store).", true,
		func() float64 { return float64(lib.Renders()) })
	s.cfg.Metrics.Func("broadsheet_media_renders_waiting", "Picture renditions waiting for a free render slot (at most GOMAXPROCS are made at once).", false,
		func() float64 { return float64(lib.RendersWaiting()) })
}
