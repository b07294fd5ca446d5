// Package socket serves GraphQL over WebSocket in both protocols clients
// speak: graphql-transport-ws (the graphql-ws library's) and the legacy
// graphql-ws (subscriptions-transport-ws).
//
// gqlgen's own transport holds four goroutines per subscribed socket, each
// waiting on something. Here an idle socket holds one, its reader: a
// subscription's results are pushed (see Pusher) and written by the
// goroutine that produced them, so ten thousand idle subscribers cost little
// more than their sockets.
package socket

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"

	"github.com/convene/convene/internal/coalesce"
)

// InitFunc accepts a connection_init payload, returning the context the
// socket's operations run in and a release called when the socket closes.
// A *CloseError picks the close code; any other error closes with 4403.
type InitFunc func(ctx context.Context, payload map[string]any) (context.Context, func(), error)

// Options configure a Transport.
type Options struct {
	CheckOrigin  func(*http.Request) bool
	Init         InitFunc
	InitTimeout  time.Duration // time to send connection_init
	PingInterval time.Duration // keep-alive; a peer silent for two is dead
	MaxOps       int           // operations one socket may run at once
	ReadLimit    int64         // largest message from a client
	Opened       func()        // metrics
	Closed       func()
}

// Transport is a gqlgen transport for WebSocket upgrades.
type Transport struct {
	o        Options
	renders  *coalesce.Cache[[]byte] // results made once for many subscribers
	contexts sharedContexts
	mu       sync.Mutex
	conns    map[*conn]struct{}
	closed   bool
}

var _ graphql.Transport = (*Transport)(nil)

// New returns a transport with options o.
func New(o Options) *Transport {
	return &Transport{o: o, renders: coalesce.New[[]byte](sharedRenderTTL),
		contexts: sharedContexts{m: map[string]*sharedContext{}}, conns: map[*conn]struct{}{}}
}

// sharedRenderTTL is how long a shared result is kept for the subscribers
// still handling its notice.
const sharedRenderTTL = 5 * time.Second

// Close closes every socket with 1001 (going away), for a server that
// shuts down: clients reconnect to another replica.
func (t *Transport) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for c := range t.conns {
		c.closeWith(websocket.CloseGoingAway, "server shutting down")
	}
}

// track adds c to the open sockets, reporting false once Close was called.
func (t *Transport) track(c *conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.conns[c] = struct{}{}
	return true
}

func (t *Transport) untrack(c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, c)
}

// writeBuffers is shared by every socket between writes: idle subscribers,
// most of them, hold none.
var writeBuffers = &sync.Pool{}

// writeWait bounds one write; a client that takes longer is gone or stuck.
const writeWait = 10 * time.Second

// Supports implements graphql.Transport.
func (t *Transport) Supports(r *http.Request) bool { return websocket.IsWebSocketUpgrade(r) }

// Do implements graphql.Transport: it upgrades and returns, leaving the
// socket to one reading goroutine, so the HTTP server's buffers for the
// request are freed.
func (t *Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	up := websocket.Upgrader{
		Subprotocols:    []string{transportWS, legacyWS},
		CheckOrigin:     t.o.CheckOrigin,
		ReadBufferSize:  128,  // gorilla's least: messages from clients are few, and larger ones take more reads
		WriteBufferSize: 4096, // pooled, not per socket: one frame for most results
		WriteBufferPool: writeBuffers,
	}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade answered the request
	}
	d := legacyDialect
	if ws.Subprotocol() == transportWS {
		d = transportWSDialect
	}
	// A socket outlives its request and keeps nothing of it (holding the
	// request's contexts would cost every idle socket): what its operations
	// know comes from connection_init. gqlgen times operations from the
	// socket's start, as it did from the request's.
	ctx, cancel := context.WithCancel(graphql.StartOperationTrace(context.Background()))
	c := &conn{t: t, ws: ws, exec: exec, rules: newRules(d, t.o.MaxOps),
		ctx: ctx, cancel: cancel, opCtx: ctx}
	if !t.track(c) {
		cancel()
		c.closeWith(websocket.CloseGoingAway, "server shutting down")
		return
	}
	t.o.Opened()
	go c.serve()
}

// conn is one socket.
type conn struct {
	t     *Transport
	ws    *websocket.Conn
	exec  graphql.GraphExecutor
	rules *rules

	ctx     context.Context // ends when the socket closes
	cancel  context.CancelFunc
	opCtx   context.Context // ctx with what connection_init established
	release func()

	writing   sync.Mutex // one data writer at a time
	closeOnce sync.Once
	initTimer *time.Timer
	pinger    *time.Timer

	mu  sync.Mutex
	ops []*operation // running; few, and a slice is smaller than a map
}

// serve reads until the socket closes, then ends everything it started.
func (c *conn) serve() {
	defer c.shutdown()
	c.ws.SetReadLimit(c.t.o.ReadLimit)
	_ = c.ws.SetReadDeadline(time.Now().Add(c.t.o.InitTimeout + 2*c.t.o.PingInterval))
	c.ws.SetPongHandler(func(string) error { return c.extendDeadline() })
	c.initTimer = time.AfterFunc(c.t.o.InitTimeout, c.checkInit)
	// Armed once assigned, since keepAlive resets it.
	c.pinger = time.AfterFunc(time.Duration(math.MaxInt64), c.keepAlive)
	c.pinger.Reset(c.t.o.PingInterval)
	for {
		_, raw, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		_ = c.extendDeadline()
		if cerr := c.handle(raw); cerr != nil {
			c.closeWith(cerr.Code, cerr.Reason)
			return
		}
	}
}

func (c *conn) extendDeadline() error {
	return c.ws.SetReadDeadline(time.Now().Add(2 * c.t.o.PingInterval))
}

// handle acts on one message from the client.
func (c *conn) handle(raw []byte) *CloseError {
	var m message
	if err := json.Unmarshal(raw, &m); err != nil {
		return &CloseError{CloseBadMessage, "Invalid message received"}
	}
	if cerr := c.rules.received(m); cerr != nil {
		return cerr
	}
	switch m.Type {
	case "connection_init":
		// Authenticating runs deep (a database query); on a goroutine of its
		// own it leaves the reader's stack, kept by every idle socket, small.
		done := make(chan *CloseError, 1)
		go func() { done <- c.init(m.Payload) }()
		return <-done
	case "ping":
		c.write(message{Type: "pong"})
	case "connection_terminate":
		return &CloseError{websocket.CloseNormalClosure, ""}
	case c.rules.subscribe:
		c.start(m.ID, m.Payload)
	case c.rules.complete:
		c.stop(m.ID)
	}
	return nil
}

// init authenticates the socket and acknowledges it.
func (c *conn) init(raw json.RawMessage) *CloseError {
	var payload map[string]any
	_ = json.Unmarshal(raw, &payload) // an absent or odd payload carries no token
	ctx, release, err := c.t.o.Init(c.ctx, payload)
	if err != nil {
		cerr, ok := err.(*CloseError)
		if !ok {
			cerr = &CloseError{CloseForbidden, "Forbidden"}
		}
		if c.rules.legacy {
			msg, _ := json.Marshal(map[string]string{"message": err.Error()})
			c.write(message{Type: "connection_error", Payload: msg})
		}
		return cerr
	}
	c.mu.Lock()
	c.opCtx, c.release = ctx, release
	c.mu.Unlock()
	c.rules.ack()
	c.write(message{Type: "connection_ack"})
	if c.rules.legacy {
		c.write(message{Type: "ka"})
	}
	return nil
}

// checkInit closes a socket that did not send connection_init in time.
func (c *conn) checkInit() {
	if !c.rules.initialised() {
		c.closeWith(CloseInitTimeout, "Connection initialisation timeout")
	}
}

// keepAlive pings the peer, whose pong extends the read deadline; the
// legacy protocol also expects its "ka" messages.
func (c *conn) keepAlive() {
	if c.ctx.Err() != nil {
		return
	}
	_ = c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait))
	if c.rules.legacy {
		c.write(message{Type: "ka"})
	}
	c.pinger.Reset(c.t.o.PingInterval)
}

// write sends one protocol message.
func (c *conn) write(m message) {
	c.send(func(w io.Writer) error { return json.NewEncoder(w).Encode(m) })
}

// send writes one message, encoded straight into the socket's pooled
// buffer; a socket that cannot take it is closed.
func (c *conn) send(encode func(io.Writer) error) {
	c.writing.Lock()
	defer c.writing.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
	w, err := c.ws.NextWriter(websocket.TextMessage)
	if err == nil {
		err = encode(w)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		_ = c.ws.Close() // ends the reader, which shuts the rest down
	}
}

// closeWith ends the socket with a close code; any goroutine may call it.
func (c *conn) closeWith(code int, reason string) {
	c.closeOnce.Do(func() {
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
		_ = c.ws.Close()
	})
}

// shutdown ends the socket's operations and gives back what it held.
func (c *conn) shutdown() {
	c.t.untrack(c)
	c.cancel()
	_ = c.ws.Close()
	c.initTimer.Stop()
	c.pinger.Stop()
	c.mu.Lock()
	release := c.release
	c.mu.Unlock()
	if release != nil {
		release()
	}
	c.t.o.Closed()
}
