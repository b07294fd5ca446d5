package graph_test

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/convene/convene/internal/testenv"
)

type wsMessage struct {
	ID      string         `json:"id,omitempty"`
	Type    string         `json:"type"`
	Payload map[string]any `json:"payload,omitempty"`
}

func dial(t *testing.T, env *testenv.Env, protocol, origin string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{protocol}, HandshakeTimeout: 5 * time.Second}
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	conn, res, err := d.Dial("ws"+strings.TrimPrefix(env.Server.URL, "http")+"/query", h)
	if err == nil {
		t.Cleanup(func() { conn.Close() })
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	}
	return conn, res, err
}

// next reads the next message that is not a keep-alive.
func next(t *testing.T, conn *websocket.Conn) (wsMessage, error) {
	t.Helper()
	for {
		var m wsMessage
		if err := conn.ReadJSON(&m); err != nil {
			return m, err
		}
		if m.Type != "ka" && m.Type != "ping" && m.Type != "pong" {
			return m, nil
		}
	}
}

func closeCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

func TestWebSocketAuthenticatesOnConnectionInit(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		for name, c := range map[string]struct {
			payload map[string]any
			code    int
		}{
			"no token":  {map[string]any{}, 4401},
			"bad token": {map[string]any{"Authorization": "Bearer not-a-token"}, 4403},
		} {
			conn, _, err := dial(t, env, "graphql-transport-ws", "")
			if err != nil {
				t.Fatal(err)
			}
			_ = conn.WriteJSON(wsMessage{Type: "connection_init", Payload: c.payload})
			if _, err := next(t, conn); closeCode(err) != c.code {
				t.Errorf("%s: %v, want close code %d", name, err, c.code)
			}
		}

		conn, _, err := dial(t, env, "graphql-transport-ws", "")
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.WriteJSON(wsMessage{Type: "connection_init", Payload: map[string]any{"Authorization": "Bearer " + co.MemberToken}})
		if m, err := next(t, conn); err != nil || m.Type != "connection_ack" {
			t.Fatalf("init: %+v %v", m, err)
		}
		_ = conn.WriteJSON(wsMessage{ID: "1", Type: "subscribe", Payload: map[string]any{"query": "{ me { email } }"}})
		m, err := next(t, conn)
		if err != nil || m.Type != "next" || !strings.Contains(toJSON(m.Payload), co.Member.Email) {
			t.Fatalf("query over the socket: %+v %v", m, err)
		}
		if m, err := next(t, conn); err != nil || m.Type != "complete" {
			t.Fatalf("want complete: %+v %v", m, err)
		}
	})
}

func TestLegacyGraphQLWSProtocol(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	conn, _, err := dial(t, env, "graphql-ws", "")
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.WriteJSON(wsMessage{Type: "connection_init", Payload: map[string]any{"Authorization": "Bearer " + co.AdminToken}})
	if m, err := next(t, conn); err != nil || m.Type != "connection_ack" {
		t.Fatalf("init: %+v %v", m, err)
	}
	_ = conn.WriteJSON(wsMessage{ID: "1", Type: "start", Payload: map[string]any{"query": "{ company { name } }"}})
	if m, err := next(t, conn); err != nil || m.Type != "data" || !strings.Contains(toJSON(m.Payload), "Acme") {
		t.Fatalf("start: %+v %v", m, err)
	}
}

func TestWebSocketRefusesForeignOriginsAndIntegratorWrites(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	if _, res, err := dial(t, env, "graphql-transport-ws", "https://evil.example"); err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign origin: %v", err)
	}
	if _, _, err := dial(t, env, "graphql-transport-ws", env.Server.URL); err != nil {
		t.Fatalf("own origin refused: %v", err)
	}

	var created struct{ CreateAPIToken struct{ Token string } }
	env.Must(t, co.AdminToken, `mutation{ createAPIToken(name:"ws"){ token } }`, nil, &created)
	conn, _, err := dial(t, env, "graphql-transport-ws", "")
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.WriteJSON(wsMessage{Type: "connection_init", Payload: map[string]any{"Authorization": "Bearer " + created.CreateAPIToken.Token}})
	if m, err := next(t, conn); err != nil || m.Type != "connection_ack" {
		t.Fatalf("integrator init: %+v %v", m, err)
	}
	_ = conn.WriteJSON(wsMessage{ID: "1", Type: "subscribe", Payload: map[string]any{"query": `mutation{ createRoom(input:{name:"x"}){ id } }`}})
	if m, err := next(t, conn); err != nil || !strings.Contains(toJSON(m.Payload), "FORBIDDEN") {
		t.Fatalf("integrator mutation over the socket: %+v %v", m, err)
	}
}

func TestTransportWSCloseCodes(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	initMsg := wsMessage{Type: "connection_init", Payload: map[string]any{"Authorization": "Bearer " + co.MemberToken}}
	cases := map[string]struct {
		send []any
		code int
	}{
		"bad message":          {[]any{"not json"}, 4400},
		"subscribe before ack": {[]any{wsMessage{ID: "1", Type: "subscribe", Payload: map[string]any{"query": "{ me { id } }"}}}, 4401},
		"second init":          {[]any{initMsg, initMsg}, 4429},
		"init timeout":         {nil, 4408},
	}
	for name, c := range cases {
		conn, _, err := dial(t, env, "graphql-transport-ws", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range c.send {
			if s, ok := m.(string); ok {
				_ = conn.WriteMessage(websocket.TextMessage, []byte(s))
			} else {
				_ = conn.WriteJSON(m)
			}
		}
		var err2 error
		for err2 == nil {
			_, err2 = next(t, conn)
		}
		if code := closeCode(err2); code != c.code {
			t.Errorf("%s: closed with %d (%v), want %d", name, code, err2, c.code)
		}
	}
}

func TestConnectionsPerUserAreLimited(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	openAs := func(token string) (*websocket.Conn, error) {
		conn, _, err := dial(t, env, "graphql-transport-ws", "")
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.WriteJSON(wsMessage{Type: "connection_init", Payload: map[string]any{"Authorization": "Bearer " + token}})
		_, err = next(t, conn)
		return conn, err
	}
	open := func() (*websocket.Conn, error) { return openAs(co.MemberToken) }
	var conns []*websocket.Conn
	for range testenv.TestSocketsPerUser {
		conn, err := open()
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
	}
	if _, err := open(); closeCode(err) != 4403 {
		t.Fatalf("one connection too many: %v, want 4403", err)
	}
	// Another user is not affected, and closing one frees its place.
	if _, err := openAs(co.AdminToken); err != nil {
		t.Fatalf("another user was refused: %v", err)
	}
	_ = conns[0].WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	_ = conns[0].Close()
	for deadline := time.Now().Add(5 * time.Second); ; {
		if _, err := open(); err == nil {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("no place after closing a connection: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSilentPeerIsClosed: a client that answers no ping is taken for dead
// after two ping intervals; one that answers stays.
func TestSilentPeerIsClosed(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	silent := subscribe(t, env, co.MemberToken, "1", eventChanged, nil)
	alive := subscribe(t, env, co.MemberToken, "1", eventChanged, nil)
	// Only a reading client answers pings, so the silent one waits unread.
	_ = alive.SetReadDeadline(time.Now().Add(3 * testenv.TestPingInterval))
	var timeout net.Error
	if _, err := next(t, alive); !errors.As(err, &timeout) || !timeout.Timeout() {
		t.Fatalf("the answering client: %v, want only its own read deadline", err)
	}
	_ = silent.SetReadDeadline(time.Now().Add(time.Second))
	var err error
	for err == nil {
		_, err = next(t, silent)
	}
	if errors.As(err, &timeout) && timeout.Timeout() {
		t.Fatalf("the silent client's socket is still open: %v", err)
	}
}
