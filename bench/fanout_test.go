// Package bench holds load benchmarks that run the real server binary on
// loopback. They are not run by CI: go test -run '^$' -bench . ./bench/
package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// server is the server binary, running on loopback with the demo company.
type server struct {
	cmd   *exec.Cmd
	base  string
	token string
}

func startServer(b *testing.B, sockets int, flags ...string) *server {
	b.Helper()
	dir := b.TempDir()
	bin := filepath.Join(dir, "convene")
	if out, err := exec.Command("go", "build", "-o", bin, "../server").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	args := append([]string{"-demo", "-addr", addr, "-max-user-sockets", strconv.Itoa(sockets + 10), "-log-level", "warn"}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	token := regexp.MustCompile(`"Bearer ([^"]+)"`)
	s := bufio.NewScanner(stdout)
	for s.Scan() {
		if m := token.FindStringSubmatch(s.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return &server{cmd: cmd, base: "http://" + addr, token: m[1]}
		}
	}
	b.Fatal("the server printed no token")
	return nil
}

// goroutines is the server's go_goroutines metric.
func (s *server) goroutines(b *testing.B) float64 {
	res, err := http.Get(s.base + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return n
		}
	}
	return 0
}

// rss is the server's resident memory in bytes.
func (s *server) rss(b *testing.B) int64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

func (s *server) query(b *testing.B, query string, vars map[string]any) json.RawMessage {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.base+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Data   json.RawMessage
		Errors []any
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	if len(out.Errors) > 0 {
		b.Fatalf("%v", out.Errors)
	}
	return out.Data
}

// subscriber is one WebSocket subscribed to a room's calendar.
func subscriber(b *testing.B, s *server, room string, got chan<- time.Time) *websocket.Conn {
	url := "ws" + strings.TrimPrefix(s.base, "http") + "/query"
	conn, _, err := (&websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}}).Dial(url, nil)
	if err != nil {
		b.Fatal(err)
	}
	_ = conn.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + s.token}})
	_ = conn.WriteJSON(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription($r:[ID!]){ eventChanged(rooms:$r){ kind } }`, "variables": map[string]any{"r": []string{room}}}})
	go func() {
		// The tool shares the machine's two cores with the server, so it
		// reads each message into one buffer rather than a new one.
		buf := make([]byte, 4096)
		for {
			_, r, err := conn.NextReader()
			if err != nil {
				return
			}
			n, _ := io.ReadFull(r, buf)
			if bytes.Contains(buf[:n], []byte(`"type":"next"`)) {
				got <- time.Now()
			}
		}
	}()
	return conn
}

// BenchmarkFanout10k: 10,000 WebSocket subscribers of one room on one
// server; memory per idle subscriber, and the time until every subscriber
// has a meeting created in the room (p50, p99 over all deliveries).
func BenchmarkFanout10k(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("CONVENE_BENCH_SUBSCRIBERS")); err == nil {
		n = v
	}
	s := startServer(b, n)
	var rooms struct {
		Rooms struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	_ = json.Unmarshal(s.query(b, `{ rooms { edges { node { id } } } }`, nil), &rooms)
	room := rooms.Rooms.Edges[0].Node.ID
	time.Sleep(time.Second)
	idle, idleGoroutines := s.rss(b), s.goroutines(b)

	got := make(chan time.Time, n)
	var conns []*websocket.Conn
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 50 { // 50 dialers, bounded
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 50 {
				c := subscriber(b, s, room, got)
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	b.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	time.Sleep(3 * time.Second) // every subscription started, memory settled
	perSubscriber := float64(s.rss(b)-idle) / float64(n) / 1024
	goroutinesEach := (s.goroutines(b) - idleGoroutines) / float64(n)

	var lat []time.Duration
	start := time.Now().Add(48 * time.Hour)
	for round := 0; b.Loop(); round++ {
		sent := time.Now()
		s.query(b, `mutation($s:Time!, $r:ID!){ createEvent(input:{title:"Fan-out", start:$s, durationMinutes:5, room:$r}){ id } }`,
			map[string]any{"s": start.Add(time.Duration(round) * time.Hour), "r": room})
		timeout := time.After(30 * time.Second)
		for range n {
			select {
			case at := <-got:
				lat = append(lat, at.Sub(sent))
			case <-timeout:
				b.Fatalf("round %d: only %d of %d subscribers got the meeting", round, len(lat)%n, n)
			}
		}
	}
	b.ReportMetric(perSubscriber, "KiB/subscriber") // after b.Loop, which resets metrics
	b.ReportMetric(goroutinesEach, "goroutines/subscriber")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
}
