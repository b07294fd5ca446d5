package realtime

import (
	"context"
	"sync"
	"sync/atomic"
)

// bufferSize is how many messages a subscriber may have waiting. Notices
// come a few a minute per user, so 64 only fills when a client stopped
// reading; then it is cut off rather than holding memory or a publisher.
const bufferSize = 64

// Memory is a Broker inside one process.
type Memory struct {
	mu     sync.RWMutex
	topics map[string]map[*subscriber]struct{}
	cutOff atomic.Int64
}

type subscriber struct {
	ch   chan []byte
	err  error // written before ch is closed
	stop func() bool
}

// NewMemory returns an empty in-process broker.
func NewMemory() *Memory { return &Memory{topics: map[string]map[*subscriber]struct{}{}} }

// Subscribe implements Broker. The subscription ends when ctx does, with no
// goroutine waiting for it meanwhile.
func (m *Memory) Subscribe(ctx context.Context, topic string) (*Subscription, error) {
	s := &subscriber{ch: make(chan []byte, bufferSize)}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.topics[topic] == nil {
		m.topics[topic] = map[*subscriber]struct{}{}
	}
	m.topics[topic][s] = struct{}{}
	// Registered under the lock: remove, which reads stop, waits for it.
	s.stop = context.AfterFunc(ctx, func() { m.remove(topic, s, nil) })
	return &Subscription{Messages: s.ch, sub: s}, nil
}

// Publish implements Broker. Sends happen under the read lock and closes
// under the write lock, so no message is sent on a closed channel.
func (m *Memory) Publish(_ context.Context, topic string, payload []byte) error {
	var behind []*subscriber
	m.mu.RLock()
	for s := range m.topics[topic] {
		select {
		case s.ch <- payload:
		default:
			behind = append(behind, s)
		}
	}
	m.mu.RUnlock()
	for _, s := range behind {
		if m.remove(topic, s, ErrSlowConsumer) {
			m.cutOff.Add(1)
		}
	}
	return nil
}

// remove ends a subscription once, reporting whether this call ended it.
func (m *Memory) remove(topic string, s *subscriber, why error) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.topics[topic][s]; !ok {
		return false
	}
	delete(m.topics[topic], s)
	if len(m.topics[topic]) == 0 {
		delete(m.topics, topic)
	}
	s.end(why)
	return true
}

// CutOff counts the subscribers cut off for falling behind.
func (m *Memory) CutOff() int64 { return m.cutOff.Load() }

// Subscribers counts live subscriptions, for leak tests and metrics.
func (m *Memory) Subscribers() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, subs := range m.topics {
		n += len(subs)
	}
	return n
}

// endAll ends every subscription with why.
func (m *Memory) endAll(why error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for topic, subs := range m.topics {
		for s := range subs {
			s.end(why)
		}
		delete(m.topics, topic)
	}
}

// end closes the subscriber's stream; the caller holds the write lock.
func (s *subscriber) end(why error) {
	s.err = why
	close(s.ch)
	s.stop() // no-op when its context already ended
}
