package apperr

import "unicode/utf8"

// Clip shortens text quoted into an error message or stored as an error's
// detail to at most n bytes, never splitting a character (MySQL refuses
// broken UTF-8), and marks a cut with "…".
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
