// Package wsclient is a small GraphQL-over-websocket client speaking both
// graphql-transport-ws and the legacy graphql-ws protocol. Tests and the
// subscription benchmark use it as real clients would.
package wsclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"
)

// The subprotocols.
const (
	TransportWS = "graphql-transport-ws"
	GraphQLWS   = "graphql-ws"
)

// Message is one protocol message.
type Message struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Result is the payload of a next/data message.
type Result struct {
	Data       json.RawMessage `json:"data"`
	Errors     []GraphQLError  `json:"errors"`
	Extensions struct {
		Event struct {
			ID         string `json:"id"`
			Type       string `json:"type"`
			OccurredAt string `json:"occurredAt"`
		} `json:"event"`
	} `json:"extensions"`
}

// GraphQLError is one GraphQL error.
type GraphQLError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// Client is one websocket connection.
type Client struct {
	Conn  *websocket.Conn
	Proto string
	wmu   sync.Mutex
}

// Options tune Dial.
type Options struct {
	// Init is the connection_init payload (e.g. {"Authorization": "Bearer …"}).
	Init map[string]any
	// Header is sent with the upgrade request (e.g. Origin).
	Header http.Header
	// HTTPClient dials (default http.DefaultClient).
	HTTPClient *http.Client
}

// CloseError is how the server closed the connection.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string { return fmt.Sprintf("websocket closed: %d %s", e.Code, e.Reason) }

// AsClose extracts the close code and reason from a read error.
func AsClose(err error) (*CloseError, bool) {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return &CloseError{Code: int(ce.Code), Reason: ce.Reason}, true
	}
	var mine *CloseError
	if errors.As(err, &mine) {
		return mine, true
	}
	return nil, false
}

// Dial connects to the GraphQL endpoint url (http:// or ws://), sends
// connection_init and waits for connection_ack. A refused connection_init
// returns the server's close as a *CloseError.
func Dial(ctx context.Context, url, proto string, opts Options) (*Client, error) {
	url = strings.Replace(strings.Replace(url, "http://", "ws://", 1), "https://", "wss://", 1)
	c, res, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{proto}, HTTPHeader: opts.Header, HTTPClient: opts.HTTPClient})
	if err != nil {
		if res != nil {
			return nil, fmt.Errorf("dial %s: HTTP %d: %w", url, res.StatusCode, err)
		}
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	c.SetReadLimit(8 << 20)
	cl := &Client{Conn: c, Proto: proto}
	init := Message{Type: "connection_init"}
	if opts.Init != nil {
		init.Payload, _ = json.Marshal(opts.Init)
	}
	if err := cl.Send(ctx, init); err != nil {
		c.CloseNow()
		return nil, err
	}
	for {
		m, err := cl.Read(ctx)
		if err != nil {
			c.CloseNow()
			if ce, ok := AsClose(err); ok {
				return nil, ce
			}
			return nil, err
		}
		switch m.Type {
		case "connection_ack":
			return cl, nil
		case "connection_error":
			// legacy: the close with its code follows
			continue
		}
	}
}

// Send writes one message.
func (c *Client) Send(ctx context.Context, m Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.Conn.Write(ctx, websocket.MessageText, b)
}

// Subscribe starts operation id.
func (c *Client) Subscribe(ctx context.Context, id, query string, vars map[string]any) error {
	typ := "subscribe"
	if c.Proto == GraphQLWS {
		typ = "start"
	}
	p, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return c.Send(ctx, Message{Type: typ, ID: id, Payload: p})
}

// Stop ends operation id.
func (c *Client) Stop(ctx context.Context, id string) error {
	typ := "complete"
	if c.Proto == GraphQLWS {
		typ = "stop"
	}
	return c.Send(ctx, Message{Type: typ, ID: id})
}

// Read returns the next message, answering pings and skipping keep-alives.
func (c *Client) Read(ctx context.Context) (Message, error) {
	for {
		_, b, err := c.Conn.Read(ctx)
		if err != nil {
			return Message{}, err
		}
		var m Message
		if err := json.Unmarshal(b, &m); err != nil {
			return m, fmt.Errorf("decode message %q: %w", b, err)
		}
		switch m.Type {
		case "ka", "pong":
			continue
		case "ping":
			if err := c.Send(ctx, Message{Type: "pong"}); err != nil {
				return m, err
			}
			continue
		}
		return m, nil
	}
}

// Next returns the next result of any operation: its id and payload. An
// error message or a complete comes back as an error.
func (c *Client) Next(ctx context.Context) (string, *Result, error) {
	m, err := c.Read(ctx)
	if err != nil {
		return "", nil, err
	}
	switch m.Type {
	case "next", "data":
		var r Result
		if err := json.Unmarshal(m.Payload, &r); err != nil {
			return m.ID, nil, err
		}
		return m.ID, &r, nil
	case "error":
		return m.ID, nil, fmt.Errorf("operation %s failed: %s", m.ID, m.Payload)
	case "complete":
		return m.ID, nil, fmt.Errorf("operation %s: %w", m.ID, ErrComplete)
	}
	return m.ID, nil, fmt.Errorf("unexpected %s message: %s", m.Type, m.Payload)
}

// ErrComplete reports that the server completed an operation.
var ErrComplete = errors.New("completed")

// Close closes the connection normally.
func (c *Client) Close() error { return c.Conn.Close(websocket.StatusNormalClosure, "") }
