package mediatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	sfu "github.com/convene/convene/calls/media"
)

// Join makes a client and joins it to in-app call callID as the holder of
// token, through the server's GraphQL API at base: callSignal on a
// WebSocket (graphql-transport-ws), the rest by POST. The client talks
// until Close, which also closes the socket.
func Join(base, token string, callID int) (*Client, error) {
	c, err := New()
	if err != nil {
		return nil, err
	}
	api := graphQL{base: base, token: token}
	socket, err := api.subscribeSignals(callID)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	c.closers = append(c.closers, socket.Close)
	offer, err := c.Offer()
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	var joined struct{ JoinCallMedia string }
	if err := api.do(`mutation($c:ID!, $o:String!){ joinCallMedia(call:$c, offer:$o) }`, map[string]any{"c": callID, "o": offer}, &joined); err != nil {
		_ = c.Close()
		return nil, err
	}
	if err := c.Accept(joined.JoinCallMedia); err != nil {
		_ = c.Close()
		return nil, err
	}
	go func() {
		for cand := range c.Candidates {
			_ = api.do(`mutation($c:ID!, $x:String!){ sendIceCandidate(call:$c, candidate:$x) }`, map[string]any{"c": callID, "x": cand}, nil)
		}
	}()
	go c.followSignals(socket, func(answer string) error {
		return api.do(`mutation($c:ID!, $a:String!){ answerCallMedia(call:$c, answer:$a) }`, map[string]any{"c": callID, "a": answer}, nil)
	})
	c.Talk()
	return c, nil
}

// followSignals takes the server's signals until the socket closes.
func (c *Client) followSignals(socket *websocket.Conn, reply func(string) error) {
	for {
		var m struct {
			Type    string
			Payload struct {
				Data struct{ CallSignal sfu.Signal }
			}
		}
		if err := socket.ReadJSON(&m); err != nil {
			return
		}
		if m.Type == "next" {
			_ = c.Signal(m.Payload.Data.CallSignal, reply)
		}
	}
}

type graphQL struct{ base, token string }

// subscribeSignals opens a socket subscribed to callSignal, and returns
// once the server has started the subscription.
func (g graphQL) subscribeSignals(callID int) (*websocket.Conn, error) {
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 5 * time.Second}
	socket, _, err := d.Dial("ws"+strings.TrimPrefix(g.base, "http")+"/query", nil)
	if err != nil {
		return nil, err
	}
	send := func(m map[string]any) error { return socket.WriteJSON(m) }
	if err := send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + g.token}}); err != nil {
		return nil, err
	}
	var ack struct{ Type string }
	if err := socket.ReadJSON(&ack); err != nil || ack.Type != "connection_ack" {
		socket.Close()
		return nil, fmt.Errorf("mediatest: the socket was not acknowledged: %v %s", err, ack.Type)
	}
	err = send(map[string]any{"id": "signal", "type": "subscribe", "payload": map[string]any{
		"query": `subscription($c:ID!){ callSignal(call:$c){ candidate offer } }`, "variables": map[string]any{"c": callID}}})
	if err != nil {
		socket.Close()
		return nil, err
	}
	var listening struct{ Type string }
	if err := socket.ReadJSON(&listening); err != nil || listening.Type != "next" {
		socket.Close()
		return nil, fmt.Errorf("mediatest: callSignal did not start: %v %s", err, listening.Type)
	}
	return socket, nil
}

// do posts an operation and decodes its data into out, if given.
func (g graphQL) do(query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, g.base+"/query", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+g.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var answer struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(res.Body).Decode(&answer); err != nil {
		return err
	}
	if len(answer.Errors) > 0 {
		return fmt.Errorf("mediatest: %s", answer.Errors[0].Message)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(answer.Data, out)
}
