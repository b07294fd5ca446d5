package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/realtime"
)

// TestSharedRenderingKeepsWhatIsPerViewer: two subscribers of one room
// with the same operation, which selects a channel's posts, each get their
// own view of them: the member reads the post, the bystander does not.
func TestSharedRenderingKeepsWhatIsPerViewer(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	bystander := env.Login(t, env.NewUser(t, co.Company, "Bystander", "by@acme.example", "MEMBER").Email)
	room := env.DB.Client.Room.Create().SetName("Lotus").SaveX(testenv.As(co.Admin))
	var made struct{ CreateChannel struct{ ID string } }
	env.Must(t, co.MemberToken, `mutation{ createChannel(input:{name:"board"}){ id } }`, nil, &made)
	env.Must(t, co.MemberToken, `mutation($c:ID!){ postMessage(channel:$c, body:"Secret plan"){ id } }`,
		map[string]any{"c": made.CreateChannel.ID}, &struct{}{})

	query := `subscription($rooms:[ID!]){ eventChanged(rooms:$rooms){ event { title channel { posts(first:5){ edges { node { body } } } } } } }`
	vars := map[string]any{"rooms": []int{room.ID}}
	member := subscribe(t, env, co.MemberToken, "1", query, vars)
	other := subscribe(t, env, bystander, "1", query, vars)
	time.Sleep(100 * time.Millisecond)
	env.Must(t, co.MemberToken, createEvent, map[string]any{"in": map[string]any{"title": "Board", "start": time.Now().Add(time.Hour),
		"durationMinutes": 30, "room": room.ID, "channel": made.CreateChannel.ID, "kind": "MEETING"}}, &struct{}{})

	if m, err := next(t, member); err != nil || !strings.Contains(toJSON(m.Payload), "Secret plan") {
		t.Errorf("the member: %+v %v", m, err)
	}
	if m, err := next(t, other); err != nil || !strings.Contains(toJSON(m.Payload), `"title":"Board"`) || strings.Contains(toJSON(m.Payload), "Secret plan") {
		t.Errorf("the bystander: %+v %v", m, err)
	}
}

// TestSharedRenderingReadsOncePerNotice: twenty subscribers of a room get
// a change rendered once between them, not twenty times.
func TestSharedRenderingReadsOncePerNotice(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	room := env.DB.Client.Room.Create().SetName("Lotus").SaveX(testenv.As(co.Admin))
	e := env.DB.Client.Event.Create().SetTitle("Standup").SetStartAt(time.Now().Add(time.Hour)).SetDurationMinutes(15).
		SetOrganizer(co.Member).SetRoom(room).SetIcalUID("standup").SaveX(testenv.As(co.Member))
	query := `subscription($rooms:[ID!]){ eventChanged(rooms:$rooms){ kind event { title organizer { name } room { name } responseCounts { accepted } } } }`
	var conns []*websocket.Conn
	for i := range 20 {
		token := env.Login(t, env.NewUser(t, co.Company, "Watcher", fmt.Sprintf("w%d@acme.example", i), "MEMBER").Email)
		conns = append(conns, subscribe(t, env, token, "1", query, map[string]any{"rooms": []int{room.ID}}))
	}
	time.Sleep(200 * time.Millisecond)

	env.Queries.Reset()
	payload, _ := json.Marshal(realtime.EventChanged{Kind: "UPDATED", EventID: e.ID, Version: 1})
	if err := env.App.Broker.Publish(t.Context(), realtime.RoomTopic(room.ID), payload); err != nil {
		t.Fatal(err)
	}
	for i, conn := range conns {
		m, err := next(t, conn)
		if err != nil || !strings.Contains(toJSON(m.Payload), `"organizer":{"name":"Member of Acme"}`) {
			t.Fatalf("subscriber %d: %+v %v", i, m, err)
		}
	}
	// One read of the event and one per field that needs its own; each
	// subscriber rendering its own would take at least 60.
	if n := env.Queries.Count(); n > 15 {
		t.Fatalf("%d queries for one notice to 20 subscribers", n)
	}
}
