package graph

import (
	"context"
	"encoding/json"
	"slices"
	"sync"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/discussion"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/channel"
	"github.com/convene/convene/ent/room"
	"github.com/convene/convene/ent/user"
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

// verdict is what a stream does with a notice.
type verdict int

const (
	send verdict = iota // send it to the client
	skip                // not for this subscriber, or gone
	stop                // end the subscription (the subscriber lost access)
)

// stream subscribes to topics and sends each notice, turned by load into
// what the client sees, until ctx ends or load says stop.
func stream[N, T any](ctx context.Context, broker realtime.Broker, topics []string, load func(context.Context, N) (T, verdict)) (<-chan T, error) {
	ctx, cancel := context.WithCancel(ctx)
	subs := make([]*realtime.Subscription, 0, len(topics))
	for _, topic := range topics {
		sub, err := broker.Subscribe(ctx, topic)
		if err != nil {
			cancel()
			return nil, err
		}
		subs = append(subs, sub)
	}
	out := make(chan T, streamBuffer)
	if len(subs) == 1 { // the usual case: one goroutine, no closer beside it
		go func() {
			defer close(out)
			defer cancel()
			forward(ctx, subs[0], out, load)
		}()
		return out, nil
	}
	var wg sync.WaitGroup
	for _, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if forward(ctx, sub, out, load) == stop {
				cancel() // ends the other topics' subscriptions too
			}
		}()
	}
	go func() { wg.Wait(); cancel(); close(out) }()
	return out, nil
}

func forward[N, T any](ctx context.Context, sub *realtime.Subscription, out chan<- T, load func(context.Context, N) (T, verdict)) verdict {
	for raw := range sub.Messages {
		var notice N
		if json.Unmarshal(raw, &notice) != nil {
			continue
		}
		v, what := load(ctx, notice)
		switch what {
		case skip:
			continue
		case stop:
			return stop
		}
		select {
		case out <- v:
		case <-ctx.Done():
			return skip
		}
	}
	if err := sub.Err(); err != nil { // fell behind, or notices were missed
		closeSocket(ctx, closeTryAgainLater, "reconnect and catch up: "+err.Error())
	}
	return skip
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
	})
}

// myNotices streams the signed-in employee's own notices through load.
func myNotices[T any](ctx context.Context, r *Resolver, load func(context.Context, realtime.NotificationAdded) (T, verdict)) (<-chan T, error) {
	v, _ := viewer.FromContext(ctx)
	if v.UserID == 0 {
		return nil, apperr.New(apperr.Unauthenticated, "notices are for a signed-in employee, not an API token")
	}
	return stream(ctx, r.Broker, []string{realtime.NoticeTopic(v.UserID)}, load)
}

// calls streams the calls named by a topic's notices.
func (r *Resolver) calls(ctx context.Context, topic string) (<-chan *ent.Call, error) {
	return stream(ctx, r.Broker, []string{topic}, func(ctx context.Context, n realtime.CallChanged) (*ent.Call, verdict) {
		c, err := r.Client.Call.Get(ctx, n.CallID) // as the subscriber: privacy applies
		if err != nil {
			return nil, skip
		}
		return c, send
	})
}

// companyStream is a company-wide topic, for integrator tokens and admins.
func companyStream(ctx context.Context, name string) (string, error) {
	v, _ := viewer.FromContext(ctx)
	if v.Role != viewer.Integrator && !v.IsAdmin() {
		return "", apperr.New(apperr.Forbidden, "company-wide streams are for integrator tokens and admins")
	}
	return realtime.CompanyTopic(v.CompanyID, name), nil
}
