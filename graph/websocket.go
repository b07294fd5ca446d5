package graph

import (
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
	onOpen      func()
	onClose     func()
}

var _ transport.WebsocketImplementation = gorillaWebsocket{}

// Accept implements transport.WebsocketImplementation.
func (g gorillaWebsocket) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	up := websocket.Upgrader{
		Subprotocols:    opts.Subprotocols,
		CheckOrigin:     g.checkOrigin,
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
	}
	conn, err := up.Upgrade(w, r, opts.ResponseHeader)
	if err != nil {
		return nil, err
	}
	g.onOpen()
	return &gorillaConn{conn: conn, onClose: g.onClose}, nil
}

// gorillaConn adapts *websocket.Conn. gqlgen serialises data writes; close
// frames go through WriteControl, which gorilla allows beside them.
type gorillaConn struct {
	conn      *websocket.Conn
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
	return mt, r, err
}

func (c *gorillaConn) WriteJSON(v any) error { return c.conn.WriteJSON(v) }

func (c *gorillaConn) WriteClose(code int, message string) error {
	return c.conn.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(code, message), time.Now().Add(closeWriteWait))
}

func (c *gorillaConn) Subprotocol() string { return c.conn.Subprotocol() }

func (c *gorillaConn) SetReadLimit(limit int64) { c.conn.SetReadLimit(limit) }

func (c *gorillaConn) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

func (c *gorillaConn) Close() error {
	c.closeOnce.Do(c.onClose)
	return c.conn.Close()
}
