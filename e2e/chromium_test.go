// Package e2e tests Convene through clients we did not write: headless
// Chromium running GraphiQL, and (later) npm GraphQL clients.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/convene/convene/internal/testdb"
	"github.com/convene/convene/internal/testenv"
)

// browser starts headless Chromium with its background networking off, so
// it only talks to the test server on 127.0.0.1; flags add to its options.
func browser(t *testing.T, flags ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		testdb.RequireOrSkip(t, "chromium is not installed (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1400, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	opts = append(opts, flags...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// openGraphiQL opens the page with token in its Headers tab, as a person
// pastes it there.
func openGraphiQL(base, token string) chromedp.Action[chromedp.Void] {
	editor := chromedp.CSS(`.graphiql-query-editor .CodeMirror`)
	headers := `{"Authorization":"Bearer ` + token + `"}`
	return func(ctx context.Context, _ *chromedp.Target) (chromedp.Void, error) {
		return chromedp.Void{}, chromedp.Do(ctx,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(editor),
			ignore(chromedp.Evaluate[any](`localStorage.setItem("graphiql:headers", `+jsString(headers)+`)`)),
			chromedp.Reload(),
			chromedp.WaitVisible(editor),
		)
	}
}

// clickRun clicks GraphiQL's Run button. GraphiQL re-renders its toolbar
// when the schema arrives, and a click on the node it replaced fails without
// clicking, so such a click is tried again (a second click that did land
// would stop a running subscription).
func clickRun(ctx context.Context) error {
	var err error
	for range 5 {
		if err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.graphiql-execute-button`))); err == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return err
}

// runUntilAnswered clicks Run until the response pane shows want. A click
// while GraphiQL is still loading the schema is dropped, so, like a person,
// it clicks again: at most ten times, a second apart.
func runUntilAnswered(ctx context.Context, want string) error {
	answered := `(document.querySelector(".graphiql-response") || {}).innerText.includes(` + jsString(want) + `)`
	var err error
	for range 10 {
		if err = clickRun(ctx); err != nil {
			return err
		}
		err = chromedp.Do(ctx, ignore(chromedp.Poll[bool](answered, chromedp.WithPollingTimeout(time.Second))))
		if err == nil {
			return nil
		}
	}
	return err
}

// artifact is where a test keeps a file for people to look at.
func artifact(t *testing.T, name string) string {
	dir := os.Getenv("CONVENE_ARTIFACTS")
	if dir == "" {
		dir = "artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

func TestGraphiQLRunsATypedQuery(t *testing.T) {
	ctx := browser(t)
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	err := chromedp.Do(ctx,
		openGraphiQL(env.Server.URL, co.AdminToken),
		// Empty the editor, then type the query key by key.
		ignore(chromedp.Evaluate[any](`document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue("")`)),
		chromedp.Click(chromedp.CSS(`.graphiql-query-editor .CodeMirror-lines`)),
		chromedp.SendKeys(chromedp.CSS(`.graphiql-query-editor textarea`), `query Who { me { email company { name } } }`),
		// Close the autocomplete popup typing may have opened, as a person would.
		chromedp.SendKeys(chromedp.CSS(`.graphiql-query-editor textarea`), kb.Escape),
		chromedp.WaitNotPresent(chromedp.CSS(`.CodeMirror-hints`)),
	)
	if err == nil {
		err = runUntilAnswered(ctx, co.Admin.Email)
	}
	if err != nil {
		if png, shotErr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); shotErr == nil {
			_ = os.WriteFile(artifact(t, "graphiql-failed.png"), png, 0o644)
		}
		t.Fatalf("GraphiQL: %v (screenshot: %s)", err, artifact(t, "graphiql-failed.png"))
	}
	answer, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.graphiql-response`)))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(artifact(t, "graphiql.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{co.Admin.Email, "Acme"} {
		if !contains(answer, want) {
			t.Errorf("the response pane lacks %q:\n%s", want, answer)
		}
	}
}

// TestGraphiQLSubscribesOverWebSocket: a subscription typed in GraphiQL
// authenticates over the WebSocket with the headers tab's token and shows a
// meeting made meanwhile.
func TestGraphiQLSubscribesOverWebSocket(t *testing.T) {
	ctx := browser(t)
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	err := chromedp.Do(ctx,
		openGraphiQL(env.Server.URL, co.AdminToken),
		ignore(chromedp.Evaluate[any](`document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue("subscription Watch { eventChanged { kind event { title } } }")`)),
	)
	if err == nil {
		err = subscribeAndMeet(t, ctx, env, co)
	}
	if err != nil {
		if png, shotErr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); shotErr == nil {
			_ = os.WriteFile(artifact(t, "graphiql-subscription-failed.png"), png, 0o644)
		}
		t.Fatalf("GraphiQL subscription: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		_ = os.WriteFile(artifact(t, "graphiql-subscription.png"), png, 0o644)
	}
}

// subscribeAndMeet starts the subscription, then makes meetings until one
// shows in the response pane: the subscription may still be starting.
func subscribeAndMeet(t *testing.T, ctx context.Context, env *testenv.Env, co *testenv.Company) error {
	shown := `(document.querySelector(".graphiql-response") || {}).innerText.includes("Seen in GraphiQL")`
	var err error
	for try := range 10 {
		if try == 0 || try == 5 { // click Run (again, if GraphiQL was still loading)
			if err = clickRun(ctx); err != nil {
				return err
			}
			time.Sleep(500 * time.Millisecond)
		}
		res := env.Query(t, co.AdminToken, `mutation($s:Time!){ createEvent(input:{title:"Seen in GraphiQL", start:$s, durationMinutes:15}){ id } }`,
			map[string]any{"s": time.Now().Add(time.Duration(try+1) * time.Hour)})
		if len(res.Errors) > 0 {
			return fmt.Errorf("createEvent: %+v", res.Errors)
		}
		if err = chromedp.Do(ctx, ignore(chromedp.Poll[bool](shown, chromedp.WithPollingTimeout(time.Second)))); err == nil {
			return nil
		}
	}
	return err
}
