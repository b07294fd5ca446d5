package media_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/convene/convene/calls/media"
	"github.com/convene/convene/calls/media/mediatest"
)

// join connects c to the call as user, straight to the SFU, and keeps the
// signals flowing both ways until the test ends; the SFU's latest offer to
// c is kept in lastOffer.
func join(t *testing.T, s *media.SFU, callID, user int, c *mediatest.Client, lastOffer *atomic.Value) {
	t.Helper()
	signals, cancel := s.Signals(callID, user)
	t.Cleanup(cancel)
	offer, err := c.Offer()
	if err != nil {
		t.Fatal(err)
	}
	answer, err := s.Join(callID, user, offer)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Accept(answer); err != nil {
		t.Fatal(err)
	}
	go func() {
		for cand := range c.Candidates {
			_ = s.Candidate(callID, user, cand)
		}
	}()
	go func() {
		for sig := range signals {
			if sig.Offer != "" {
				lastOffer.Store(sig.Offer)
			}
			_ = c.Signal(sig, func(a string) error { return s.Answer(callID, user, a) })
		}
	}()
	c.Talk()
}

func TestThreePeersHearEachOtherUntilTheLastLeaves(t *testing.T) {
	s, err := media.New(media.Config{LoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	clients := map[int]*mediatest.Client{}
	offers := map[int]*atomic.Value{}
	for _, u := range []int{1, 2, 3} {
		c, err := mediatest.New()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		clients[u], offers[u] = c, &atomic.Value{}
		join(t, s, 7, u, c, offers[u])
	}
	mustHear(t, clients[1], nil, 10, 2, 3)
	mustHear(t, clients[2], nil, 10, 1, 3)
	mustHear(t, clients[3], nil, 10, 1, 2)
	if got := clients[1].Received()["user-1"]; got != 0 {
		t.Errorf("user 1 heard themselves %d times", got)
	}

	if offer, _ := offers[1].Load().(string); !strings.Contains(offer, "msid:user-3 ") {
		t.Fatalf("user 1 was never offered user 3's audio:\n%s", offer)
	}
	if left := s.Leave(7, 3); left != 2 {
		t.Errorf("%d still on the call after one left of three", left)
	}
	_ = clients[3].Close()
	for _, u := range []int{1, 2} { // renegotiated: user 3's audio is no longer offered
		deadline := time.Now().Add(5 * time.Second)
		for strings.Contains(offers[u].Load().(string), "msid:user-3 ") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if strings.Contains(offers[u].Load().(string), "msid:user-3 ") {
			t.Errorf("user %d is still offered user 3's audio", u)
		}
	}
	before1, before2 := clients[1].Received(), clients[2].Received()
	mustHear(t, clients[1], before1, 25, 2)
	mustHear(t, clients[2], before2, 25, 1)

	s.Leave(7, 2)
	if left := s.Leave(7, 1); left != 0 {
		t.Errorf("after everyone left: %d", left)
	}
	if err := s.Answer(7, 1, "v=0"); err != media.ErrNotJoined {
		t.Errorf("an answer after leaving: %v", err)
	}
}

func mustHear(t *testing.T, c *mediatest.Client, before map[string]int, n int, users ...int) {
	t.Helper()
	if err := c.WaitToHear(before, n, users...); err != nil {
		t.Fatal(err)
	}
}
