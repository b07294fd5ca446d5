// Package mediatest is a call participant for tests and benchmarks: a pion
// peer that sends a stream of audio packets and counts what reaches it,
// per sender.
package mediatest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	sfu "github.com/convene/convene/calls/media"
)

// Client is one participant.
type Client struct {
	PC         *webrtc.PeerConnection
	Candidates chan string // the client's ICE candidates, as JSON, to send on
	audio      *webrtc.TrackLocalStaticSample

	mu       sync.Mutex
	received map[string]int           // stream id (user-N) → packets
	delays   map[string]time.Duration // stream id → the sum of send-to-receive times
	done     chan struct{}
	closers  []func() error // what Join opened beside the peer
}

// New returns a client that sends audio, on loopback only.
func New() (*Client, error) {
	api, err := sfu.NewAPI(sfu.Config{LoopbackOnly: true})
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	audio, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "audio", "mic")
	if err != nil {
		return nil, err
	}
	if _, err := pc.AddTrack(audio); err != nil {
		return nil, err
	}
	c := &Client{PC: pc, audio: audio, Candidates: make(chan string, 64), received: map[string]int{},
		delays: map[string]time.Duration{}, done: make(chan struct{})}
	pc.OnICECandidate(func(ic *webrtc.ICECandidate) {
		if ic != nil {
			b, _ := json.Marshal(ic.ToJSON())
			c.Candidates <- string(b)
		}
	})
	pc.OnTrack(c.count)
	return c, nil
}

// Offer is the client's first offer.
func (c *Client) Offer() (string, error) {
	offer, err := c.PC.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	return offer.SDP, c.PC.SetLocalDescription(offer)
}

// Accept takes the SFU's answer to Offer.
func (c *Client) Accept(answer string) error {
	return c.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer})
}

// Signal takes one of the SFU's signals; a new offer is answered, and the
// answer given to reply.
func (c *Client) Signal(s sfu.Signal, reply func(answer string) error) error {
	if s.Candidate != "" {
		var ic webrtc.ICECandidateInit
		if err := json.Unmarshal([]byte(s.Candidate), &ic); err != nil {
			return err
		}
		return c.PC.AddICECandidate(ic)
	}
	if err := c.PC.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: s.Offer}); err != nil {
		return err
	}
	answer, err := c.PC.CreateAnswer(nil)
	if err != nil {
		return err
	}
	if err := c.PC.SetLocalDescription(answer); err != nil {
		return err
	}
	return reply(answer.SDP)
}

// Talk sends a 20 ms audio frame every 20 ms until Close; each frame
// carries the time it was sent, for the receivers to measure the delay.
func (c *Client) Talk() {
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-c.done:
				return
			case <-tick.C:
				frame := binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixNano()))
				_ = c.audio.WriteSample(media.Sample{Data: frame, Duration: 20 * time.Millisecond})
			}
		}
	}()
}

func (c *Client) count(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	for {
		p, _, err := remote.ReadRTP()
		if err != nil {
			return
		}
		c.mu.Lock()
		c.received[remote.StreamID()]++
		if len(p.Payload) == 8 {
			sent := time.Unix(0, int64(binary.BigEndian.Uint64(p.Payload)))
			c.delays[remote.StreamID()] += time.Since(sent)
		}
		c.mu.Unlock()
	}
}

// Received is how many packets came from each sender's stream (user-N).
func (c *Client) Received() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.received))
	for k, v := range c.received {
		out[k] = v
	}
	return out
}

// MeanDelay is the mean time from send to receipt of all packets so far.
func (c *Client) MeanDelay() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum time.Duration
	n := 0
	for k, d := range c.delays {
		sum += d
		n += c.received[k]
	}
	if n == 0 {
		return 0
	}
	return sum / time.Duration(n)
}

// Close stops talking and closes the peer.
func (c *Client) Close() error {
	select {
	case <-c.done:
	default:
		close(c.done)
	}
	for _, closeIt := range c.closers {
		_ = closeIt()
	}
	return c.PC.Close()
}

// WaitToHear waits up to ten seconds until the client has received at
// least n more packets from each of users than it had in before.
func (c *Client) WaitToHear(before map[string]int, n int, users ...int) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := c.Received()
		var missing []string
		for _, u := range users {
			if id := fmt.Sprintf("user-%d", u); got[id]-before[id] < n {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no audio from %v; got %v", missing, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
