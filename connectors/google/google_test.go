package google_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/convene/convene/connectors/google"
	"github.com/convene/convene/connectors/google/googlefake"
)

// connect runs the consent and code exchange against the fake.
func connect(t *testing.T) (*googlefake.Google, google.Endpoints, *oauth2.Config, *oauth2.Token) {
	t.Helper()
	fake := googlefake.New("client.apps.googleusercontent.com", "shh")
	fake.PendingReads = 1
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	at := googlefake.Endpoints(srv.URL)
	cfg := google.OAuth(at, fake.ClientID, fake.ClientSecret, "http://127.0.0.1:1/oauth/google/callback")
	verifier := oauth2.GenerateVerifier()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(google.ConsentURL(cfg, "st", verifier, ""))
	if err != nil {
		t.Fatal(err)
	}
	back, _ := url.Parse(res.Header.Get("Location"))
	if back.Query().Get("state") != "st" || back.Query().Get("code") == "" {
		t.Fatalf("consent sent back %s", back)
	}
	if _, err := cfg.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption("wrong"+verifier)); err == nil {
		t.Fatal("a wrong PKCE verifier was taken")
	}
	res, _ = noFollow.Get(google.ConsentURL(cfg, "st", verifier, ""))
	back, _ = url.Parse(res.Header.Get("Location"))
	tok, err := cfg.Exchange(context.Background(), back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange: %+v %v", tok, err)
	}
	return fake, at, cfg, tok
}

func TestMeetEventLifecycle(t *testing.T) {
	fake, at, _, tok := connect(t)
	cal := google.NewCalendar(at, tok.AccessToken)
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ev := google.Event{ID: "convene12v1", Summary: "Planning", Start: google.At(start, "UTC"), End: google.At(start.Add(time.Hour), "UTC"),
		ConferenceData: google.MeetRequest("conference-12-1")}
	made, err := cal.Insert(ctx, ev)
	if err != nil || made.MeetState() != "pending" || made.JoinURL() != "" {
		t.Fatalf("insert: %+v %v", made, err)
	}
	_, err = cal.Insert(ctx, ev)
	var refused *google.Error
	if !errors.As(err, &refused) || !refused.Duplicate() {
		t.Fatalf("a second insert with the same id: %v", err)
	}
	got, err := cal.Get(ctx, "convene12v1")
	if err != nil || got.MeetState() != "success" || got.JoinURL() == "" || got.JoinURL() != got.HangoutLink {
		t.Fatalf("get: %+v %v", got, err)
	}
	if err := cal.Patch(ctx, "convene12v1", google.Event{Summary: "Planning, moved"}); err != nil {
		t.Fatal(err)
	}
	if held, _ := fake.Event("convene12v1"); held["summary"] != "Planning, moved" {
		t.Fatalf("patched event: %v", held)
	}
	fake.FailNext(http.StatusTooManyRequests)
	if err := cal.Delete(ctx, "convene12v1"); !errors.As(err, &refused) || !refused.Retryable() || refused.RetryAfter != time.Second {
		t.Fatalf("a 429: %v", err)
	}
	if err := cal.Delete(ctx, "convene12v1"); err != nil {
		t.Fatal(err)
	}
	if err := cal.Delete(ctx, "convene12v1"); !errors.As(err, &refused) || !refused.Gone() {
		t.Fatalf("deleting twice: %v", err)
	}
}

func TestRevokedConsentIsRecognised(t *testing.T) {
	fake, _, cfg, tok := connect(t)
	tok.Expiry = time.Now().Add(-time.Minute) // make the source refresh
	if _, err := cfg.TokenSource(context.Background(), tok).Token(); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	fake.Revoke()
	_, err := cfg.TokenSource(context.Background(), tok).Token()
	if !google.IsRevoked(err) {
		t.Fatalf("refresh after revoking: %v", err)
	}
}
