// Package media is the selective forwarding unit of in-app calls: each
// participant sends their audio and video once, and the SFU forwards every
// track to everyone else on the call, renegotiating as people come and go.
package media

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// Config says how the SFU reaches peers.
type Config struct {
	// ICEServers are STUN or TURN addresses given to the server's peers,
	// such as stun:stun.example.com:3478; none means host candidates only.
	ICEServers []string
	// UDPPortMin and UDPPortMax bound the ports media uses; 0 means any.
	UDPPortMin, UDPPortMax uint16
	// LoopbackOnly keeps every candidate on 127.0.0.1, for tests and
	// benchmarks that must not send media anywhere else.
	LoopbackOnly bool
}

// Signal is something a peer's client must hear: one of the server's ICE
// candidates, or a new offer when the tracks to forward changed.
type Signal struct {
	Candidate string // RTCIceCandidateInit as JSON
	Offer     string // SDP
}

// ErrNotJoined says a peer sent media signals before joining.
var ErrNotJoined = errors.New("join the call's media first")

// SFU holds the rooms of calls with media in this process.
type SFU struct {
	api    *webrtc.API
	config webrtc.Configuration

	mu    sync.Mutex
	rooms map[int]*room
	hub   hub
}

// New returns an SFU that makes peers as cfg says.
func New(cfg Config) (*SFU, error) {
	api, err := NewAPI(cfg)
	if err != nil {
		return nil, err
	}
	config := webrtc.Configuration{}
	if len(cfg.ICEServers) > 0 {
		config.ICEServers = []webrtc.ICEServer{{URLs: cfg.ICEServers}}
	}
	return &SFU{api: api, config: config, rooms: map[int]*room{}, hub: hub{subs: map[peerKey][]chan Signal{}}}, nil
}

// NewAPI makes peer connections as cfg says; test clients use it too, to
// stay on loopback.
func NewAPI(cfg Config) (*webrtc.API, error) {
	var se webrtc.SettingEngine
	if cfg.UDPPortMin != 0 || cfg.UDPPortMax != 0 {
		if err := se.SetEphemeralUDPPortRange(cfg.UDPPortMin, cfg.UDPPortMax); err != nil {
			return nil, fmt.Errorf("media: port range: %w", err)
		}
	}
	if cfg.LoopbackOnly {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	}
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, fmt.Errorf("media: codecs: %w", err)
	}
	registry := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, registry); err != nil {
		return nil, fmt.Errorf("media: interceptors: %w", err)
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(registry)), nil
}

// Join answers the offer of user's client on call: the client's tracks go
// to everyone else there, and everyone's tracks come to the client in an
// offer of the server's that follows through Signals.
func (s *SFU) Join(callID, userID int, offer string) (string, error) {
	s.mu.Lock()
	r := s.rooms[callID]
	if r == nil {
		r = newRoom(callID, s)
		s.rooms[callID] = r
	}
	s.mu.Unlock()
	return r.join(userID, offer)
}

// Answer takes the client's answer to the server's latest offer.
func (s *SFU) Answer(callID, userID int, answer string) error {
	p, err := s.peer(callID, userID)
	if err != nil {
		return err
	}
	return p.answered(answer)
}

// Candidate adds one of the client's ICE candidates (RTCIceCandidateInit
// as JSON).
func (s *SFU) Candidate(callID, userID int, candidate string) error {
	p, err := s.peer(callID, userID)
	if err != nil {
		return err
	}
	var c webrtc.ICECandidateInit
	if err := json.Unmarshal([]byte(candidate), &c); err != nil {
		return fmt.Errorf("a candidate is RTCIceCandidateInit as JSON: %w", err)
	}
	return p.pc.AddICECandidate(c)
}

// Leave closes user's peer on call and returns how many are still there.
// The room stays until Close, so that one joining meanwhile finds it.
func (s *SFU) Leave(callID, userID int) int {
	s.mu.Lock()
	r := s.rooms[callID]
	s.mu.Unlock()
	if r == nil {
		return 0
	}
	return r.leave(userID)
}

// Close closes every peer of call and forgets its room: the call is over.
func (s *SFU) Close(callID int) {
	s.mu.Lock()
	r := s.rooms[callID]
	delete(s.rooms, callID)
	s.mu.Unlock()
	if r != nil {
		r.close()
	}
}

// Signals are the signals for user's client on call until cancel.
func (s *SFU) Signals(callID, userID int) (signals <-chan Signal, cancel func()) {
	return s.hub.subscribe(peerKey{callID, userID})
}

func (s *SFU) peer(callID, userID int) (*peer, error) {
	s.mu.Lock()
	r := s.rooms[callID]
	s.mu.Unlock()
	if r == nil {
		return nil, ErrNotJoined
	}
	return r.peer(userID)
}

type peerKey struct{ call, user int }

// hub carries signals to the client subscriptions of each peer; a client
// may subscribe before it joins, so signals do not live on the peer.
type hub struct {
	mu   sync.Mutex
	subs map[peerKey][]chan Signal
}

// signalBuffer holds the candidates of a gathering and an offer or two.
const signalBuffer = 64

func (h *hub) subscribe(k peerKey) (<-chan Signal, func()) {
	ch := make(chan Signal, signalBuffer)
	h.mu.Lock()
	h.subs[k] = append(h.subs[k], ch)
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		for i, c := range h.subs[k] {
			if c == ch {
				h.subs[k] = append(h.subs[k][:i], h.subs[k][i+1:]...)
				break
			}
		}
		if len(h.subs[k]) == 0 {
			delete(h.subs, k)
		}
	}
}

// send gives s to every subscription of k; one too slow to keep up loses
// it and renegotiates on the next change, as a reconnecting client would.
func (h *hub) send(k peerKey, s Signal) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.subs[k] {
		select {
		case c <- s:
		default:
		}
	}
}
