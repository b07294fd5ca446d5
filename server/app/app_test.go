package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/internal/testenv"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	if code, body := get(t, env.Server.URL+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	if code, _ := get(t, env.Server.URL+"/readyz"); code != 200 {
		t.Fatalf("readyz: %d", code)
	}
	env.Query(t, "", `{ me { id } }`, nil) // an UNAUTHENTICATED error to count
	_, metrics := get(t, env.Server.URL+"/metrics")
	for _, want := range []string{
		`convene_http_requests_total{code="200",route="/query"} 1`,
		`convene_graphql_errors_total{code="UNAUTHENTICATED"} 1`,
		`convene_http_request_duration_seconds_bucket{route="GET /healthz"`,
		`convene_websockets_open 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	env.DB.SQL.Close()
	if code, _ := get(t, env.Server.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database gone: %d", code)
	}
}

func TestGraphiQLIsServedFromTheBinary(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	code, page := get(t, env.Server.URL+"/")
	if code != 200 || !strings.Contains(page, "graphiql/graphiql.min.js") || strings.Contains(page, "https://") {
		t.Fatalf("page: %d, loads from outside: %v", code, strings.Contains(page, "https://"))
	}
	for _, f := range []string{"graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js", "graphql-ws.min.js", "LICENSES.txt"} {
		if code, body := get(t, env.Server.URL+"/graphiql/"+f); code != 200 || len(body) < 1000 {
			t.Errorf("%s: %d, %d bytes", f, code, len(body))
		}
	}
}

func TestCORSAllowsOnlyKnownOrigins(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, env.Server.URL+"/query", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := preflight("https://evil.example"); res.StatusCode != http.StatusForbidden || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign origin: %d %q", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
	}
	if res := preflight(env.Server.URL); res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != env.Server.URL {
		t.Fatalf("own origin: %d", res.StatusCode)
	}
}

func TestEventChangesAreCounted(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	env.Must(t, co.MemberToken, `mutation($s:Time!){ createEvent(input:{title:"Sync", start:$s, durationMinutes:15}){ id } }`,
		map[string]any{"s": time.Now().Add(time.Hour)}, &struct{}{})
	if _, metrics := get(t, env.Server.URL+"/metrics"); !strings.Contains(metrics, `convene_event_changes_total{kind="CREATED"} 1`) {
		t.Fatal("the created event was not published")
	}
}
