package socket

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// operation is one query, mutation or subscription running on a socket.
type operation struct {
	id     string
	c      *conn
	ctx    context.Context // ends when the operation does
	cancel context.CancelFunc

	mu        sync.Mutex // held while a result is made and written
	responses graphql.ResponseHandler
	resCtx    context.Context
	pushed    bool // results arrive through Pusher
	done      bool
}

// start runs an operation on its own goroutine, so the reader keeps reading
// and its stack stays small.
func (c *conn) start(id string, raw json.RawMessage) {
	c.mu.Lock()
	o := &operation{id: id, c: c}
	o.ctx, o.cancel = context.WithCancel(c.opCtx)
	c.ops[id] = o
	c.mu.Unlock()
	go o.run(raw)
}

// stop ends an operation the client completed; nothing more is sent for it.
func (c *conn) stop(id string) {
	c.mu.Lock()
	o := c.ops[id]
	delete(c.ops, id)
	c.mu.Unlock()
	if o != nil {
		o.cancel()
	}
}

func (o *operation) run(raw json.RawMessage) {
	o.mu.Lock()
	defer o.mu.Unlock()
	start := graphql.Now()
	var params graphql.RawParams
	if err := json.Unmarshal(raw, &params); err != nil {
		o.fail(gqlerror.List{gqlerror.Errorf("invalid operation payload: %s", err)})
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, errs := o.c.exec.CreateOperationContext(o.ctx, &params)
	if errs != nil {
		o.fail(o.c.exec.DispatchError(graphql.WithOperationContext(o.ctx, rc), errs).Errors)
		return
	}
	o.responses, o.resCtx = o.c.exec.DispatchOperation(context.WithValue(o.ctx, operationKey{}, o), rc)
	if rc.Operation.Operation == ast.Subscription && o.pushed {
		return // each result comes with a push
	}
	// A query or mutation, or a subscription refused before it began.
	for o.next() {
	}
}

// next sends the operation's next result, or completes it when there is
// none; it reports whether the operation goes on. o.mu is held.
func (o *operation) next() bool {
	if o.done {
		return false
	}
	res := o.responses(o.resCtx)
	if res == nil {
		o.finish()
		return false
	}
	o.c.send(func(w io.Writer) error { return o.result(w, res) })
	return true
}

// result frames a response by hand, straight into the socket's pooled
// buffer: it is the message sent to every subscriber, so it is made with
// as little garbage as it can be.
func (o *operation) result(w io.Writer, res *graphql.Response) error {
	id, _ := json.Marshal(o.id)
	if _, err := fmt.Fprintf(w, `{"id":%s,"type":"%s","payload":`, id, o.c.rules.next); err != nil {
		return err
	}
	if err := json.NewEncoder(w).Encode(res); err != nil {
		return err
	}
	_, err := io.WriteString(w, "}")
	return err
}

// fail answers an operation that could not start with its errors.
func (o *operation) fail(errs gqlerror.List) {
	raw, _ := json.Marshal(errs)
	o.c.write(message{ID: o.id, Type: "error", Payload: raw})
	o.end()
}

// finish completes the operation, telling the client unless it asked.
func (o *operation) finish() {
	if o.ctx.Err() == nil {
		o.c.write(message{ID: o.id, Type: "complete"})
	}
	o.end()
}

func (o *operation) end() {
	o.done = true
	o.cancel()
	o.c.mu.Lock()
	if o.c.ops[o.id] == o {
		delete(o.c.ops, o.id)
	}
	o.c.mu.Unlock()
	o.c.rules.ended(o.id)
}

type operationKey struct{}

// Pusher is a subscription's hand on its socket: its resolver's channel is
// read only when Push is called, once for each value sent to it and once
// after it is closed, and the result is written on the caller's goroutine.
type Pusher struct{ o *operation }

// PusherFor makes the subscription running in ctx a pushed one. It reports
// false outside a WebSocket operation. Call it from the resolver.
func PusherFor(ctx context.Context) (Pusher, bool) {
	o, ok := ctx.Value(operationKey{}).(*operation)
	if !ok {
		return Pusher{}, false
	}
	o.pushed = true // o.mu is held: the resolver runs inside run
	return Pusher{o}, true
}

// Abandon undoes PusherFor when the resolver fails after all, so its error
// is answered like any other. Call it from the resolver.
func (p Pusher) Abandon() { p.o.pushed = false }

// Push sends the next result.
func (p Pusher) Push() {
	p.o.mu.Lock()
	defer p.o.mu.Unlock()
	p.o.next()
}

// Close closes the socket the operation in ctx runs on, if any.
func Close(ctx context.Context, code int, reason string) {
	if o, ok := ctx.Value(operationKey{}).(*operation); ok {
		o.c.closeWith(code, reason)
	}
}
