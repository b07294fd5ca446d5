// Package realtime carries notices to subscribers: published on a topic
// ("user:42", "room:7"), delivered to that topic's subscribers. A Broker may
// live in one process (Memory) or span replicas.
package realtime

import (
	"context"
	"errors"
)

// Broker delivers what is published on a topic to its subscribers.
type Broker interface {
	// Publish hands payload to every subscriber of topic. It never waits for
	// a subscriber: one that has fallen behind is cut off instead.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe hands topic's messages to r until ctx ends.
	Subscribe(ctx context.Context, topic string, r Receiver) error
}

// Receiver takes one subscription's messages. An idle subscription holds no
// goroutine: ten thousand sockets waiting for a notice cost only memory.
type Receiver struct {
	// Deliver is called with each message, in publishing order, one call at
	// a time, on a goroutine that lives while messages wait. A Deliver that
	// is slower than the publisher lets messages queue up to a bound; past
	// it the subscription is cut off with ErrSlowConsumer.
	Deliver func(payload []byte)
	// Ended, if set, is called once after the last Deliver: why is nil when
	// ctx ended, ErrSlowConsumer or ErrMissedNotices otherwise.
	Ended func(why error)
}

// ErrSlowConsumer ends a subscription whose reader fell too far behind. Its
// client should reconnect and catch up from stored state (notifications).
var ErrSlowConsumer = errors.New("realtime: subscriber fell behind and was cut off")
