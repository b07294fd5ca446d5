package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/internal/testdb"
	"github.com/convene/convene/internal/testenv"
)

// nodeClients makes sure the npm clients in js/ are installed.
func nodeClients(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		testdb.RequireOrSkip(t, "node is not installed")
	}
	dir, _ := filepath.Abs("js")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql-ws")); err != nil {
		install := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		install.Dir = dir
		if out, err := install.CombinedOutput(); err != nil {
			testdb.RequireOrSkip(t, "npm ci in e2e/js: %v\n%s", err, out)
		}
	}
	return dir
}

// TestNPMClientsReceiveEventChanges subscribes with graphql-ws and with the
// legacy subscriptions-transport-ws, and makes a meeting for the subscriber.
func TestNPMClientsReceiveEventChanges(t *testing.T) {
	dir := nodeClients(t)
	for _, protocol := range []string{"graphql-ws", "legacy"} {
		t.Run(protocol, func(t *testing.T) {
			env := testenv.New(t, "sqlite3")
			co := env.NewCompany(t, "Acme")
			url := "ws" + strings.TrimPrefix(env.Server.URL, "http") + "/query"
			cmd := exec.Command("node", "subscribe.mjs", protocol, url, co.MemberToken, "1",
				"subscription { eventChanged { kind event { title } } }")
			cmd.Dir = dir
			stdout, _ := cmd.StdoutPipe()
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			lines := make(chan string)
			go func() {
				s := bufio.NewScanner(stdout)
				for s.Scan() {
					lines <- s.Text()
				}
				close(lines)
			}()
			if first := <-lines; first != `{"connected":true}` {
				t.Fatalf("node client: %q %s", first, stderr.String())
			}
			// The subscribe message may still be on its way: make a meeting
			// until one arrives, at most five times.
			for try := range 5 {
				env.Must(t, co.AdminToken, `mutation($s:Time!, $a:[ID!]){ createEvent(input:{title:"From Go", start:$s, durationMinutes:15, attendees:$a}){ id } }`,
					map[string]any{"s": time.Now().Add(time.Duration(try+1) * time.Hour), "a": []int{co.Member.ID}}, &struct{}{})
				select {
				case line, ok := <-lines:
					if !ok || !strings.Contains(line, `"kind":"CREATED"`) || !strings.Contains(line, `"title":"From Go"`) {
						t.Fatalf("node client printed %q %s", line, stderr.String())
					}
					return
				case <-time.After(time.Second):
				}
			}
			t.Fatalf("the %s client received nothing: %s", protocol, stderr.String())
		})
	}
}
