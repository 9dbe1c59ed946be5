package reqinfo

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// SnippetBytes is the most of a request body that a log line or an error
// message may quote.
const SnippetBytes = 64

// emailLike matches anything with an @ between word characters: an email
// address, or the cut-off start of one at the end of a snippet.
var emailLike = regexp.MustCompile(`[^\s"'<>(),;:\\\[\]{}]*@[^\s"'<>(),;:\\\[\]{}]*`)

// Snippet returns at most SnippetBytes of b (whole UTF-8 characters), with
// email addresses replaced by "[email]" and control characters by spaces,
// for a log line about a malformed body: enough to recognise the client's
// mistake, never a reader's personal data or megabytes of log.
func Snippet(b []byte) string {
	cut := len(b) > SnippetBytes
	if cut {
		b = b[:SnippetBytes]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	s := strings.Map(func(r rune) rune {
		if r < ' ' || r == utf8.RuneError {
			return ' '
		}
		return r
	}, string(b))
	s = emailLike.ReplaceAllString(s, "[email]")
	if cut {
		s += "…"
	}
	return s
}

// Brief shortens an error message that may quote a request (a decoder's
// complaint) to its first line of at most 120 bytes, without emails.
func Brief(msg string) string {
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return clean(msg, 120)
}

// DetailBytes is the most of an error's text a log line carries.
const DetailBytes = 500

// Detail is err's text for a log line: errors wrap what they were asked
// ("load article %q" with the slug a reader sent), so it is cut to
// DetailBytes, kept on one line, and has email addresses replaced.
func Detail(err error) string {
	if err == nil {
		return ""
	}
	return clean(strings.ReplaceAll(err.Error(), "\n", " "), DetailBytes)
}

// clean cuts msg to at most n bytes of whole characters and replaces email
// addresses.
func clean(msg string, n int) string {
	if len(msg) > n {
		msg = msg[:n]
		for len(msg) > 0 && !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
		msg += "…"
	}
	return emailLike.ReplaceAllString(msg, "[email]")
}
