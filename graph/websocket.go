package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"
)

// gorillaWebsocket plugs gorilla/websocket into gqlgen's websocket transport.
type gorillaWebsocket struct {
	checkOrigin func(*http.Request) bool
	initTimeout time.Duration
	maxOps      int
	onOpen      func()
	onClose     func()
}

var _ transport.WebsocketImplementation = gorillaWebsocket{}

const transportWSProtocol = "graphql-transport-ws"

// writeBuffers is shared by every socket between writes.
var writeBuffers = &sync.Pool{}

// Accept implements transport.WebsocketImplementation.
func (g gorillaWebsocket) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	up := websocket.Upgrader{
		Subprotocols:    opts.Subprotocols,
		CheckOrigin:     g.checkOrigin,
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		// Idle subscribers, most of them, hand their write buffer back.
		WriteBufferPool: writeBuffers,
	}
	conn, err := up.Upgrade(w, r, opts.ResponseHeader)
	if err != nil {
		return nil, err
	}
	g.onOpen()
	c := &gorillaConn{conn: conn, onClose: g.onClose,
		protocol: &transportWS{strict: conn.Subprotocol() == transportWSProtocol, maxOps: g.maxOps, active: map[string]bool{}}}
	if ref, ok := r.Context().Value(socketKey{}).(*socketRef); ok {
		ref.set(c)
	}
	c.initTimer = time.AfterFunc(g.initTimeout, func() {
		if !c.protocol.initialised() {
			c.closeWith(closeInitTimeout, "Connection initialisation timeout")
		}
	})
	return c, nil
}

// gorillaConn adapts *websocket.Conn and holds it to its protocol. gqlgen
// serialises data writes; close frames go through WriteControl, which
// gorilla allows beside them.
type gorillaConn struct {
	conn      *websocket.Conn
	protocol  *transportWS
	initTimer *time.Timer
	onClose   func()
	closeOnce sync.Once
}

var (
	_ transport.WebsocketConn          = (*gorillaConn)(nil)
	_ transport.WebsocketReadLimiter   = (*gorillaConn)(nil)
	_ transport.WebsocketReadDeadliner = (*gorillaConn)(nil)
)

// closeWriteWait bounds how long a close frame may take to send.
const closeWriteWait = time.Second

func (c *gorillaConn) NextReader() (int, io.Reader, error) {
	mt, r, err := c.conn.NextReader()
	if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseNoStatusReceived) {
		return mt, nil, transport.ErrWebsocketClosed
	}
	if err != nil {
		return mt, nil, err
	}
	raw, err := io.ReadAll(r) // bounded by the read limit
	if err != nil {
		return mt, nil, err
	}
	if perr := c.protocol.received(raw); perr != nil {
		c.closeWith(perr.code, perr.reason)
		return mt, nil, perr
	}
	return mt, bytes.NewReader(raw), nil
}

func (c *gorillaConn) WriteJSON(v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.protocol.sent(raw)
	return c.conn.WriteMessage(websocket.TextMessage, raw)
}

func (c *gorillaConn) WriteClose(code int, message string) error {
	return c.conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(code, message), time.Now().Add(closeWriteWait))
}

// closeWith ends the connection with a protocol close code.
func (c *gorillaConn) closeWith(code int, reason string) {
	_ = c.WriteClose(code, reason)
	_ = c.Close()
}

func (c *gorillaConn) Subprotocol() string { return c.conn.Subprotocol() }

func (c *gorillaConn) SetReadLimit(limit int64) { c.conn.SetReadLimit(limit) }

func (c *gorillaConn) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

func (c *gorillaConn) Close() error {
	c.closeOnce.Do(func() {
		c.initTimer.Stop()
		c.onClose()
	})
	return c.conn.Close()
}
