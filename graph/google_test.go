package graph_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/conference"
	"github.com/convene/convene/ent/credential"
	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/viewer"
)

// consent opens the consent page as the admin's browser would, lets the
// fake Google allow access, and follows it back to our callback.
func consent(t testing.TB, env *testenv.Env, token, credentialID string) (int, string) {
	return consentAt(t, env, token, credentialID, "google")
}

// consentAt is consent for the provider whose callback path is name.
func consentAt(t testing.TB, env *testenv.Env, token, credentialID, name string) (int, string) {
	t.Helper()
	var auth struct{ AuthorizeCredentialURL string }
	env.Must(t, token, `mutation($id:ID!){ authorizeCredentialURL(id:$id) }`, map[string]any{"id": credentialID}, &auth)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(auth.AuthorizeCredentialURL)
	if err != nil || res.StatusCode != http.StatusFound {
		t.Fatalf("the consent page: %v %v", res, err)
	}
	back := res.Header.Get("Location")
	if !strings.HasPrefix(back, env.Server.URL+"/oauth/"+name+"/callback?") {
		t.Fatalf("Google sent the admin to %s", back)
	}
	return get(t, back)
}

func get(t testing.TB, address string) (int, string) {
	t.Helper()
	res, err := http.Get(address)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// TestGoogleMeetFromConsentToCancel: an admin connects Google through its
// consent page; a meeting gets its Meet link after Google made it (and
// after Google failed once), follows moves, and goes when cancelled. A
// withdrawn consent makes the next meeting wait, not fail, until an admin
// consents again.
func TestGoogleMeetFromConsentToCancel(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	env.Google.PendingReads = 1
	co := env.NewCompany(t, "Acme")
	var made struct {
		ConfigureGoogle struct{ ID, Status, RedirectURI string }
	}
	env.Must(t, co.AdminToken, `mutation($in:ConfigureGoogleInput!){ configureGoogle(input:$in){ id status redirectURI } }`, map[string]any{"in": map[string]any{
		"clientId": testenv.GoogleClientID, "clientSecret": testenv.GoogleClientSecret}}, &made)
	cred := made.ConfigureGoogle
	if cred.Status != "NEEDS_AUTH" || cred.RedirectURI != env.Server.URL+"/oauth/google/callback" {
		t.Fatalf("configured: %+v", cred)
	}
	const check = `mutation($id:ID!){ testCredential(id:$id){ status lastError } }`
	if res := env.Query(t, co.AdminToken, check, map[string]any{"id": cred.ID}); res.Code() != "PROVIDER_ERROR" {
		t.Errorf("checking before consent: %+v", res.Errors)
	}
	if res := env.Query(t, co.MemberToken, `mutation($id:ID!){ authorizeCredentialURL(id:$id) }`, map[string]any{"id": cred.ID}); res.Code() == "" {
		t.Errorf("a member got a consent URL")
	}

	status, page := consent(t, env, co.AdminToken, cred.ID)
	if status != http.StatusOK || !strings.Contains(page, "Google connected") {
		t.Fatalf("the callback: %d %s", status, page)
	}
	var checked struct {
		TestCredential struct{ Status, LastError string }
	}
	env.Must(t, co.AdminToken, check, map[string]any{"id": cred.ID}, &checked)
	if checked.TestCredential.Status != "CONNECTED" {
		t.Fatalf("checked: %+v", checked.TestCredential)
	}

	changes := subscribe(t, env, co.MemberToken, "1", `subscription{ eventChanged{ kind event { conference { state joinURL } } } }`, nil)
	time.Sleep(100 * time.Millisecond)
	env.Google.FailNext(http.StatusInternalServerError)
	var ev struct{ CreateEvent struct{ ID string } }
	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Review", "start": time.Now().Add(24 * time.Hour),
		"durationMinutes": 45, "kind": "ONLINE_MEETING", "provider": "GOOGLE_MEET", "attendees": []int{co.Member.ID}, "timeZone": "Europe/Helsinki"}}, &ev)
	for {
		m, err := next(t, changes)
		if err != nil {
			t.Fatalf("waiting for the Meet link: %v", err)
		}
		if p := toJSON(m.Payload); strings.Contains(p, "CONFERENCE_READY") {
			if !strings.Contains(p, `"joinURL":"https://meet.google.com/`) {
				t.Fatalf("ready: %s", p)
			}
			break
		}
	}
	conf := func() *ent.Conference {
		return env.DB.Client.Conference.Query().Order(ent.Desc(conference.FieldID)).FirstX(testenv.As(co.Admin))
	}
	held, live := env.Google.Event(conf().ExternalID)
	if !live || env.Google.Live() != 1 || held["summary"] != "Review" || held["start"].(map[string]any)["timeZone"] != "Europe/Helsinki" {
		t.Fatalf("Google holds %d events; ours: %v", env.Google.Live(), held)
	}

	env.Google.ExpireAccessTokens() // refused before its time: the change refreshes it and goes through
	env.Must(t, co.AdminToken, updateEvent, map[string]any{"id": ev.CreateEvent.ID, "s": "ALL", "in": map[string]any{"title": "Review, moved"}}, &struct{}{})
	eventually(t, "Google's event renamed", func() bool { held, _ := env.Google.Event(conf().ExternalID); return held["summary"] == "Review, moved" })
	env.Must(t, co.AdminToken, `mutation($id:ID!){ cancelEvent(id:$id){ id } }`, map[string]any{"id": ev.CreateEvent.ID}, &struct{}{})
	eventually(t, "Google's event deleted", func() bool { return env.Google.Live() == 0 && conf().State == conference.StateREMOVED })

	// The consent is withdrawn at Google, and the access token has run out.
	env.Google.Revoke()
	env.DB.Client.Credential.Update().Where(credential.ProviderEQ("GOOGLE")).SetTokenExpiresAt(time.Now()).ExecX(testenv.As(co.Admin))
	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Retro", "start": time.Now().Add(48 * time.Hour),
		"durationMinutes": 30, "kind": "ONLINE_MEETING", "provider": "GOOGLE_MEET", "attendees": []int{co.Member.ID}}}, &ev)
	eventually(t, "the conference waits", func() bool { return strings.Contains(conf().LastError, "waiting for an admin to authorize") })
	if c := conf(); c.State != conference.StatePENDING {
		t.Fatalf("the conference is %s, want PENDING", c.State)
	}
	var creds struct {
		Node struct{ Status, LastError string }
	}
	env.Must(t, co.AdminToken, `query($id:ID!){ node(id:$id){ ... on Credential { status lastError } } }`, map[string]any{"id": cred.ID}, &creds)
	if creds.Node.Status != "NEEDS_AUTH" || !strings.Contains(creds.Node.LastError, "authorizes the app again") {
		t.Fatalf("after the revocation: %+v", creds.Node)
	}
	var told struct {
		Notifications struct {
			Edges []struct{ Node struct{ Kind, Title string } }
		}
	}
	env.Must(t, co.AdminToken, `{ notifications(first:5, where:{kind:CONNECTION_NEEDS_AUTH}){ edges { node { kind title } } } }`, nil, &told)
	if n := told.Notifications.Edges; len(n) != 1 || !strings.Contains(n[0].Node.Title, "GOOGLE needs your consent again") {
		t.Fatalf("the admin was told %+v", n)
	}
	if status, _ := consent(t, env, co.AdminToken, cred.ID); status != http.StatusOK {
		t.Fatalf("consenting again: %d", status)
	}
	eventually(t, "the waiting conference made", func() bool { return conf().State == conference.StateREADY })
	if env.Google.Live() != 1 {
		t.Fatalf("Google holds %d events, want 1", env.Google.Live())
	}
}

// TestConsentCallbackRefusesForgedAndReplayedStates: a state not signed by
// us, or a code already used, connects nothing.
func TestConsentCallbackRefusesForgedAndReplayedStates(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	var made struct{ ConfigureGoogle struct{ ID string } }
	env.Must(t, co.AdminToken, `mutation($in:ConfigureGoogleInput!){ configureGoogle(input:$in){ id } }`, map[string]any{"in": map[string]any{
		"clientId": testenv.GoogleClientID, "clientSecret": testenv.GoogleClientSecret}}, &made)
	var auth struct{ AuthorizeCredentialURL string }
	env.Must(t, co.AdminToken, `mutation($id:ID!){ authorizeCredentialURL(id:$id) }`, map[string]any{"id": made.ConfigureGoogle.ID}, &auth)
	u, _ := url.Parse(auth.AuthorizeCredentialURL)
	if q := u.Query(); q.Get("access_type") != "offline" || q.Get("prompt") != "consent" || q.Get("code_challenge_method") != "S256" ||
		q.Get("redirect_uri") != env.Server.URL+"/oauth/google/callback" || !strings.Contains(q.Get("scope"), "auth/calendar") {
		t.Fatalf("the consent URL asks for %v", q)
	}
	forged := url.Values{"state": {u.Query().Get("state") + "x"}, "code": {"4/0Aforged"}}
	if status, _ := get(t, env.Server.URL+"/oauth/google/callback?"+forged.Encode()); status != http.StatusBadRequest {
		t.Errorf("a forged state: %d", status)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, _ := noFollow.Get(auth.AuthorizeCredentialURL)
	back := res.Header.Get("Location")
	if status, _ := get(t, back); status != http.StatusOK {
		t.Fatalf("the consent: %d", status)
	}
	if status, _ := get(t, back); status != http.StatusBadRequest {
		t.Errorf("the same code twice: %d", status)
	}
	denied := url.Values{"state": {u.Query().Get("state")}, "error": {"access_denied"}}
	if status, page := get(t, env.Server.URL+"/oauth/google/callback?"+denied.Encode()); status != http.StatusOK || !strings.Contains(page, "not connected") {
		t.Errorf("a declined consent: %d %s", status, page)
	}

	// A consent started by an admin who is no longer one connects nothing.
	res, _ = noFollow.Get(auth.AuthorizeCredentialURL)
	back = res.Header.Get("Location")
	env.DB.Client.User.UpdateOne(co.Admin).SetRole("MEMBER").ExecX(viewer.NewSystemContext(t.Context(), viewer.SystemSeed))
	if status, page := get(t, back); status != http.StatusBadRequest || !strings.Contains(page, "no longer an admin") {
		t.Errorf("a consent by a former admin: %d %s", status, page)
	}
}
