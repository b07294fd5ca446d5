package zoom_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/convene/convene/connectors/zoom"
	"github.com/convene/convene/connectors/zoom/zoomfake"
	"github.com/golang-jwt/jwt/v5"
)

func fakeZoom(t *testing.T) (*zoomfake.Zoom, *zoom.Client, *atomic.Int32) {
	fake, at, tokens := fakeServer(t)
	return fake, zoom.New(at, zoom.App{AccountID: "acct", ClientID: "client", ClientSecret: "secret"}), tokens
}

func fakeServer(t *testing.T) (*zoomfake.Zoom, zoom.Endpoints, *atomic.Int32) {
	fake := zoomfake.New("acct", "client", "secret")
	var tokens atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			tokens.Add(1)
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return fake, zoomfake.Endpoints(srv.URL), &tokens
}

func TestAMeetingIsCreatedChangedAndDeleted(t *testing.T) {
	fake, client, tokens := fakeZoom(t)
	helsinki, _ := time.LoadLocation("Europe/Helsinki")
	start := time.Date(2026, 12, 1, 9, 30, 0, 0, helsinki)
	m, err := client.CreateMeeting(t.Context(), "ann@acme.example", zoom.MeetingRequest{Topic: "Planning", Type: 2,
		StartTime: zoom.LocalTime(start), Timezone: "Europe/Helsinki", Duration: 45, Password: "12345678"})
	if err != nil || m.ID == 0 || !strings.HasPrefix(m.JoinURL, "https://zoom.us/j/") || m.StartURL == "" || m.Password != "12345678" {
		t.Fatalf("create: %+v %v", m, err)
	}
	if err := client.UpdateMeeting(t.Context(), m.ID, zoom.MeetingRequest{Topic: "Planning, moved", StartTime: "2026-12-02T10:00:00", Timezone: "Europe/Helsinki"}); err != nil {
		t.Fatal(err)
	}
	if topic, at, ok := fake.Meeting(m.ID); !ok || topic != "Planning, moved" || at != "2026-12-02T10:00:00" {
		t.Fatalf("after the change: %q %q %v", topic, at, ok)
	}
	if err := client.DeleteMeeting(t.Context(), m.ID); err != nil || fake.Meetings() != 0 {
		t.Fatalf("delete: %v, %d left", err, fake.Meetings())
	}
	var refused *zoom.Error
	if err := client.DeleteMeeting(t.Context(), m.ID); !errors.As(err, &refused) || refused.Status != 404 || refused.Code != 3001 {
		t.Errorf("deleting it again: %v", err)
	}
	if n := tokens.Load(); n != 1 {
		t.Errorf("%d token requests for four calls, want 1", n)
	}
}

func TestTheClientRecoversAnExpiredTokenAndReportsRefusals(t *testing.T) {
	fake, client, tokens := fakeZoom(t)
	create := func() error {
		_, err := client.CreateMeeting(t.Context(), "ann@acme.example", zoom.MeetingRequest{Topic: "x", Type: 2,
			StartTime: "2026-12-01T09:30:00Z", Duration: 30})
		return err
	}
	if err := create(); err != nil {
		t.Fatal(err)
	}
	fake.ExpireTokens()
	if err := create(); err != nil || tokens.Load() != 2 {
		t.Fatalf("after the token expired: %v (%d tokens)", err, tokens.Load())
	}

	var refused *zoom.Error
	fake.FailNext(http.StatusTooManyRequests, `{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}`)
	if err := create(); !errors.As(err, &refused) || !refused.Retryable() || refused.RetryAfter != 2*time.Second {
		t.Errorf("rate limited: %v", err)
	}
	fake.FailNext(http.StatusBadRequest, `<?xml version="1.0"?><result><code>300</code><message>Bad request</message></result>`)
	if err := create(); !errors.As(err, &refused) || refused.Retryable() || !strings.Contains(refused.Message, "Bad request") {
		t.Errorf("an XML error: %v", err)
	}
	_, err := client.CreateMeeting(t.Context(), "ann@acme.example", zoom.MeetingRequest{Topic: "x", Type: 2, StartTime: "2026-12-01T09:30:00", Duration: 30})
	if !errors.As(err, &refused) || refused.Code != 300 {
		t.Errorf("a local start without a time zone: %v", err)
	}
	_, at, _ := fakeServer(t)
	wrong := zoom.New(at, zoom.App{AccountID: "acct", ClientID: "client", ClientSecret: "wrong"})
	if err := wrong.CheckConnection(t.Context()); !errors.As(err, &refused) || refused.OAuthError != "invalid_client" ||
		!strings.Contains(err.Error(), "Invalid client_id or client_secret") {
		t.Errorf("a wrong secret: %v", err)
	}
}

func TestUsersComePageByPage(t *testing.T) {
	fake, client, _ := fakeZoom(t)
	for i := range 5 {
		fake.AddUser(fmt.Sprintf("u%d", i), fmt.Sprintf("user%d@acme.example", i), "User", fmt.Sprint(i))
	}
	var emails []string
	for token, pages := "", 0; ; pages++ {
		page, err := client.Users(t.Context(), 2, token)
		if err != nil || pages > 3 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, u := range page.Users {
			emails = append(emails, u.Email)
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	if len(emails) != 5 || emails[4] != "user4@acme.example" {
		t.Fatalf("users: %v", emails)
	}
}

// TestAJWTAppSignsItsTokensAndZoomRefusesThem: the token is the one the JWT
// app issued (HS256 with the secret, iss the key, exp in seconds), and Zoom,
// which retired the app type, refuses it as an invalid access token.
func TestAJWTAppSignsItsTokensAndZoomRefusesThem(t *testing.T) {
	app := zoom.JWTApp{APIKey: "key-1", APISecret: "secret-1", TTL: 90 * time.Minute}
	now := time.Unix(1_790_000_000, 0)
	token, exp, err := app.Token(now)
	if err != nil || !exp.Equal(now.Add(90*time.Minute)) {
		t.Fatal(exp, err)
	}
	var claims jwt.RegisteredClaims
	_, err = jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return []byte("secret-1"), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil || claims.Issuer != "key-1" || claims.ExpiresAt.Unix() != now.Add(90*time.Minute).Unix() {
		t.Fatalf("claims %+v, %v", claims, err)
	}
	header, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if string(header) != `{"alg":"HS256","typ":"JWT"}` {
		t.Fatalf("header %s", header)
	}

	_, at, _ := fakeServer(t)
	err = zoom.NewJWT(at, app).CheckConnection(t.Context())
	var refused *zoom.Error
	if !errors.As(err, &refused) || refused.Status != http.StatusUnauthorized || refused.Code != 124 {
		t.Fatalf("checking a JWT app: %v", err)
	}
}
