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

// NewMemory returns an empty in-process broker.
func NewMemory() *Memory { return &Memory{topics: map[string]map[*subscriber]struct{}{}} }

// Subscribe implements Broker. The subscription ends when ctx does, with no
// goroutine waiting for it meanwhile.
func (m *Memory) Subscribe(ctx context.Context, topic string, r Receiver) error {
	s := &subscriber{r: r}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.topics[topic] == nil {
		m.topics[topic] = map[*subscriber]struct{}{}
	}
	m.topics[topic][s] = struct{}{}
	// Registered under the lock: remove, which reads stop, waits for it.
	s.stop = context.AfterFunc(ctx, func() { m.remove(topic, s, nil) })
	return nil
}

// Publish implements Broker. It only queues: each subscriber's messages are
// delivered on a goroutine of its own.
func (m *Memory) Publish(_ context.Context, topic string, payload []byte) error {
	var behind []*subscriber
	m.mu.RLock()
	for s := range m.topics[topic] {
		if !s.queue(payload) {
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

// subscriber is one subscription's mailbox: messages wait in pending while
// a goroutine, started only when there is something to deliver, hands them
// to the receiver.
type subscriber struct {
	r    Receiver
	stop func() bool

	mu      sync.Mutex
	pending [][]byte
	running bool  // a goroutine is delivering
	ended   bool  // no more messages; Ended is due
	why     error // what Ended is told
}

// queue adds a message, reporting false when the mailbox is full.
func (s *subscriber) queue(payload []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return true
	}
	if len(s.pending) >= bufferSize {
		return false
	}
	s.pending = append(s.pending, payload)
	s.wake()
	return true
}

// end drops what waits and has the receiver told why.
func (s *subscriber) end(why error) {
	s.stop() // no-op when its context already ended
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.ended, s.why, s.pending = true, why, nil
	s.wake()
}

// wake starts the delivering goroutine unless it runs; s.mu is held.
func (s *subscriber) wake() {
	if !s.running {
		s.running = true
		go s.deliver()
	}
}

func (s *subscriber) deliver() {
	for {
		s.mu.Lock()
		if s.ended {
			// running stays true, so no goroutine starts after this one.
			s.mu.Unlock()
			if s.r.Ended != nil {
				s.r.Ended(s.why)
			}
			return
		}
		if len(s.pending) == 0 {
			s.running = false
			s.pending = nil // an idle subscriber keeps no buffer
			s.mu.Unlock()
			return
		}
		payload := s.pending[0]
		s.pending = s.pending[1:]
		s.mu.Unlock()
		s.r.Deliver(payload)
	}
}
