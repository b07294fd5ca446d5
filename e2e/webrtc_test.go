package e2e

import (
	_ "embed"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/convene/convene/calls/media/mediatest"
	"github.com/convene/convene/internal/testdb"
	"github.com/convene/convene/internal/testenv"
)

//go:embed testdata/call.js
var callPage string

// inLoopbackNamespace is set in the test process that runs inside a
// network namespace with only loopback in it.
const inLoopbackNamespace = "CONVENE_LOOPBACK_NETNS"

// TestChromiumJoinsAnInAppCall: Chromium, with fake camera and microphone,
// joins an employee-to-employee call from a small web client against a
// pion peer through the server's SFU; it reaches "connected" and receives
// media, and the pion peer hears it. ICE would gather every address of the
// machine, so the test runs in a network namespace of its own where the
// only interface is loopback: no media can go anywhere else.
func TestChromiumJoinsAnInAppCall(t *testing.T) {
	if os.Getenv(inLoopbackNamespace) == "" {
		runInLoopbackNamespace(t)
		return
	}
	if ifaces, err := net.Interfaces(); err != nil || len(ifaces) != 1 || ifaces[0].Flags&net.FlagLoopback == 0 {
		t.Fatalf("the namespace has more than loopback: %v %v", ifaces, err)
	}
	ctx := browser(t,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
	)
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	var placed struct{ PlaceCall struct{ ID string } }
	env.Must(t, co.AdminToken, `mutation($u:ID!){ placeCall(input:{user:$u}){ id } }`, map[string]any{"u": co.Member.ID}, &placed)
	env.Must(t, co.MemberToken, `mutation($c:ID!){ acceptCall(call:$c){ id } }`, map[string]any{"c": placed.PlaceCall.ID}, &struct{}{})
	var callID int
	fmt.Sscan(placed.PlaceCall.ID, &callID)
	peer, err := mediatest.Join(env.Server.URL, co.AdminToken, callID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = peer.Close() })

	join := fmt.Sprintf("%s\njoinCall(%q, %q, %d)", callPage, env.Server.URL, co.MemberToken, callID)
	if err := chromedp.Do(ctx, chromedp.Navigate(env.Server.URL+"/healthz"), ignore(chromedp.Evaluate[any](join, chromedp.EvalAwaitPromise))); err != nil {
		t.Fatalf("joining from Chromium: %v", err)
	}
	var status callStatus
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var err error
		status, err = chromedp.Run(ctx, chromedp.Evaluate[callStatus]("callStatus()", chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if status.State == "connected" && status.InboundBytes > 0 || time.Now().After(deadline) {
			break
		}
	}
	if status.State != "connected" || status.InboundBytes == 0 {
		t.Fatalf("Chromium's call: %+v", status)
	}
	if err := peer.WaitToHear(nil, 10, co.Member.ID); err != nil {
		t.Errorf("the pion peer and Chromium: %v", err)
	}
	t.Logf("Chromium connected and received %d bytes", status.InboundBytes)
}

// callStatus is what the page's callStatus() tells.
type callStatus struct {
	State        string
	InboundBytes int
}

// runInLoopbackNamespace runs the calling test again in a new network
// namespace (unshare) whose only interface, loopback, is up.
func runInLoopbackNamespace(t *testing.T) {
	if _, err := exec.LookPath("chromium"); err != nil {
		testdb.RequireOrSkip(t, "chromium is not installed (apt-get install chromium)")
	}
	if err := exec.Command("unshare", "--net", "--map-root-user", "true").Run(); err != nil {
		testdb.RequireOrSkip(t, "cannot make a network namespace (unshare --net --map-root-user): %v", err)
	}
	cmd := exec.Command("unshare", "--net", "--map-root-user", "sh", "-c", `ip link set lo up && exec "$0" "$@"`,
		os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v", "-test.timeout=3m")
	cmd.Env = append(os.Environ(), inLoopbackNamespace+"=1")
	out, err := cmd.CombinedOutput()
	switch {
	case err != nil:
		t.Fatalf("in the loopback namespace: %v\n%s", err, out)
	case strings.Contains(string(out), "--- SKIP"):
		testdb.RequireOrSkip(t, "in the loopback namespace the test skipped:\n%s", out)
	case !strings.Contains(string(out), "--- PASS: "+t.Name()):
		t.Fatalf("in the loopback namespace, no pass:\n%s", out)
	}
	t.Logf("in the loopback namespace:\n%s", out)
}
