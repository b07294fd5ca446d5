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
	// Subscribe delivers topic's messages until ctx ends.
	Subscribe(ctx context.Context, topic string) (*Subscription, error)
}

// ErrSlowConsumer ends a subscription whose reader fell too far behind. Its
// client should reconnect and catch up from stored state (notifications).
var ErrSlowConsumer = errors.New("realtime: subscriber fell behind and was cut off")

// Subscription is one subscriber's stream.
type Subscription struct {
	// Messages delivers payloads in publishing order; it is closed when the
	// subscription ends.
	Messages <-chan []byte
	sub      *subscriber
}

// Err says why Messages was closed: nil when the context ended,
// ErrSlowConsumer when the reader fell behind.
func (s *Subscription) Err() error { return s.sub.err }
