package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/convene/convene/connectors/vcc"
)

// BenchmarkRingingToPopup: the time from the call center's signed ringing
// report leaving for /webhooks/vcc until the agent's incomingCall popup,
// with the caller's contact, arrives on their WebSocket (p50, p99). Each
// call then ends unanswered, as a missed call.
func BenchmarkRingingToPopup(b *testing.B) {
	s := startServer(b, 10)
	const key = "bench-access-key"
	s.query(b, `mutation{ configureCallCenter(input:{baseUrl:"http://127.0.0.1:9", domain:"bench", accessKey:"`+key+`"}){ id } }`, nil)
	var me struct{ Me struct{ ID string } }
	mustJSON(b, s.query(b, `{ me { id } }`, nil), &me)
	s.query(b, `mutation($id:ID!){ updateUser(id:$id, input:{extension:"5000"}){ id } }`, map[string]any{"id": me.Me.ID})
	s.query(b, `mutation{ createContact(input:{name:"Nguyen Van A", phones:["0912 345 678"]}){ id } }`, nil)
	popups := s.popups(b)
	center := vcc.Center{AccessKey: key}

	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		callID := "bench-" + strconv.Itoa(i)
		sent := time.Now()
		s.report(b, center, vcc.Report{Domain: "bench", Event: vcc.EventRinging, CallID: callID, Direction: "inbound",
			IPPhone: "5000", Number: "+84912345678", At: sent})
		select {
		case popup := <-popups:
			if !strings.Contains(popup, "Nguyen Van A") {
				b.Fatalf("a popup without the contact: %s", popup)
			}
			latencies = append(latencies, time.Since(sent))
		case <-time.After(5 * time.Second):
			b.Fatalf("no popup for %s", callID)
		}
		s.report(b, center, vcc.Report{Domain: "bench", Event: vcc.EventEnded, CallID: callID, Direction: "inbound",
			IPPhone: "5000", Number: "+84912345678", At: time.Now()})
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
}

// popups subscribes the server's token to incomingCall and hands on each
// popup's payload.
func (s *server) popups(b *testing.B) <-chan string {
	url := "ws" + strings.TrimPrefix(s.base, "http") + "/query"
	conn, _, err := (&websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}}).Dial(url, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	_ = conn.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + s.token}})
	_ = conn.WriteJSON(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription{ incomingCall{ id callerNumber contact { name recentCalls(first:3) { id } } } }`}})
	got := make(chan string, 1)
	go func() {
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if bytes.Contains(msg, []byte(`"type":"next"`)) {
				got <- string(msg)
			}
		}
	}()
	time.Sleep(200 * time.Millisecond) // the subscription starts
	return got
}

// report posts r to the webhook signed with center's key, and fails on any
// answer but 200.
func (s *server) report(b *testing.B, center vcc.Center, r vcc.Report) {
	body, _ := json.Marshal(r)
	req, _ := http.NewRequest(http.MethodPost, s.base+"/webhooks/vcc", bytes.NewReader(body))
	now := time.Now()
	req.Header.Set(vcc.TimestampHeader, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(vcc.SignatureHeader, center.Sign(now, body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var answer bytes.Buffer
		_, _ = answer.ReadFrom(res.Body)
		b.Fatal(fmt.Errorf("%s: %d %s", r.Event, res.StatusCode, answer.String()))
	}
}
