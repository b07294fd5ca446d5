package graph_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/conference"
	"github.com/convene/convene/ent/credential"
	"github.com/convene/convene/internal/testenv"
)

// TestTeamsMeetingFromConsentToCancel: an admin connects Microsoft; a
// weekly meeting gets its Teams link as a Graph series, after Graph was
// unavailable once; Microsoft's refresh tokens rotate on every use, and
// the rotated one is what the next refresh uses; cancelling deletes the
// event.
func TestTeamsMeetingFromConsentToCancel(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	var made struct {
		ConfigureMicrosoft struct{ ID, AccountID, RedirectURI string }
	}
	env.Must(t, co.AdminToken, `mutation($in:ConfigureMicrosoftInput!){ configureMicrosoft(input:$in){ id accountID redirectURI } }`, map[string]any{"in": map[string]any{
		"clientId": testenv.MicrosoftClientID, "clientSecret": testenv.MicrosoftClientSecret}}, &made)
	cred := made.ConfigureMicrosoft
	if cred.AccountID != "common" || cred.RedirectURI != env.Server.URL+"/oauth/microsoft/callback" {
		t.Fatalf("configured: %+v", cred)
	}
	if status, page := consentAt(t, env, co.AdminToken, cred.ID, "microsoft"); status != http.StatusOK || !strings.Contains(page, "Microsoft connected") {
		t.Fatalf("the callback: %d %s", status, page)
	}
	expire := func() { // the access token has run out: the next call refreshes
		env.DB.Client.Credential.Update().Where(credential.ProviderEQ("MICROSOFT")).SetTokenExpiresAt(time.Now()).ExecX(testenv.As(co.Admin))
	}
	expire()
	var checked struct {
		TestCredential struct{ Status, LastError string }
	}
	env.Must(t, co.AdminToken, `mutation($id:ID!){ testCredential(id:$id){ status lastError } }`, map[string]any{"id": cred.ID}, &checked)
	if checked.TestCredential.Status != "CONNECTED" {
		t.Fatalf("checked: %+v", checked.TestCredential)
	}

	expire() // the refresh token used above was spent: only the rotated one works now
	env.Microsoft.FailNext(http.StatusServiceUnavailable)
	var ev struct{ CreateEvent struct{ ID string } }
	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Weekly", "start": time.Now().Add(24 * time.Hour),
		"durationMinutes": 30, "kind": "ONLINE_MEETING", "provider": "TEAMS", "attendees": []int{co.Member.ID}, "timeZone": "Asia/Ho_Chi_Minh",
		"recurrence": map[string]any{"rrule": "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6"}}}, &ev)
	conf := func() *ent.Conference { return env.DB.Client.Conference.Query().OnlyX(testenv.As(co.Admin)) }
	eventually(t, "the Teams link", func() bool { return conf().State == conference.StateREADY })
	if c := conf(); !strings.HasPrefix(c.JoinURL, "https://teams.microsoft.com/l/meetup-join/") {
		t.Fatalf("the link: %q (%s)", c.JoinURL, c.LastError)
	}
	held, ok := env.Microsoft.Event(conf().ExternalID)
	if !ok || held["subject"] != "Weekly" || held["type"] != "seriesMaster" || env.Microsoft.Events() != 1 {
		t.Fatalf("Graph holds %d events; ours: %v", env.Microsoft.Events(), held)
	}
	pattern := held["recurrence"].(map[string]any)["pattern"].(map[string]any)
	rng := held["recurrence"].(map[string]any)["range"].(map[string]any)
	if pattern["type"] != "weekly" || toJSON(pattern["daysOfWeek"]) != `["monday","wednesday"]` || rng["numberOfOccurrences"] != 6.0 ||
		rng["recurrenceTimeZone"] != "Asia/Ho_Chi_Minh" { // Graph answers times in UTC; the series keeps its zone here
		t.Fatalf("the series: %v %v %v", pattern, rng, held["start"])
	}

	env.Must(t, co.AdminToken, `mutation($id:ID!){ cancelEvent(id:$id){ id } }`, map[string]any{"id": ev.CreateEvent.ID}, &struct{}{})
	eventually(t, "Graph's event deleted", func() bool { return env.Microsoft.Events() == 0 && conf().State == conference.StateREMOVED })
}
