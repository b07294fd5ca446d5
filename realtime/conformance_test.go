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
		a1, _ := b.Subscribe(ctx, "user:1")
		a2, _ := b.Subscribe(ctx, "user:1")
		other, _ := b.Subscribe(ctx, "user:2")
		for i := range 3 {
			if err := b.Publish(ctx, "user:1", []byte(fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
		}
		for _, s := range []*realtime.Subscription{a1, a2} {
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
		s, _ := b.Subscribe(ctx, "user:1")
		cancel()
		waitClosed(t, s)
		if s.Err() != nil {
			t.Fatalf("Err after cancel: %v", s.Err())
		}
	})
	t.Run("a reader that falls behind is cut off; the publisher never waits", func(t *testing.T) {
		b := newBroker(t)
		ctx := t.Context()
		slow, _ := b.Subscribe(ctx, "user:1")
		fast, _ := b.Subscribe(ctx, "user:1")
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

func receive(t *testing.T, s *realtime.Subscription) string {
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

func waitClosed(t *testing.T, s *realtime.Subscription) {
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
		if _, err := b.Subscribe(ctx, fmt.Sprintf("user:%d", i%16)); err != nil {
			t.Fatal(err)
		}
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
