package media

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// room is one call's peers and the tracks they send.
type room struct {
	callID int
	sfu    *SFU

	mu     sync.Mutex
	peers  map[int]*peer
	tracks map[string]*forwarded // by track id, unique in the room
}

// forwarded is one participant's track, written to everyone else.
type forwarded struct {
	owner  int
	local  *webrtc.TrackLocalStaticRTP
	source *webrtc.PeerConnection
	ssrc   webrtc.SSRC
	video  bool
}

func newRoom(callID int, sfu *SFU) *room {
	return &room{callID: callID, sfu: sfu, peers: map[int]*peer{}, tracks: map[string]*forwarded{}}
}

func (r *room) join(userID int, offer string) (string, error) {
	if r.has(userID) { // a reload or a second tab: the new peer replaces the old
		r.leave(userID)
	}
	pc, err := r.sfu.api.NewPeerConnection(r.sfu.config)
	if err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	p := &peer{room: r, user: userID, pc: pc, senders: map[string]*webrtc.RTPSender{}}
	key := peerKey{r.callID, userID}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		b, _ := json.Marshal(c.ToJSON())
		r.sfu.hub.send(key, Signal{Candidate: string(b)})
	})
	pc.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { r.forward(p, remote) })
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed {
			go r.leaveIf(p)
		}
	})
	answer, err := p.answerFirst(offer)
	if err != nil {
		_ = pc.Close()
		return "", err
	}
	r.mu.Lock()
	r.peers[userID] = p
	r.mu.Unlock()
	p.negotiate() // everyone else's tracks, in an offer of ours
	return answer, nil
}

// forward sends remote, from p, to everyone else, until it ends.
func (r *room) forward(p *peer, remote *webrtc.TrackRemote) {
	id := fmt.Sprintf("%d-%s", p.user, remote.ID())
	local, err := webrtc.NewTrackLocalStaticRTP(remote.Codec().RTPCodecCapability, id, fmt.Sprintf("user-%d", p.user))
	if err != nil {
		return
	}
	r.mu.Lock()
	r.tracks[id] = &forwarded{owner: p.user, local: local, source: p.pc, ssrc: remote.SSRC(),
		video: remote.Kind() == webrtc.RTPCodecTypeVideo}
	r.mu.Unlock()
	r.renegotiate()

	buf := make([]byte, 1500)
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			break
		}
		if _, err := local.Write(buf[:n]); err != nil && !errors.Is(err, io.ErrClosedPipe) {
			break
		}
	}
	r.mu.Lock()
	delete(r.tracks, id)
	r.mu.Unlock()
	r.renegotiate()
}

// renegotiate brings every peer's forwarded tracks up to date.
func (r *room) renegotiate() {
	r.mu.Lock()
	peers := make([]*peer, 0, len(r.peers))
	for _, p := range r.peers {
		peers = append(peers, p)
	}
	r.mu.Unlock()
	for _, p := range peers {
		p.negotiate()
	}
}

// wanted are the tracks userID should receive: everyone else's.
func (r *room) wanted(userID int) map[string]*forwarded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]*forwarded{}
	for id, f := range r.tracks {
		if f.owner != userID {
			out[id] = f
		}
	}
	return out
}

func (r *room) has(userID int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peers[userID] != nil
}

func (r *room) peer(userID int) (*peer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.peers[userID]; p != nil {
		return p, nil
	}
	return nil, ErrNotJoined
}

func (r *room) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.peers)
}

func (r *room) leave(userID int) int {
	r.mu.Lock()
	p := r.peers[userID]
	r.mu.Unlock()
	if p != nil {
		r.leaveIf(p)
	}
	return r.size()
}

// leaveIf takes p out of the room, unless a newer peer of the same user
// replaced it already.
func (r *room) leaveIf(p *peer) {
	r.mu.Lock()
	if r.peers[p.user] != p {
		r.mu.Unlock()
		return
	}
	delete(r.peers, p.user)
	for id, f := range r.tracks {
		if f.owner == p.user {
			delete(r.tracks, id)
		}
	}
	r.mu.Unlock()
	_ = p.pc.Close()
	r.renegotiate()
}

func (r *room) close() {
	r.mu.Lock()
	peers := r.peers
	r.peers, r.tracks = map[int]*peer{}, map[string]*forwarded{}
	r.mu.Unlock()
	for _, p := range peers {
		_ = p.pc.Close()
	}
}

// peer is one participant's connection to the SFU.
type peer struct {
	room *room
	user int
	pc   *webrtc.PeerConnection

	mu        sync.Mutex // one negotiation at a time
	senders   map[string]*webrtc.RTPSender
	offering  bool // an offer of ours waits for the client's answer
	needOffer bool // the senders changed since the last offer
}

// answerFirst answers the client's first offer, with the tracks already
// in the room added where the offer leaves room for them.
func (p *peer) answerFirst(offer string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", fmt.Errorf("media: the offer: %w", err)
	}
	p.syncTracks()
	answer, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	if err := p.pc.SetLocalDescription(answer); err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	return answer.SDP, nil
}

// negotiate offers the client the tracks it should now receive, once the
// offer before has been answered.
func (p *peer) negotiate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.syncTracks()
	if !p.needOffer || p.offering || p.pc.SignalingState() != webrtc.SignalingStateStable {
		return
	}
	offer, err := p.pc.CreateOffer(nil)
	if err != nil || p.pc.SetLocalDescription(offer) != nil {
		return // closed meanwhile
	}
	p.offering, p.needOffer = true, false
	p.room.sfu.hub.send(peerKey{p.room.callID, p.user}, Signal{Offer: offer.SDP})
}

func (p *peer) answered(answer string) error {
	p.mu.Lock()
	err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer})
	p.offering = false
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("media: the answer: %w", err)
	}
	p.negotiate() // what changed while the offer was out
	return nil
}

// syncTracks adds the room's new tracks to p and takes away the ended
// ones; it runs under p.mu.
func (p *peer) syncTracks() {
	wanted := p.room.wanted(p.user)
	for id, f := range wanted {
		if p.senders[id] != nil {
			continue
		}
		sender, err := p.pc.AddTrack(f.local)
		if err != nil {
			continue
		}
		p.senders[id], p.needOffer = sender, true
		go drainRTCP(sender)
		if f.video { // a new receiver needs a key frame to start from
			_ = f.source.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(f.ssrc)}})
		}
	}
	for id, sender := range p.senders {
		if wanted[id] == nil {
			_ = p.pc.RemoveTrack(sender)
			delete(p.senders, id)
			p.needOffer = true
		}
	}
}

// drainRTCP reads what the receiver says of a forwarded track, which the
// interceptors (NACK, reports) act on.
func drainRTCP(sender *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := sender.Read(buf); err != nil {
			return
		}
	}
}
