package graph

import (
	"context"
	"encoding/json"
	"slices"
	"sync"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent/room"
	"github.com/convene/convene/realtime"
	"github.com/convene/convene/viewer"
)

// closeTryAgainLater (RFC 6455 1013) closes the socket of a subscriber that
// fell behind or whose notices were lost: the client reconnects and catches
// up from stored state.
const closeTryAgainLater = 1013

// streamBuffer lets a subscription's sender run a few notices ahead of the
// socket writer; the broker's own buffer absorbs the rest.
const streamBuffer = 8

// stream subscribes to topics and sends each notice, turned by load into
// what the client sees, until ctx ends. load reports false for a notice the
// subscriber may not see or that is gone.
func stream[N, T any](ctx context.Context, broker realtime.Broker, topics []string, load func(context.Context, N) (T, bool)) (<-chan T, error) {
	subs := make([]*realtime.Subscription, 0, len(topics))
	for _, topic := range topics {
		sub, err := broker.Subscribe(ctx, topic)
		if err != nil {
			return nil, err
		}
		subs = append(subs, sub)
	}
	out := make(chan T, streamBuffer)
	var wg sync.WaitGroup
	for _, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			forward(ctx, sub, out, load)
		}()
	}
	go func() { wg.Wait(); close(out) }()
	return out, nil
}

func forward[N, T any](ctx context.Context, sub *realtime.Subscription, out chan<- T, load func(context.Context, N) (T, bool)) {
	for raw := range sub.Messages {
		var notice N
		if json.Unmarshal(raw, &notice) != nil {
			continue
		}
		v, ok := load(ctx, notice)
		if !ok {
			continue
		}
		select {
		case out <- v:
		case <-ctx.Done():
			return
		}
	}
	if err := sub.Err(); err != nil { // fell behind, or notices were missed
		closeSocket(ctx, closeTryAgainLater, "reconnect and catch up: "+err.Error())
	}
}

type socketKey struct{}

// socketRef lets a resolver reach the WebSocket its operation runs on.
type socketRef struct {
	mu   sync.Mutex
	conn *gorillaConn
}

func withSocketRef(ctx context.Context) context.Context {
	return context.WithValue(ctx, socketKey{}, &socketRef{})
}

func (r *socketRef) set(c *gorillaConn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conn = c
}

// closeSocket closes the operation's WebSocket with code, if it has one.
func closeSocket(ctx context.Context, code int, reason string) {
	ref, ok := ctx.Value(socketKey{}).(*socketRef)
	if !ok {
		return
	}
	ref.mu.Lock()
	c := ref.conn
	ref.mu.Unlock()
	if c != nil {
		c.closeWith(code, reason)
	}
}

// calendarTopics are the viewer's own calendar, or the given rooms' once
// each is known to be the viewer's company's.
func (r *Resolver) calendarTopics(ctx context.Context, rooms []int) ([]string, error) {
	if len(rooms) == 0 {
		v, _ := viewer.FromContext(ctx)
		if v.UserID == 0 {
			return nil, apperr.Invalid("rooms", "an API token has no calendar of its own: name rooms")
		}
		return []string{realtime.UserTopic(v.UserID)}, nil
	}
	rooms = slices.Compact(slices.Sorted(slices.Values(rooms)))
	known, err := r.Client.Room.Query().Where(room.IDIn(rooms...)).Count(ctx)
	if err != nil {
		return nil, err
	}
	if known != len(rooms) {
		return nil, apperr.Invalid("rooms", "no such room in your company")
	}
	topics := make([]string, len(rooms))
	for i, id := range rooms {
		topics[i] = realtime.RoomTopic(id)
	}
	return topics, nil
}
