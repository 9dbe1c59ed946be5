package server_test

import (
	"context"
	"testing"

	"github.com/coder/websocket"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// TestTransportWSInvalidMessage: a graphql-transport-ws client that sends
// a message of no known type or format has its connection closed with
// 4400, as the protocol says, whether before or after connection_init;
// the messages a client may send still work beside them.
func TestTransportWSInvalidMessage(t *testing.T) {
	t.Parallel()
	s := testserver.NewLive(t, dbtest.Open(t, dbconn.SQLite), testserver.LiveOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for _, msg := range []string{
		`not json`,
		`["subscribe"]`,
		`{"id":"1"}`,
		`{"type":"bogus"}`,
		`{"type":"next","id":"1","payload":{}}`, // the server's to send
	} {
		t.Run(msg, func(t *testing.T) {
			t.Run("after connection_init", func(t *testing.T) {
				c := dialWS(t, s.URL, wsclient.TransportWS, "")
				if err := c.Send(ctx, wsclient.Message{Type: "ping"}); err != nil {
					t.Fatal(err)
				}
				if _, b, err := c.Conn.Read(ctx); err != nil || string(b) != `{"type":"pong"}` {
					t.Fatalf("ping: %s %v, want a pong", b, err)
				}
				if err := c.Conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
					t.Fatal(err)
				}
				wantClose(t, ctx, c.Conn, 4400)
			})
			t.Run("instead of connection_init", func(t *testing.T) {
				conn, _, err := websocket.Dial(ctx, "ws"+s.URL[len("http"):]+"/graphql", &websocket.DialOptions{Subprotocols: []string{wsclient.TransportWS}})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { conn.CloseNow() })
				if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
					t.Fatal(err)
				}
				wantClose(t, ctx, conn, 4400)
			})
		})
	}
}

// wantClose reads until the server closes conn and checks the code.
func wantClose(t *testing.T, ctx context.Context, conn *websocket.Conn, code int) {
	t.Helper()
	for {
		_, b, err := conn.Read(ctx)
		if err == nil {
			continue // a keep-alive or the like
		}
		ce, ok := wsclient.AsClose(err)
		if !ok || ce.Code != code {
			t.Fatalf("connection ended with %v (last message %s), want close %d", err, b, code)
		}
		return
	}
}
