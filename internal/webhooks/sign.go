package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of every delivery.
const (
	HeaderID        = "Broadsheet-Webhook-Id"
	HeaderEvent     = "Broadsheet-Webhook-Event"
	HeaderTimestamp = "Broadsheet-Webhook-Timestamp"
	HeaderSignature = "Broadsheet-Webhook-Signature"
	// HeaderSequence repeats the body's sequence number.
	HeaderSequence = "Broadsheet-Webhook-Sequence"
)

// Sign returns the signature header value for a delivery: "v1=" and the
// hex HMAC-SHA256, keyed with the webhook's secret, of the timestamp (Unix
// seconds), a dot, and the exact request body.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a delivery as a receiver should: the signature must match
// and the timestamp be within tolerance of now, which stops forgeries and
// replays of old deliveries. Receivers should also drop event ids they
// have already seen.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return errors.New("missing or malformed timestamp")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return errors.New("timestamp outside the tolerance: a replay or a skewed clock")
	}
	want := Sign(secret, ts, body)
	for _, got := range strings.Split(h.Get(HeaderSignature), ",") {
		if hmac.Equal([]byte(strings.TrimSpace(got)), []byte(want)) {
			return nil
		}
	}
	return errors.New("signature does not match")
}
