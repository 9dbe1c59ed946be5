// Package mail sends Broadsheet's email: a Mailer that speaks SMTP or, when
// none is configured, writes messages to the log; and a worker that drains
// the database-backed queue with retries, so no request waits on a mail
// server and nothing is lost across restarts.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one email.
type Message struct {
	From, To, Subject, Body string
	// Headers are extra headers (List-Unsubscribe, …).
	Headers map[string]string
}

// Mailer delivers messages.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// LogMailer writes each message to the log instead of sending it, so the
// whole newsletter flow can be tried locally.
type LogMailer struct{ Log *slog.Logger }

// Send logs the message, links included.
func (l LogMailer) Send(ctx context.Context, m Message) error {
	l.Log.InfoContext(ctx, "email (no SMTP server configured; set --smtp-url to send)", "to", m.To, "subject", m.Subject, "body", m.Body)
	return nil
}

// SMTPMailer sends through an SMTP server.
type SMTPMailer struct {
	addr     string
	from     string
	auth     sasl.Client
	implicit bool // smtps: TLS from the first byte
	plain    bool // smtp with ?tls=none: no STARTTLS (local relays, tests)
	timeout  time.Duration
}

// NewSMTPMailer parses smtp://[user:pass@]host:port?from=addr. smtp:// uses
// STARTTLS (required), smtps:// TLS from the start, and smtp://…&tls=none a
// plain connection for a relay on the same host.
func NewSMTPMailer(raw string) (*SMTPMailer, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url: %w", err)
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return nil, fmt.Errorf("--smtp-url %q: want smtp://[user:pass@]host:port?from=news@example.com", u.Redacted())
	}
	from := u.Query().Get("from")
	if from == "" {
		return nil, fmt.Errorf("--smtp-url: add ?from=ADDRESS for the sender")
	}
	host := u.Host
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, map[string]string{"smtp": "587", "smtps": "465"}[u.Scheme])
	}
	m := &SMTPMailer{addr: host, from: from, implicit: u.Scheme == "smtps", plain: u.Query().Get("tls") == "none", timeout: 30 * time.Second}
	if u.User != nil {
		pass, _ := u.User.Password()
		m.auth = sasl.NewPlainClient("", u.User.Username(), pass)
	}
	return m, nil
}

// From returns the sender address.
func (m *SMTPMailer) From() string { return m.from }

// Send delivers msg.
func (m *SMTPMailer) Send(ctx context.Context, msg Message) error {
	if msg.From == "" {
		msg.From = m.from
	}
	var c *smtp.Client
	var err error
	switch {
	case m.implicit:
		c, err = smtp.DialTLS(m.addr, nil)
	case m.plain:
		c, err = smtp.Dial(m.addr)
	default:
		c, err = smtp.DialStartTLS(m.addr, nil)
	}
	if err != nil {
		return fmt.Errorf("connect to SMTP server %s: %w", m.addr, err)
	}
	defer c.Close()
	c.CommandTimeout, c.SubmissionTimeout = m.timeout, m.timeout
	if deadline, ok := ctx.Deadline(); ok {
		c.CommandTimeout = time.Until(deadline)
		c.SubmissionTimeout = time.Until(deadline)
	}
	if m.auth != nil {
		if err := c.Auth(m.auth); err != nil {
			return fmt.Errorf("SMTP auth: %w", err)
		}
	}
	if err := c.SendMail(addrOnly(msg.From), []string{msg.To}, bytes.NewReader(Format(msg))); err != nil {
		return fmt.Errorf("send to %s: %w", m.addr, err)
	}
	return c.Quit()
}

func addrOnly(a string) string {
	if i := strings.LastIndex(a, "<"); i >= 0 {
		return strings.TrimSuffix(a[i+1:], ">")
	}
	return a
}

// Format renders msg as an RFC 5322 message with a UTF-8 text body.
func Format(msg Message) []byte {
	var b bytes.Buffer
	var id [12]byte
	rand.Read(id[:])
	domain := "broadsheet.local"
	if at := strings.LastIndex(addrOnly(msg.From), "@"); at >= 0 {
		domain = addrOnly(msg.From)[at+1:]
	}
	h := map[string]string{
		"From":                      msg.From,
		"To":                        msg.To,
		"Subject":                   mime.QEncoding.Encode("utf-8", msg.Subject),
		"Date":                      time.Now().UTC().Format(time.RFC1123Z),
		"Message-ID":                "<" + hex.EncodeToString(id[:]) + "@" + domain + ">",
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "8bit",
	}
	for k, v := range msg.Headers {
		h[k] = v
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\r\n", k, strings.NewReplacer("\r", "", "\n", "").Replace(h[k]))
	}
	b.WriteString("\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(msg.Body, "\r\n", "\n"), "\n", "\r\n"))
	return b.Bytes()
}
