package coalesce

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestConcurrentCallersShareOneMake(t *testing.T) {
	c := New[int](time.Minute)
	var made atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	got := make([]int, 50)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = c.Get("k", func() (int, bool) { made.Add(1); <-release; return 42, true })
		}()
	}
	time.Sleep(20 * time.Millisecond) // let them all wait on the first
	close(release)
	wg.Wait()
	for i, v := range got {
		if v != 42 {
			t.Fatalf("caller %d got %d", i, v)
		}
	}
	if n := made.Load(); n != 1 {
		t.Fatalf("made %d times, want 1", n)
	}
	if v := c.Get("k", func() (int, bool) { return 7, true }); v != 42 {
		t.Fatalf("a later caller within the ttl got %d, want the kept 42", v)
	}
	if v := c.Get("other", func() (int, bool) { return 7, true }); v != 7 {
		t.Fatalf("another key got %d", v)
	}
}

func TestValuesNotToKeepAreMadeAgain(t *testing.T) {
	c := New[int](time.Minute)
	c.Get("k", func() (int, bool) { return 1, false })
	if v := c.Get("k", func() (int, bool) { return 2, true }); v != 2 {
		t.Fatalf("got %d, want a value made anew", v)
	}
}

func TestExpiredValuesAreMadeAgainAndSwept(t *testing.T) {
	c := New[string](10 * time.Millisecond)
	c.Get("a", func() (string, bool) { return "first", true })
	time.Sleep(20 * time.Millisecond)
	if v := c.Get("a", func() (string, bool) { return "second", true }); v != "second" {
		t.Fatalf("after the ttl got %q, want a new value", v)
	}
	time.Sleep(20 * time.Millisecond)
	c.Get("b", func() (string, bool) { return "", true })
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.done["a"]; ok || len(c.done) != 1 {
		t.Fatalf("expired entries were kept: %v", c.done)
	}
}
