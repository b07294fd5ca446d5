package realtime_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/convene/convene/realtime"
)

// conformance is what every Broker must do; each implementation runs it.
func conformance(t *testing.T, newBroker func(t *testing.T) realtime.Broker) {
	t.Run("delivers in order to every subscriber of the topic, and only to them", func(t *testing.T) {
		b := newBroker(t)
		ctx := t.Context()
		a1 := subscribe(t, ctx, b, "user:1")
		a2 := subscribe(t, ctx, b, "user:1")
		other := subscribe(t, ctx, b, "user:2")
		for i := range 3 {
			if err := b.Publish(ctx, "user:1", []byte(fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
		}
		for _, s := range []*inbox{a1, a2} {
			for i := range 3 {
				if got := receive(t, s); got != fmt.Sprint(i) {
					t.Fatalf("message %d: %q", i, got)
				}
			}
		}
		select {
		case m := <-other.Messages:
			t.Fatalf("user:2 received %q, meant for user:1", m)
		case <-time.After(100 * time.Millisecond):
		}
	})
	t.Run("a subscription ends with its context", func(t *testing.T) {
		b := newBroker(t)
		ctx, cancel := context.WithCancel(t.Context())
		s := subscribe(t, ctx, b, "user:1")
		cancel()
		waitClosed(t, s)
		if s.Err() != nil {
			t.Fatalf("Err after cancel: %v", s.Err())
		}
	})
	t.Run("a reader that falls behind is cut off; the publisher never waits", func(t *testing.T) {
		b := newBroker(t)
		ctx := t.Context()
		slow := subscribe(t, ctx, b, "user:1")
		fast := subscribe(t, ctx, b, "user:1")
		var read atomic.Int64
		go func() { // the fast reader keeps up
			for range fast.Messages {
				read.Add(1)
			}
		}()
		// The test paces itself on the fast reader (never on the slow one), so
		// only a reader that stops reading can fall behind.
		var slowest time.Duration
		for i := range 1000 {
			start := time.Now()
			_ = b.Publish(ctx, "user:1", []byte(fmt.Sprint(i)))
			slowest = max(slowest, time.Since(start))
			for deadline := time.Now().Add(5 * time.Second); read.Load() < int64(i-16) && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
		}
		for deadline := time.Now().Add(10 * time.Second); read.Load() < 1000 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		if n := read.Load(); n != 1000 {
			t.Fatalf("the fast reader got %d of 1,000: %v", n, fast.Err())
		}
		if slowest > time.Second {
			t.Fatalf("a publish took %s: a reader held the publisher", slowest)
		}
		waitClosed(t, slow)
		if !errors.Is(slow.Err(), realtime.ErrSlowConsumer) {
			t.Fatalf("slow reader ended with %v", slow.Err())
		}
		if fast.Err() != nil {
			t.Fatalf("the fast reader was cut off too: %v", fast.Err())
		}
	})
}

// inbox receives a subscription's messages on an unbuffered channel, so a
// test that stops reading holds up delivery the way a stuck client would.
type inbox struct {
	Messages chan []byte
	err      error // set before Messages is closed
}

func subscribe(t testing.TB, ctx context.Context, b realtime.Broker, topic string) *inbox {
	t.Helper()
	in := &inbox{Messages: make(chan []byte)}
	err := b.Subscribe(ctx, topic, realtime.Receiver{
		Deliver: func(p []byte) { in.Messages <- p },
		Ended:   func(why error) { in.err = why; close(in.Messages) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func (in *inbox) Err() error { return in.err }

func receive(t *testing.T, s *inbox) string {
	t.Helper()
	select {
	case m, ok := <-s.Messages:
		if !ok {
			t.Fatalf("subscription closed: %v", s.Err())
		}
		return string(m)
	case <-time.After(5 * time.Second):
		t.Fatal("no message within 5 s")
	}
	return ""
}

func waitClosed(t *testing.T, s *inbox) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-s.Messages:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("subscription still open after 5 s")
		}
	}
}

func TestMemoryConformance(t *testing.T) {
	conformance(t, func(*testing.T) realtime.Broker { return realtime.NewMemory() })
}

func TestMemoryLeaksNothing(t *testing.T) {
	b := realtime.NewMemory()
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(t.Context())
	for i := range 1024 {
		subscribe(t, ctx, b, fmt.Sprintf("user:%d", i%16))
	}
	if during := runtime.NumGoroutine(); during > before+5 {
		t.Fatalf("1,024 subscriptions hold %d goroutines", during-before)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for b.Subscribers() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := b.Subscribers(); n != 0 {
		t.Fatalf("%d subscribers left after their contexts ended", n)
	}
	if after := runtime.NumGoroutine(); after > before+5 {
		t.Fatalf("%d goroutines left", after-before)
	}
}
