package main

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
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestREADMEDemo builds the server and runs it the way README.md says, on a
// fresh SQLite file: it prints a token, and the token answers a query.
func TestREADMEDemo(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "convene")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "-demo", "-addr", addr)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	token := readDemoToken(t, stdout)
	base := "http://" + addr
	waitReady(t, base)

	body := post(t, base, "", `mutation{ login(email:"admin@example.com", password:"demo"){ accessToken } }`)
	if !strings.Contains(body, "accessToken") {
		t.Fatalf("login: %s", body)
	}
	body = post(t, base, token, `{ me { name company { name } } users { totalCount } rooms { totalCount } channels { totalCount } eventList { totalCount } }`)
	var out struct {
		Data struct {
			Me                                struct{ Company struct{ Name string } }
			Users, Rooms, Channels, EventList struct{ TotalCount int }
		}
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	d := out.Data
	if d.Me.Company.Name != "Convene Demo" || d.Users.TotalCount < 10 || d.Rooms.TotalCount != 3 || d.Channels.TotalCount != 2 || d.EventList.TotalCount < 4 {
		t.Fatalf("demo data: %s", body)
	}
	// Online meetings get their links from the demo's fake providers,
	// every one of them connected.
	if creds := post(t, base, token, `{ me { company { credentials { status } } } }`); strings.Count(creds, `"CONNECTED"`) != 4 {
		t.Fatalf("the demo's connections: %s", creds)
	}
	for provider, link := range map[string]string{"ZOOM": "https://zoom.us/j/", "GOOGLE_MEET": "https://meet.google.com/",
		"TEAMS": "https://teams.microsoft.com/l/meetup-join/", "TRUECONF": "http://127.0.0.1:"} {
		made := post(t, base, token, fmt.Sprintf(`mutation{ createEvent(input:{title:"Try %s", start:"2031-01-06T09:00:00Z", durationMinutes:30,
			kind:ONLINE_MEETING, provider:%s, attendees:[]}){ id } }`, provider, provider))
		id := regexp.MustCompile(`"id":"(\d+)"`).FindStringSubmatch(made)
		if id == nil {
			t.Fatalf("createEvent %s: %s", provider, made)
		}
		var got string
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(got, link) && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			got = post(t, base, token, `{ node(id:"`+id[1]+`"){ ... on Event { conference { state joinURL lastError } } } }`)
		}
		if !strings.Contains(got, `"state":"READY"`) || !strings.Contains(got, link) {
			t.Fatalf("the %s meeting's conference: %s", provider, got)
		}
	}

	if _, err := os.Stat(filepath.Join(dir, "data", "convene.db")); err != nil {
		t.Fatalf("the SQLite file is not under ./data: %v", err)
	}

	// SIGTERM drains and exits cleanly.
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(stderr.String(), "shutting down") {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit within 20 s of SIGTERM")
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

var bearerLine = regexp.MustCompile(`"Bearer ([^"]+)"`)

func readDemoToken(t *testing.T, r io.Reader) string {
	t.Helper()
	lines := make(chan string)
	go func() {
		s := bufio.NewScanner(r)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("the server printed no token")
			}
			if m := bearerLine.FindStringSubmatch(line); m != nil {
				go func() { // keep draining so the server never blocks on stdout
					for range lines {
					}
				}()
				return m[1]
			}
		case <-deadline:
			t.Fatal("no token within 60 s")
		}
	}
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("not ready in 10 s")
}

func post(t *testing.T, base, token, query string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/query", strings.NewReader(fmt.Sprintf(`{"query":%q}`, query)))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
