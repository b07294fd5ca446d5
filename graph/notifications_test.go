package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/internal/testenv"
)

func TestInvitationsAreStoredThenPushed(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		colleague := env.NewUser(t, co.Company, "Colleague", "colleague@acme.example", "MEMBER")
		env.Must(t, co.AdminToken, `mutation($in:ConfigureZoomInput!){ configureZoom(input:$in){ id } }`, map[string]any{"in": map[string]any{
			"accountId": testenv.ZoomAccountID, "clientId": testenv.ZoomClientID, "clientSecret": testenv.ZoomClientSecret}}, &struct{}{})
		conn := subscribe(t, env, co.MemberToken, "inv", `subscription{ invitationReceived{ title organizer { name } conference { state joinURL password } } }`, nil)
		_ = conn.WriteJSON(wsMessage{ID: "note", Type: "subscribe", Payload: map[string]any{"query": `subscription{ notificationAdded{ kind title } }`}})
		time.Sleep(100 * time.Millisecond)

		meeting := func(title string, invite bool) {
			env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": title, "start": time.Now().Add(time.Hour),
				"durationMinutes": 30, "kind": "ONLINE_MEETING", "provider": "ZOOM", "sendInvitations": invite,
				"attendees": []int{co.Member.ID, co.Admin.ID}}}, &struct{}{})
		}
		meeting("Quiet one", false)
		meeting("Kickoff", true)
		got := map[string]string{}
		for range 2 {
			m, err := next(t, conn)
			if err != nil {
				t.Fatal(err)
			}
			got[m.ID] = toJSON(m.Payload)
		}
		// The link may have come already: the conference is PENDING or READY.
		if !strings.Contains(got["inv"], `"title":"Kickoff"`) || !regexpMatch(`"state":"(PENDING|READY)"`, got["inv"]) || !strings.Contains(got["inv"], co.Admin.Name) {
			t.Errorf("invitationReceived: %s", got["inv"])
		}
		if !strings.Contains(got["note"], `"kind":"INVITATION"`) || !strings.Contains(got["note"], `"title":"Invitation: Kickoff"`) {
			t.Errorf("notificationAdded: %s", got["note"])
		}

		// Stored first: readable later, counted, marked read, and only mine.
		var unread struct{ UnreadNotifications int }
		env.Must(t, co.MemberToken, `{ unreadNotifications }`, nil, &unread)
		if unread.UnreadNotifications != 1 {
			t.Fatalf("unread: %d", unread.UnreadNotifications)
		}
		env.Must(t, co.AdminToken, `{ unreadNotifications }`, nil, &unread)
		if unread.UnreadNotifications != 0 {
			t.Fatalf("the organizer got %d notices of their own meeting", unread.UnreadNotifications)
		}
		var marked struct{ MarkNotificationsRead int }
		env.Must(t, env.Login(t, colleague.Email), `mutation{ markNotificationsRead }`, nil, &marked)
		if marked.MarkNotificationsRead != 0 {
			t.Fatalf("a colleague marked %d of someone else's notices", marked.MarkNotificationsRead)
		}
		env.Must(t, co.MemberToken, `mutation{ markNotificationsRead }`, nil, &marked)
		env.Must(t, co.MemberToken, `{ unreadNotifications }`, nil, &unread)
		if marked.MarkNotificationsRead != 1 || unread.UnreadNotifications != 0 {
			t.Fatalf("marked %d, unread %d", marked.MarkNotificationsRead, unread.UnreadNotifications)
		}
	})
}
