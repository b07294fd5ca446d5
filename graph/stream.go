package graph

import (
	"context"
	"encoding/json"
	"slices"
	"sync"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/calls"
	"github.com/convene/convene/calls/media"
	"github.com/convene/convene/discussion"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/channel"
	"github.com/convene/convene/ent/room"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/graph/socket"
	"github.com/convene/convene/realtime"
	"github.com/convene/convene/viewer"
)

// verdict is what a stream does with a notice.
type verdict int

const (
	send verdict = iota // send it to the client
	skip                // not for this subscriber, or gone
	stop                // end the subscription (the subscriber lost access)
)

// stream subscribes to topics and sends each notice, turned by load into
// what the client sees, until ctx (the operation's) ends or load says
// stop. Nothing waits meanwhile: the broker delivers on a goroutine of its
// own, and that goroutine loads the notice and writes it to the socket.
//
// shared says that what load makes of a notice is the same for everyone in
// the company (the notice names a version, so it stays true while the
// result is kept). Then subscribers whose operations are alike and read
// only what everyone in a company sees alike get one result between them:
// the first loads and renders it, the others write it as it is.
func stream[N, T any](ctx context.Context, broker realtime.Broker, topics []string, load func(context.Context, N) (T, verdict), shared bool) (<-chan T, error) {
	pusher, ok := socket.PusherFor(ctx)
	if !ok {
		return nil, apperr.New(apperr.BadUserInput, "subscriptions run over WebSocket")
	}
	// Each topic's deliveries run one at a time, and each value is pushed
	// before the next is made: one slot per topic, one for the close.
	p := &pipe[T]{out: make(chan T, len(topics)+1), pusher: pusher}
	fill := func(raw []byte) bool {
		var notice N
		if json.Unmarshal(raw, &notice) != nil {
			return false
		}
		switch v, what := load(ctx, notice); what {
		case send:
			return p.put(v)
		case stop:
			p.close() // the operation completes; its context's end ends every topic
		}
		return false
	}
	deliver := func(raw []byte) {
		if fill(raw) {
			pusher.Push()
		}
	}
	if shared && companyWide(ctx) {
		scope := companyKey(ctx, "")
		deliver = func(raw []byte) { pusher.PushShared(scope, raw, func() bool { return fill(raw) }) }
	}
	r := realtime.Receiver{
		Deliver: deliver,
		Ended: func(why error) {
			if why != nil { // fell behind, or notices were missed
				socket.Close(ctx, socket.CloseTryAgainLater, "reconnect and catch up: "+why.Error())
			}
		},
	}
	for _, topic := range topics {
		if err := broker.Subscribe(ctx, topic, r); err != nil {
			pusher.Abandon() // the error completes the operation, which ends what began
			return nil, err
		}
	}
	return p.out, nil
}

// pipe is a stream's channel, which gqlgen reads when the pusher asks.
type pipe[T any] struct {
	pusher socket.Pusher
	mu     sync.Mutex
	out    chan T
	closed bool
}

// put hands v to gqlgen, reporting false once the operation is over.
func (p *pipe[T]) put(v T) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	select {
	case p.out <- v: // a slot per topic: taken unless the operation is over
		return true
	default:
		return false
	}
}

func (p *pipe[T]) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.out)
	p.mu.Unlock()
	p.pusher.Push()
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

// channelPosts streams one kind of post notice of a channel the viewer is a
// member of, and ends when the viewer is removed from it.
func (r *Resolver) channelPosts(ctx context.Context, channelID int, kind string) (<-chan *ent.Post, error) {
	v, _ := viewer.FromContext(ctx)
	member, err := r.Client.Channel.Query().
		Where(channel.ID(channelID), channel.HasMembersWith(user.ID(v.UserID))).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if !member {
		return nil, apperr.Invalid("channel", "you are not a member of this channel")
	}
	return stream(ctx, r.Broker, []string{realtime.ChannelTopic(channelID)}, func(ctx context.Context, n realtime.ChannelPost) (*ent.Post, verdict) {
		switch {
		case n.Kind == discussion.MemberRemoved && n.UserID == v.UserID:
			return nil, stop
		case n.Kind != kind:
			return nil, skip
		}
		p, err := r.Client.Post.Get(ctx, n.PostID) // as the subscriber: members only
		if err != nil {
			return nil, skip
		}
		return p, send
	}, false) // who may read a post depends on the member
}

// myNotices streams the signed-in employee's own notices through load.
func myNotices[T any](ctx context.Context, r *Resolver, load func(context.Context, realtime.NotificationAdded) (T, verdict)) (<-chan T, error) {
	v, _ := viewer.FromContext(ctx)
	if v.UserID == 0 {
		return nil, apperr.New(apperr.Unauthenticated, "notices are for a signed-in employee, not an API token")
	}
	return stream(ctx, r.Broker, []string{realtime.NoticeTopic(v.UserID)}, load, false) // one reader each
}

// calls streams the calls named by a topic's notices.
func (r *Resolver) calls(ctx context.Context, topic string) (<-chan *ent.Call, error) {
	return stream(ctx, r.Broker, []string{topic}, func(ctx context.Context, n realtime.CallChanged) (*ent.Call, verdict) {
		c, err := r.Client.Call.Get(ctx, n.CallID) // as the subscriber: privacy applies
		if err != nil {
			return nil, skip
		}
		return c, send
	}, false) // calls are few and their readers fewer
}

// companyStream is a company-wide topic, for integrator tokens and admins.
func companyStream(ctx context.Context, name string) (string, error) {
	v, _ := viewer.FromContext(ctx)
	if v.Role != viewer.Integrator && !v.IsAdmin() {
		return "", apperr.New(apperr.Forbidden, "company-wide streams are for integrator tokens and admins")
	}
	return realtime.CompanyTopic(v.CompanyID, name), nil
}

// callUpdatesTopic is one call's topic, if the viewer may see the call, or
// without a call the viewer's own call updates.
func (r *Resolver) callUpdatesTopic(ctx context.Context, callID *int) (string, error) {
	if callID != nil {
		if _, err := r.Client.Call.Get(ctx, *callID); err != nil { // the viewer's company's call, or NOT_FOUND
			return "", err
		}
		return realtime.CallTopic(*callID), nil
	}
	v, _ := viewer.FromContext(ctx)
	if v.UserID == 0 {
		return "", apperr.New(apperr.Unauthenticated, "your own call updates are a signed-in employee's; integrators use callEvents")
	}
	return realtime.AgentTopic(v.UserID), nil
}

func (r *Resolver) callUpdates(ctx context.Context, topic string) (<-chan *calls.Update, error) {
	v, _ := viewer.FromContext(ctx)
	return stream(ctx, r.Broker, []string{topic}, func(ctx context.Context, n realtime.CallChanged) (*calls.Update, verdict) {
		u := &calls.Update{Change: calls.Change(n.Kind)}
		if n.CallID != 0 {
			c, err := r.Client.Call.Get(ctx, n.CallID)
			if err != nil {
				return nil, skip
			}
			u.Call = c
		}
		if v.UserID != 0 {
			u.Agent, _ = r.Calling.Agent(ctx) // the call is news even if the settings cannot be read
		}
		return u, send
	}, false)
}

// relaySignals hands the SFU's signals to a subscription until it ends,
// after an empty one that says the subscription is listening: a client
// joins the media once it has that, and misses none of the server's.
func relaySignals(ctx context.Context, signals <-chan media.Signal, cancel func()) <-chan *media.Signal {
	out := make(chan *media.Signal, 1)
	out <- &media.Signal{}
	go func() {
		defer close(out)
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-signals:
				select {
				case out <- &s:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}
