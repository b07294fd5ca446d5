package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/calls/media"
	"github.com/convene/convene/calls/media/mediatest"
)

// BenchmarkSFUAudioRooms: audio-only channel calls of 10 people each, every
// one sending 50 packets a second, through the server's SFU on loopback. It
// adds a room at a time until the server uses 90% of one core, the peers
// (on the same two cores) stop receiving all that is sent, or 12 rooms; it
// reports the audio streams the SFU forwarded per core busy, counted from
// the packets the peers received, and the delay a hop through the SFU adds
// to a direct peer-to-peer one.
func BenchmarkSFUAudioRooms(b *testing.B) {
	s := startServer(b, 200, "-media-loopback")
	direct := directDelay(b)
	var rooms []*room
	defer func() {
		for _, r := range rooms {
			r.close()
		}
	}()
	const window, packetsPerStream = 5 * time.Second, 50.0
	var perCore float64
	var hop time.Duration
	for len(rooms) < 12 {
		rooms = append(rooms, s.newRoom(b, len(rooms), 10))
		time.Sleep(2 * time.Second) // every peer connected and talking
		cpu, received := s.cpu(b), packets(rooms)
		time.Sleep(window)
		cores := (s.cpu(b) - cpu).Seconds() / window.Seconds()
		forwarded := float64(packets(rooms)-received) / window.Seconds() / packetsPerStream
		sent := float64(len(rooms) * 10 * 9)
		hop = meanDelay(rooms) - direct
		b.Logf("%d rooms: %.0f of %.0f streams forwarded, server busy %.2f cores, %.0f streams per core, delay added %v",
			len(rooms), forwarded, sent, cores, forwarded/cores, hop)
		if forwarded < 0.95*sent { // the peers' side of the machine is full: a figure past here is the load tool's
			break
		}
		perCore = forwarded / cores
		if cores >= 0.9 {
			break
		}
	}
	b.ReportMetric(perCore, "streams/core")
	b.ReportMetric(float64(hop.Microseconds())/1000, "added-ms/hop")
}

// packets is how many packets every peer of rooms has received.
func packets(rooms []*room) int {
	n := 0
	for _, r := range rooms {
		for _, p := range r.peers {
			for _, count := range p.Received() {
				n += count
			}
		}
	}
	return n
}

// room is one channel call with its participants' peers.
type room struct{ peers []*mediatest.Client }

func (r *room) close() {
	for _, p := range r.peers {
		_ = p.Close()
	}
}

// newRoom makes size employees, a channel of them, and a call of the
// channel that each of them joins with a pion peer.
func (s *server) newRoom(b *testing.B, n, size int) *room {
	tokens := make([]string, size)
	ids := make([]string, size)
	for i := range size {
		email := fmt.Sprintf("sfu-%d-%d@bench.test", n, i)
		var made struct{ CreateUser struct{ ID string } }
		mustJSON(b, s.query(b, `mutation($e:String!){ createUser(input:{name:"Bench", email:$e, password:"benchmark-password"}){ id } }`,
			map[string]any{"e": email}), &made)
		ids[i] = made.CreateUser.ID
		var in struct{ Login struct{ AccessToken string } }
		mustJSON(b, s.query(b, `mutation($e:String!){ login(email:$e, password:"benchmark-password"){ accessToken } }`,
			map[string]any{"e": email}), &in)
		tokens[i] = in.Login.AccessToken
	}
	var ch struct{ CreateChannel struct{ ID string } }
	mustJSON(b, s.query(b, `mutation($n:String!, $m:[ID!]){ createChannel(input:{name:$n, members:$m}){ id } }`,
		map[string]any{"n": fmt.Sprintf("SFU bench %d", n), "m": ids}), &ch)
	caller := &server{base: s.base, token: tokens[0]}
	var placed struct{ PlaceCall struct{ ID string } }
	mustJSON(b, caller.query(b, `mutation($c:ID!){ placeCall(input:{channel:$c}){ id } }`, map[string]any{"c": ch.CreateChannel.ID}), &placed)
	callID, _ := strconv.Atoi(placed.PlaceCall.ID)
	r := &room{}
	for _, token := range tokens {
		p, err := mediatest.Join(s.base, token, callID)
		if err != nil {
			b.Fatal(err)
		}
		r.peers = append(r.peers, p)
	}
	return r
}

// cpu is the server's CPU time so far (user and system).
func (s *server) cpu(b *testing.B) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	after := string(stat[strings.LastIndexByte(string(stat), ')')+2:]) // past the command's name
	fields := strings.Fields(after)
	utime, _ := strconv.ParseInt(fields[11], 10, 64) // fields 14 and 15 of proc(5)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

// meanDelay is the mean send-to-receive time over every peer's packets.
func meanDelay(rooms []*room) time.Duration {
	var sum time.Duration
	n := 0
	for _, r := range rooms {
		for _, p := range r.peers {
			sum += p.MeanDelay()
			n++
		}
	}
	return sum / time.Duration(n)
}

// directDelay is the mean send-to-receive time between two pion peers
// connected to each other on loopback, with no SFU between them.
func directDelay(b *testing.B) time.Duration {
	a, err := mediatest.New()
	if err != nil {
		b.Fatal(err)
	}
	c, err := mediatest.New()
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	defer c.Close()
	offer, err := a.Offer()
	if err != nil {
		b.Fatal(err)
	}
	var answer string
	if err := c.Signal(media.Signal{Offer: offer}, func(sdp string) error { answer = sdp; return nil }); err != nil {
		b.Fatal(err)
	}
	if err := a.Accept(answer); err != nil {
		b.Fatal(err)
	}
	go trickle(a, c)
	go trickle(c, a)
	a.Talk()
	time.Sleep(3 * time.Second)
	return c.MeanDelay()
}

// trickle gives from's candidates to to.
func trickle(from, to *mediatest.Client) {
	for cand := range from.Candidates {
		_ = to.Signal(media.Signal{Candidate: cand}, nil)
	}
}

func mustJSON(b *testing.B, data json.RawMessage, v any) {
	b.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		b.Fatal(err)
	}
}
