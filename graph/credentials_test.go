package graph_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/internal/testenv"
	"github.com/golang-jwt/jwt/v5"
)

func TestTestingAZoomCredentialReportsItsState(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	const configure = `mutation($in:ConfigureZoomInput!){ configureZoom(input:$in){ id status } }`
	const check = `mutation($id:ID!){ testCredential(id:$id){ status lastError lastCheckedAt } }`
	type checked struct {
		TestCredential struct {
			Status, LastError string
			LastCheckedAt     *string
		}
	}
	var made struct{ ConfigureZoom struct{ ID, Status string } }
	env.Must(t, co.AdminToken, configure, map[string]any{"in": map[string]any{"accountId": testenv.ZoomAccountID,
		"clientId": testenv.ZoomClientID, "clientSecret": "not-the-secret"}}, &made)
	var got checked
	env.Must(t, co.AdminToken, check, map[string]any{"id": made.ConfigureZoom.ID}, &got)
	if got.TestCredential.Status != "ERROR" || !strings.Contains(got.TestCredential.LastError, "client secret") || got.TestCredential.LastCheckedAt == nil {
		t.Fatalf("a wrong secret: %+v", got)
	}
	if res := env.Query(t, co.MemberToken, check, map[string]any{"id": made.ConfigureZoom.ID}); res.Code() != "NOT_FOUND" && res.Code() != "FORBIDDEN" {
		t.Errorf("a member tested it: %+v", res.Errors)
	}
	env.Must(t, co.AdminToken, configure, map[string]any{"in": map[string]any{"accountId": testenv.ZoomAccountID,
		"clientId": testenv.ZoomClientID, "clientSecret": testenv.ZoomClientSecret}}, &made)
	env.Must(t, co.AdminToken, check, map[string]any{"id": made.ConfigureZoom.ID}, &got)
	if got.TestCredential.Status != "CONNECTED" || got.TestCredential.LastError != "" {
		t.Fatalf("the right secret: %+v", got)
	}
}

// TestEmployeesAreMappedToZoomUsersWhoHostTheirMeetings.
func TestEmployeesAreMappedToZoomUsersWhoHostTheirMeetings(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	env.Must(t, co.AdminToken, `mutation($in:ConfigureZoomInput!){ configureZoom(input:$in){ id } }`, map[string]any{"in": map[string]any{
		"accountId": testenv.ZoomAccountID, "clientId": testenv.ZoomClientID, "clientSecret": testenv.ZoomClientSecret}}, &struct{}{})
	for i, name := range []string{"Ann", "Bo", "Cy"} {
		env.Zoom.AddUser(fmt.Sprintf("zu%d", i), strings.ToLower(name)+"@zoom.example", name, "Zoomer")
	}
	const list = `query($after:String){ providerUsers(provider:ZOOM, first:2, after:$after){ users { id email name } nextPageToken totalCount } }`
	var page struct {
		ProviderUsers struct {
			Users         []struct{ ID, Email, Name string }
			NextPageToken *string
			TotalCount    int
		}
	}
	env.Must(t, co.AdminToken, list, nil, &page)
	if len(page.ProviderUsers.Users) != 2 || page.ProviderUsers.TotalCount != 3 || page.ProviderUsers.NextPageToken == nil ||
		page.ProviderUsers.Users[0].Name != "Ann Zoomer" {
		t.Fatalf("first page: %+v", page)
	}
	env.Must(t, co.AdminToken, list, map[string]any{"after": *page.ProviderUsers.NextPageToken}, &page)
	if len(page.ProviderUsers.Users) != 1 || page.ProviderUsers.Users[0].ID != "zu2" || page.ProviderUsers.NextPageToken != nil {
		t.Fatalf("last page: %+v", page)
	}
	if res := env.Query(t, co.MemberToken, list, nil); res.Errors == nil {
		t.Error("a member listed the Zoom account's users")
	}

	const mapping = `mutation($u:ID!, $x:String!){ setProviderAccount(user:$u, provider:ZOOM, externalUserId:$x){ externalUserID } }`
	if res := env.Query(t, co.MemberToken, mapping, map[string]any{"u": co.Member.ID, "x": "zu2"}); res.Code() != "FORBIDDEN" {
		t.Errorf("a member mapped themselves: %+v", res.Errors)
	}
	env.Must(t, co.AdminToken, mapping, map[string]any{"u": co.Admin.ID, "x": "zu0"}, &struct{}{})
	env.Must(t, co.AdminToken, mapping, map[string]any{"u": co.Admin.ID, "x": "zu2"}, &struct{}{}) // replaces the first
	env.Must(t, co.AdminToken, `mutation($in:CreateEventInput!){ createEvent(input:$in){ id } }`, map[string]any{"in": map[string]any{
		"title": "Hosted", "start": time.Now().Add(time.Hour), "durationMinutes": 30, "kind": "ONLINE_MEETING", "provider": "ZOOM"}}, &struct{}{})
	eventually(t, "the meeting hosted by the mapped Zoom user", func() bool { return env.Zoom.MeetingsHostedBy("zu2") == 1 })
}

// TestALegacyZoomJWTApp: its tokens are signed as the app did; the admin is
// told Zoom retired the app type and how to move on, and a meeting that
// can only use it fails in those words rather than silently.
func TestALegacyZoomJWTApp(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	var made struct{ ConfigureZoomJWT struct{ ID, Warning string } }
	env.Must(t, co.AdminToken, `mutation{ configureZoomJWT(input:{apiKey:"key-1", apiSecret:"jwt-secret-1", tokenMinutes:30}){ id warning } }`, nil, &made)
	if !strings.Contains(made.ConfigureZoomJWT.Warning, "retired JWT apps on September 8, 2023") || !strings.Contains(made.ConfigureZoomJWT.Warning, "Server-to-Server OAuth") {
		t.Fatalf("the warning: %q", made.ConfigureZoomJWT.Warning)
	}
	if res := env.Query(t, co.AdminToken, `mutation{ configureZoomJWT(input:{apiKey:"k", apiSecret:"s", tokenMinutes:0}){ id } }`, nil); res.Field() != "tokenMinutes" {
		t.Errorf("a zero lifetime: %+v", res.Errors)
	}
	const token = `mutation($id:ID!){ zoomJWTToken(id:$id) }`
	var got struct{ ZoomJWTToken string }
	env.Must(t, co.AdminToken, token, map[string]any{"id": made.ConfigureZoomJWT.ID}, &got)
	var claims jwt.RegisteredClaims
	if _, err := jwt.ParseWithClaims(got.ZoomJWTToken, &claims, func(*jwt.Token) (any, error) { return []byte("jwt-secret-1"), nil },
		jwt.WithValidMethods([]string{"HS256"})); err != nil || claims.Issuer != "key-1" ||
		time.Until(claims.ExpiresAt.Time) < 29*time.Minute || time.Until(claims.ExpiresAt.Time) > 31*time.Minute {
		t.Fatalf("the token's claims %+v: %v", claims, err)
	}
	if res := env.Query(t, co.MemberToken, token, map[string]any{"id": made.ConfigureZoomJWT.ID}); res.Code() == "" {
		t.Error("a member got a token")
	}
	var checked struct {
		TestCredential struct{ Status, LastError string }
	}
	env.Must(t, co.AdminToken, `mutation($id:ID!){ testCredential(id:$id){ status lastError } }`, map[string]any{"id": made.ConfigureZoomJWT.ID}, &checked)
	if checked.TestCredential.Status != "ERROR" || !strings.Contains(checked.TestCredential.LastError, "Invalid access token") ||
		!strings.Contains(checked.TestCredential.LastError, "configureZoom") {
		t.Fatalf("checked: %+v", checked.TestCredential)
	}
	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Old ways", "start": time.Now().Add(time.Hour),
		"durationMinutes": 30, "kind": "ONLINE_MEETING", "provider": "ZOOM", "attendees": []int{}}}, &struct{}{})
	eventually(t, "the conference failed", func() bool {
		c, err := env.DB.Client.Conference.Query().Only(testenv.As(co.Admin))
		return err == nil && c.State == "FAILED" && strings.Contains(c.LastError, "retired JWT apps")
	})
}
