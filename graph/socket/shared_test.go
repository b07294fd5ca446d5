package socket

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// subscriptionsExecutor runs every operation as a pushed subscription that
// never sends, counting the operation contexts it makes.
type subscriptionsExecutor struct{ made atomic.Int32 }

func (e *subscriptionsExecutor) CreateOperationContext(_ context.Context, p *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	e.made.Add(1)
	return &graphql.OperationContext{RawQuery: p.Query, Variables: p.Variables,
		Operation: &ast.OperationDefinition{Operation: ast.Subscription}}, nil
}

func (e *subscriptionsExecutor) DispatchOperation(ctx context.Context, _ *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	_, _ = PusherFor(ctx)
	return func(context.Context) *graphql.Response { return nil }, ctx
}

func (e *subscriptionsExecutor) DispatchError(_ context.Context, errs gqlerror.List) *graphql.Response {
	return &graphql.Response{Errors: errs}
}

func TestSubscriptionsSentAlikeShareOneOperationContext(t *testing.T) {
	exec := &subscriptionsExecutor{}
	tr := New(Options{
		Init: func(ctx context.Context, _ map[string]any) (context.Context, func(), error) {
			return ctx, func() {}, nil
		},
		InitTimeout:  time.Second,
		PingInterval: time.Minute,
		MaxOps:       2,
		ReadLimit:    1 << 16,
		Opened:       func() {},
		Closed:       func() {},
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tr.Do(w, r, exec) }))
	defer srv.Close()
	subscribe := func(query string) *websocket.Conn {
		ws, _, err := (&websocket.Dialer{Subprotocols: []string{transportWS}}).Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = ws.WriteJSON(message{Type: "connection_init"})
		var ack message
		if err := ws.ReadJSON(&ack); err != nil || ack.Type != "connection_ack" {
			t.Fatalf("no ack: %v %v", ack, err)
		}
		_ = ws.WriteJSON(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query}})
		return ws
	}
	kept := func(want map[string]int) {
		t.Helper()
		got := map[string]int{}
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			got = map[string]int{}
			tr.contexts.mu.Lock()
			for _, sc := range tr.contexts.m {
				got[sc.rc.RawQuery] = sc.users
			}
			tr.contexts.mu.Unlock()
			if maps.Equal(got, want) {
				return
			}
		}
		t.Fatalf("kept contexts %v, want %v", got, want)
	}

	a, b := subscribe("subscription { a }"), subscribe("subscription { a }")
	c := subscribe("subscription { c }")
	kept(map[string]int{"subscription { a }": 2, "subscription { c }": 1})
	if n := exec.made.Load(); n != 2 {
		t.Errorf("%d operation contexts made for three subscriptions in two payloads, want 2", n)
	}
	_ = a.WriteJSON(message{ID: "1", Type: "complete"})
	b.Close()
	kept(map[string]int{"subscription { c }": 1})
	c.Close()
	kept(map[string]int{})
	d := subscribe("subscription { a }")
	kept(map[string]int{"subscription { a }": 1})
	d.Close()
	if n := exec.made.Load(); n != 3 {
		t.Errorf("%d operation contexts made, want 3: one is made again once none is kept", n)
	}
}
