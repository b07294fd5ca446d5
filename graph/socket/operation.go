package socket

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
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
	pushed    bool   // results arrive through Pusher
	shape     string // a subscription's text and variables, hashed: see PushShared
	prefix    []byte // what comes before each result's payload, once there is one
	done      bool
}

// start runs an operation on its own goroutine, so the reader keeps reading
// and its stack stays small.
func (c *conn) start(id string, raw json.RawMessage) {
	c.mu.Lock()
	o := &operation{id: id, c: c}
	o.ctx, o.cancel = context.WithCancel(c.opCtx)
	c.ops = append(c.ops, o)
	c.mu.Unlock()
	go o.run(raw)
}

// stop ends an operation the client completed; nothing more is sent for it.
func (c *conn) stop(id string) {
	c.mu.Lock()
	var o *operation
	if i := slices.IndexFunc(c.ops, func(o *operation) bool { return o.id == id }); i >= 0 {
		o = c.ops[i]
		c.ops = slices.Delete(c.ops, i, i+1)
	}
	c.mu.Unlock()
	if o != nil {
		o.cancel()
	}
}

func (o *operation) run(raw json.RawMessage) {
	o.mu.Lock()
	defer o.mu.Unlock()
	rc, ok := o.operationContext(raw)
	if !ok {
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

// operationContext makes the operation's context from its payload, or
// shares the one of a running subscription sent with the same payload. It
// answers an operation that cannot be made with its errors.
func (o *operation) operationContext(raw json.RawMessage) (*graphql.OperationContext, bool) {
	contexts := &o.c.t.contexts
	if sc := contexts.get(o.ctx, raw); sc != nil {
		o.shape = sc.shape
		return sc.rc, true
	}
	start := graphql.Now()
	var params graphql.RawParams
	if err := json.Unmarshal(raw, &params); err != nil {
		o.fail(gqlerror.List{gqlerror.Errorf("invalid operation payload: %s", err)})
		return nil, false
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, errs := o.c.exec.CreateOperationContext(o.ctx, &params)
	if errs != nil {
		o.fail(o.c.exec.DispatchError(graphql.WithOperationContext(o.ctx, rc), errs).Errors)
		return nil, false
	}
	if rc.Operation.Operation != ast.Subscription {
		return rc, true
	}
	sc := contexts.put(o.ctx, &sharedContext{payload: string(raw), rc: rc, shape: shapeOf(rc)})
	o.shape = sc.shape
	return sc.rc, true
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
	o.sendResult(res)
	return true
}

// sendResult sends a response, encoded straight into the socket's pooled
// buffer.
func (o *operation) sendResult(res *graphql.Response) {
	o.c.send(func(w io.Writer) error {
		return o.frame(w, func(w io.Writer) error { return json.NewEncoder(w).Encode(res) })
	})
}

// frame wraps a result's payload in the protocol's message by hand: it is
// the message sent to every subscriber, so it is made with as little
// garbage as it can be.
func (o *operation) frame(w io.Writer, payload func(io.Writer) error) error {
	if o.prefix == nil {
		id, _ := json.Marshal(o.id)
		o.prefix = fmt.Appendf(nil, `{"id":%s,"type":"%s","payload":`, id, o.c.rules.next)
	}
	if _, err := w.Write(o.prefix); err != nil {
		return err
	}
	if err := payload(w); err != nil {
		return err
	}
	_, err := io.WriteString(w, "}")
	return err
}

// shapeOf names everything of an operation that its results depend on,
// besides the values pushed to it: its text, its name and its variables.
func shapeOf(rc *graphql.OperationContext) string {
	vars, _ := json.Marshal(rc.Variables) // maps marshal with sorted keys
	h := sha256.New()
	for _, part := range [][]byte{[]byte(rc.RawQuery), []byte(rc.OperationName), vars} {
		_ = binary.Write(h, binary.BigEndian, uint64(len(part)))
		h.Write(part)
	}
	return string(h.Sum(nil))
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
	o.c.ops = slices.DeleteFunc(o.c.ops, func(running *operation) bool { return running == o })
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

// PushShared sends the next result like Push, but makes it once for every
// subscription with the same text and variables that pushes the same
// notice in the same scope while it is fresh. Notice and scope must name
// everything else the result depends on: what happened, and whose view of
// it (a company's, when every field selected reads alike for all its
// people). fill puts the value in the resolver's channel, reporting false
// if it could not; it is called only when this operation makes the result.
func (p Pusher) PushShared(scope string, notice []byte, fill func() bool) {
	o := p.o
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return
	}
	var mine *graphql.Response
	made := false
	payload := o.c.t.renders.Get(o.shape+scope+string(notice), func() ([]byte, bool) {
		made = true
		if !fill() {
			return nil, false
		}
		if mine = o.responses(o.resCtx); mine == nil {
			o.finish()
			return nil, false
		}
		if len(mine.Errors) > 0 {
			return nil, false // errors are nobody else's: each makes their own
		}
		raw, _ := json.Marshal(mine)
		return raw, true
	})
	switch {
	case payload != nil:
		o.c.send(func(w io.Writer) error {
			return o.frame(w, func(w io.Writer) error { _, err := w.Write(payload); return err })
		})
	case made && mine != nil:
		o.sendResult(mine)
	case !made && fill(): // the result made meanwhile was not for sharing
		o.next()
	}
}

// Close closes the socket the operation in ctx runs on, if any.
func Close(ctx context.Context, code int, reason string) {
	if o, ok := ctx.Value(operationKey{}).(*operation); ok {
		o.c.closeWith(code, reason)
	}
}
