package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/web/fanout"
)

// The websocket subprotocols and the close codes they use for a refused
// token: graphql-transport-ws defines 4403 Forbidden for a connection_init
// the server rejects; the legacy graphql-ws protocol has no code of its own
// (it sends connection_error), so 4401 Unauthorized says it.
const (
	protoTransportWS = "graphql-transport-ws"
	protoGraphQLWS   = "graphql-ws"

	closeBadRequest   = 4400 // graphql-transport-ws: a message of no known type or format
	closeForbidden    = 4403
	closeUnauthorized = 4401
	closeInternal     = 4500
	closeInternalWS   = 1011
)

// Defaults for live updates.
const (
	DefaultKeepAlive    = 25 * time.Second
	DefaultWriteTimeout = 30 * time.Second
)

// addLiveTransports adds the websocket and SSE transports; they must come
// before POST, which would otherwise claim SSE requests.
func (s *Server) addLiveTransports(h *handler.Server) {
	shared := fanout.NewCache(fanout.DefaultSize)
	s.cfg.Metrics.Func("broadsheet_subscription_answers_executed_total", "Subscription answers executed and encoded by GraphQL (one per event and group of subscribers that selected the same fields, plus replays).", true,
		func() float64 { return float64(shared.Executed()) })
	s.cfg.Metrics.Func("broadsheet_subscription_answers_shared_total", "Subscription answers handed to a subscriber already encoded, without executing its selection again.", true,
		func() float64 { return float64(shared.Shared()) })
	// Both through the fan-out executor: subscribers that selected the same
	// fields share one executed, encoded answer per event.
	h.AddTransport(fanout.Transport{Cache: shared, Transport: transport.Websocket{
		Implementation: &wsImplementation{s: s},
		InitFunc:       s.wsInit,
		InitTimeout:    15 * time.Second,
		// A message is held to the body limit of a POST.
		PayloadReadLimit: &s.cfg.MaxBodyBytes,
		// No KeepAlivePingInterval: gqlgen would run a goroutine per legacy
		// connection for its "ka" messages; the adapter's ping timer sends
		// them instead (see schedulePing).
		ErrorFunc: func(ctx context.Context, err error) {
			s.cfg.Logger.Debug("websocket", "request_id", RequestID(ctx), "err", err)
		},
	}})
	h.AddTransport(fanout.Transport{Cache: shared, Transport: sseTransport{SSE: transport.SSE{KeepAlivePingInterval: s.cfg.KeepAlive}, s: s}})
	// Each subscription payload says which event it is.
	h.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if d, ok := live.DeliveryFrom(ctx); ok && resp != nil {
			ext := maps.Clone(resp.Extensions)
			if ext == nil {
				ext = map[string]any{}
			}
			ext["event"] = d.Meta
			resp.Extensions = ext
		}
		return resp
	})
}

// isLiveRequest reports whether r opens a websocket or an SSE stream.
func isLiveRequest(r *http.Request) (ws, sse bool) {
	return r.Header.Get("Upgrade") != "", strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// wsInit authenticates a websocket from its connection_init payload. Without
// an Authorization entry the connection keeps the viewer of the upgrade
// request (a reader, or whoever its Authorization header named).
func (s *Server) wsInit(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	authz := p.Authorization()
	client := liveClientFrom(ctx)
	if authz == "" || s.cfg.Authenticate == nil {
		if client != nil {
			s.watchCredential(client) // the upgrade's own header, if any
		}
		return ctx, nil, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/graphql", nil)
	if err != nil {
		return ctx, nil, err
	}
	req.Header.Set("Authorization", authz)
	v, err := s.cfg.Authenticate(req)
	if err != nil {
		legacy := false
		if c := live.ConnFrom(ctx); c != nil {
			legacy = c.Protocol != protoTransportWS
		}
		code := closeForbidden
		if legacy {
			code = closeUnauthorized
		}
		reason := "unauthorised: " + err.Error()
		if apperr.KindOf(err) != apperr.Unauthenticated {
			code, reason = closeInternal, "cannot check the token right now"
			if legacy {
				code = closeInternalWS
			}
		}
		if len(reason) > 120 {
			reason = reason[:120]
		}
		ctx = transport.WithWebsocketCloseCode(ctx, code)
		ctx = transport.AppendCloseReason(ctx, reason)
		return ctx, nil, errors.New(reason)
	}
	if client != nil {
		// Operations on this connection are counted and re-checked under
		// the token it authenticated with.
		client.setCredential(authz)
		s.watchCredential(client)
	}
	return auth.WithViewer(ctx, v), nil, nil
}

// wsImplementation accepts websockets with github.com/coder/websocket and
// keeps track of them: for origin checks, dead-peer pings, write timeouts,
// closing slow consumers with a reason, and closing everything with 1001
// on shutdown.
type wsImplementation struct{ s *Server }

func (w *wsImplementation) Accept(rw http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	for k, vs := range opts.ResponseHeader {
		for _, v := range vs {
			rw.Header().Add(k, v)
		}
	}
	origins := w.s.cfg.AllowedOrigins
	accept := &websocket.AcceptOptions{
		Subprotocols:       opts.Subprotocols,
		OriginPatterns:     origins,
		InsecureSkipVerify: slices.Contains(origins, "*"),
	}
	c, err := websocket.Accept(rw, r, accept)
	if err != nil {
		return nil, err
	}
	if w.s.cfg.MaxBodyBytes <= 0 {
		c.SetReadLimit(-1) // no body limit: none on messages either
	}
	conn := &wsConn{c: c, srv: w.s, writeTimeout: w.s.cfg.WriteTimeout, done: make(chan struct{})}
	if lc := live.ConnFrom(r.Context()); lc != nil {
		lc.Protocol = c.Subprotocol()
		lc.SetCloser(conn.closeWith)
	}
	w.s.trackWS(conn, true)
	if w.s.cfg.KeepAlive > 0 {
		conn.schedulePing(w.s.cfg.KeepAlive)
	}
	return conn, nil
}

// wsConn adapts a coder/websocket connection to gqlgen's transport.
type wsConn struct {
	c            *websocket.Conn
	srv          *Server
	writeTimeout time.Duration

	mu           sync.Mutex
	closing      bool
	readDeadline *time.Timer
	pingTimer    *time.Timer
	done         chan struct{}
}

func (c *wsConn) NextReader() (int, io.Reader, error) {
	typ, data, err := c.c.Read(context.Background())
	if err != nil {
		switch websocket.CloseStatus(err) {
		case websocket.StatusNormalClosure, websocket.StatusNoStatusRcvd, websocket.StatusGoingAway:
			return int(typ), nil, transport.ErrWebsocketClosed
		}
		return int(typ), nil, err
	}
	if c.c.Subprotocol() == protoTransportWS && !transportWSMessage(data) {
		// The protocol closes with 4400 at once; gqlgen would end the
		// connection as a normal closure (1000), which clients take for
		// the server going away on purpose.
		c.closeWith(closeBadRequest, "invalid message")
		return int(typ), nil, transport.ErrWebsocketClosed
	}
	return int(typ), bytes.NewReader(data), nil
}

// transportWSMessage reports whether data is a message a graphql-transport-ws
// client may send: a JSON object whose type is one the protocol defines.
func transportWSMessage(data []byte) bool {
	var m struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(data, &m) != nil {
		return false
	}
	switch m.Type {
	case "connection_init", "ping", "pong", "subscribe", "complete":
		return true
	}
	return false
}

// WriteJSON writes one of gqlgen's protocol messages; an answer is
// written around its already encoded payload (appendEnvelope).
func (c *wsConn) WriteJSON(v any) error {
	b, ok := appendEnvelope(nil, v)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.writeTimeout)
	defer cancel()
	// A peer that does not read for writeTimeout has its connection closed.
	return c.c.Write(ctx, websocket.MessageText, b)
}

// WriteClose starts the close handshake in the background, so a peer that
// does not answer cannot hold up the transport.
func (c *wsConn) WriteClose(code int, reason string) error {
	c.closeWith(code, reason)
	return nil
}

func (c *wsConn) closeWith(code int, reason string) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing = true
	c.stopTimersLocked()
	c.mu.Unlock()
	go func() {
		defer close(c.done)
		_ = c.c.Close(websocket.StatusCode(code), reason)
		c.srv.trackWS(c, false)
	}()
}

func (c *wsConn) Close() error {
	c.mu.Lock()
	closing := c.closing
	c.closing = true
	c.stopTimersLocked()
	c.mu.Unlock()
	if closing {
		return nil // the close handshake owns the connection
	}
	c.srv.trackWS(c, false)
	close(c.done)
	return c.c.CloseNow()
}

func (c *wsConn) stopTimersLocked() {
	if c.readDeadline != nil {
		c.readDeadline.Stop()
	}
	if c.pingTimer != nil {
		c.pingTimer.Stop()
	}
}

func (c *wsConn) Subprotocol() string { return c.c.Subprotocol() }

func (c *wsConn) SetReadLimit(limit int64) { c.c.SetReadLimit(limit) }

func (c *wsConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.readDeadline != nil {
		c.readDeadline.Stop()
		c.readDeadline = nil
	}
	if !t.IsZero() {
		c.readDeadline = time.AfterFunc(time.Until(t), func() { c.c.CloseNow() })
	}
	return nil
}

var kaMessage = []byte(`{"type":"ka"}`)

// schedulePing sends a websocket ping every interval and drops the
// connection when the pong does not come back within another interval: a
// dead peer is found even on the legacy protocol, whose clients never ping.
// Legacy connections also get their "ka" message then. Timers, not
// goroutines, wait in between.
func (c *wsConn) schedulePing(interval time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	c.pingTimer = time.AfterFunc(interval, func() {
		ctx, cancel := context.WithTimeout(context.Background(), interval)
		defer cancel()
		if c.c.Subprotocol() != protoTransportWS {
			// Legacy graphql-ws clients expect keep-alive messages.
			if err := c.c.Write(ctx, websocket.MessageText, kaMessage); err != nil {
				c.Close()
				return
			}
		}
		if err := c.c.Ping(ctx); err != nil {
			c.srv.cfg.Logger.Debug("websocket peer did not answer a ping; closing", "err", err)
			c.Close()
			return
		}
		c.schedulePing(interval)
	})
}

// trackWS adds or removes a websocket from the set closed on shutdown.
func (s *Server) trackWS(c *wsConn, add bool) {
	s.wsMu.Lock()
	defer s.wsMu.Unlock()
	if add {
		s.ws[c] = struct{}{}
	} else {
		delete(s.ws, c)
	}
}

// Websockets returns how many websocket connections are open.
func (s *Server) Websockets() int {
	s.wsMu.Lock()
	defer s.wsMu.Unlock()
	return len(s.ws)
}

// CloseLive closes every websocket with 1001 Going Away (its subscriptions
// are not completed, so clients reconnect and subscribe again elsewhere),
// waits for the close handshakes or ctx, then ends the remaining
// subscriptions (SSE streams complete) and refuses new ones.
func (s *Server) CloseLive(ctx context.Context) {
	s.wsMu.Lock()
	conns := make([]*wsConn, 0, len(s.ws))
	for c := range s.ws {
		conns = append(conns, c)
	}
	s.wsMu.Unlock()
	for _, c := range conns {
		c.closeWith(live.CloseGoingAway, "server shutting down")
	}
	for _, c := range conns {
		select {
		case <-c.done:
		case <-ctx.Done():
		}
	}
	if s.stopWatch != nil {
		s.stopWatch()
	}
	if s.cfg.Live != nil {
		s.cfg.Live.Close()
	}
}

// readyzLive answers 200 when live updates work (the broker answers), 503
// otherwise. /readyz itself stays about the database, so a replica whose
// broker is away keeps serving queries and mutations.
func (s *Server) readyzLive(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.cfg.Live == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("live updates not enabled\n"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Live.Ready(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("live updates not ready: " + err.Error() + "\n"))
		return
	}
	st := s.cfg.Live.Stats()
	fmt.Fprintf(w, "live updates ready (%s)\nsubscriptions %d\nwebsockets %d\nevents %d\nduplicate events %d\nobject loads %d\ndeliveries %d\nslow subscribers dropped %d\ngoroutines %d\n",
		s.cfg.Live.BrokerName(), st.Subscribers, s.Websockets(), st.Events, st.Duplicates, st.Loads, st.Deliveries, st.SlowDropped, runtime.NumGoroutine())
}
