package graph_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/realtime"
)

func TestCompanyStreamsAndCalls(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		other := env.NewCompany(t, "Other")
		var tok struct{ CreateAPIToken struct{ Token string } }
		env.Must(t, co.AdminToken, `mutation{ createAPIToken(name:"CRM"){ token } }`, nil, &tok)
		integrator := tok.CreateAPIToken.Token

		invites := subscribe(t, env, integrator, "i", `subscription{ inviteEvents{ invitee { email } event { title } } }`, nil)
		_ = invites.WriteJSON(wsMessage{ID: "c", Type: "subscribe", Payload: map[string]any{"query": `subscription{ callEvents{ state callerNumber } }`}})
		refused := subscribe(t, env, co.MemberToken, "i", `subscription{ inviteEvents{ event { title } } }`, nil)
		if m, err := next(t, refused); err != nil || !strings.Contains(toJSON(m.Payload), "FORBIDDEN") {
			t.Errorf("a member subscribed to company invitations: %+v %v", m, err)
		}
		call := env.DB.Client.Call.Create().SetDirection("INBOUND").SetCallerNumber("+84912000111").SetCalleeID(co.Member.ID).
			SetStartedAt(time.Now()).SaveX(testenv.As(co.Admin))
		ringing := subscribe(t, env, co.MemberToken, "r", `subscription{ incomingCall{ state callerNumber } }`, nil)
		_ = ringing.WriteJSON(wsMessage{ID: "u", Type: "subscribe", Payload: map[string]any{"query": `subscription($c:ID!){ callUpdated(call:$c){ call { state } } }`,
			"variables": map[string]any{"c": call.ID}}})
		theirs := subscribe(t, env, other.MemberToken, "u", `subscription($c:ID!){ callUpdated(call:$c){ call { state } } }`, map[string]any{"c": call.ID})
		if m, err := next(t, theirs); err != nil || !strings.Contains(toJSON(m.Payload), "NOT_FOUND") {
			t.Errorf("another company watched the call: %+v %v", m, err)
		}
		time.Sleep(100 * time.Millisecond)

		env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Onboarding", "start": time.Now().Add(time.Hour),
			"durationMinutes": 30, "attendees": []int{co.Member.ID}, "sendInvitations": true}}, &struct{}{})
		// The calls issue publishes these; here the broker is fed directly.
		ring, _ := json.Marshal(realtime.CallChanged{Kind: "RINGING", CallID: call.ID})
		for _, topic := range []string{realtime.IncomingCallTopic(co.Member.ID), realtime.CallTopic(call.ID), realtime.CompanyTopic(co.Company.ID, "calls")} {
			_ = env.App.Broker.Publish(t.Context(), topic, ring)
		}
		want := map[string][]string{
			"integrator": {`"email":"` + co.Member.Email + `"`, `"title":"Onboarding"`, `"callerNumber":"+84912000111"`},
			"member":     {`"state":"RINGING"`, `"callerNumber":"+84912000111"`},
		}
		for who, conn := range map[string]*websocket.Conn{"integrator": invites, "member": ringing} {
			var all string
			for range 2 {
				m, err := next(t, conn)
				if err != nil {
					t.Fatalf("%s: %v", who, err)
				}
				all += toJSON(m.Payload)
			}
			for _, w := range want[who] {
				if !strings.Contains(all, w) {
					t.Errorf("%s lacks %s in %s", who, w, all)
				}
			}
		}
	})
}
