package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/convene/convene/db"
	"github.com/convene/convene/internal/testdb"
	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/realtime"
)

// subscribe opens a graphql-transport-ws socket as token and starts query.
func subscribe(t *testing.T, env *testenv.Env, token, id, query string, vars map[string]any) *websocket.Conn {
	t.Helper()
	conn, _, err := dial(t, env, "graphql-transport-ws", "")
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.WriteJSON(wsMessage{Type: "connection_init", Payload: map[string]any{"Authorization": "Bearer " + token}})
	if m, err := next(t, conn); err != nil || m.Type != "connection_ack" {
		t.Fatalf("init: %+v %v", m, err)
	}
	_ = conn.WriteJSON(wsMessage{ID: id, Type: "subscribe", Payload: map[string]any{"query": query, "variables": vars}})
	return conn
}

const eventChanged = `subscription($rooms:[ID!]){ eventChanged(rooms:$rooms){ kind event { title } } }`

func TestEventChangedReachesTheCalendarsThatShowIt(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		other := env.NewCompany(t, "Other")
		room := env.DB.Client.Room.Create().SetName("Lotus").SaveX(testenv.As(co.Admin))
		invited := subscribe(t, env, co.MemberToken, "1", eventChanged, nil)
		inRoom := subscribe(t, env, co.AdminToken, "1", eventChanged, map[string]any{"rooms": []int{room.ID}})
		outsider := subscribe(t, env, other.MemberToken, "1", eventChanged, nil)
		time.Sleep(100 * time.Millisecond) // let the subscriptions start

		env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Planning",
			"start": time.Now().Add(time.Hour), "durationMinutes": 30, "attendees": []int{co.Member.ID}, "room": room.ID}}, &struct{}{})
		for name, conn := range map[string]*websocket.Conn{"invited member": invited, "room watcher": inRoom} {
			m, err := next(t, conn)
			if err != nil || m.Type != "next" || !strings.Contains(toJSON(m.Payload), `"kind":"CREATED"`) ||
				!strings.Contains(toJSON(m.Payload), `"title":"Planning"`) {
				t.Errorf("%s: %+v %v", name, m, err)
			}
		}
		_ = outsider.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if m, err := next(t, outsider); err == nil {
			t.Errorf("another company's user received %+v", m)
		}

		// Rooms of another company cannot be watched.
		conn := subscribe(t, env, other.AdminToken, "1", eventChanged, map[string]any{"rooms": []int{room.ID}})
		// gqlgen reports a refused subscription as a result carrying errors.
		if m, err := next(t, conn); err != nil || (m.Type != "error" && m.Type != "next") || !strings.Contains(toJSON(m.Payload), "BAD_USER_INPUT") ||
			strings.Contains(toJSON(m.Payload), "Planning") {
			t.Errorf("watching another company's room: %+v %v", m, err)
		}
	})
}

func TestDuplicateSubscriptionIDClosesWith4409(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	conn := subscribe(t, env, co.MemberToken, "same", eventChanged, nil)
	_ = conn.WriteJSON(wsMessage{ID: "same", Type: "subscribe", Payload: map[string]any{"query": eventChanged}})
	var err error
	for err == nil {
		_, err = next(t, conn)
	}
	if closeCode(err) != 4409 {
		t.Fatalf("closed with %v, want 4409", err)
	}
}

func TestSlowSubscriberIsClosedWithTryAgainLater(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	e := env.DB.Client.Event.Create().SetTitle("Busy").SetStartAt(time.Now().Add(time.Hour)).SetDurationMinutes(5).
		SetOrganizer(co.Member).SetIcalUID("busy").SaveX(testenv.As(co.Member))
	conn := subscribe(t, env, co.MemberToken, "1", eventChanged, nil)
	time.Sleep(100 * time.Millisecond)
	payload, _ := json.Marshal(realtime.EventChanged{Kind: "UPDATED", EventID: e.ID})
	for range 500 { // far faster than each notice can be loaded and written
		_ = env.App.Broker.Publish(t.Context(), realtime.UserTopic(co.Member.ID), payload)
	}
	var err error
	received := 0
	for err == nil {
		if _, err = next(t, conn); err == nil {
			received++
		}
	}
	if closeCode(err) != 1013 || received >= 500 {
		t.Fatalf("after %d notices: %v, want close 1013", received, err)
	}
	if n := env.App.Broker.(interface{ CutOff() int64 }).CutOff(); n != 1 {
		t.Fatalf("%d subscribers cut off, want 1", n)
	}
	res, err := env.Server.Client().Get(env.Server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if b, _ := io.ReadAll(res.Body); !strings.Contains(string(b), "convene_subscribers_cut_off_total 1") {
		t.Fatal("the cut-off is not in /metrics")
	}
}

// TestNoticesCrossReplicas: a meeting made through replica A reaches a
// subscriber connected to replica B, through Postgres and through NATS.
func TestNoticesCrossReplicas(t *testing.T) {
	prefix := fmt.Sprintf("convene_test_%d", time.Now().UnixNano())
	for name, newBroker := range map[string]testenv.BrokerFactory{
		"postgres": nil,
		"nats": func(ctx context.Context, _ *db.DB, log *slog.Logger) (realtime.Broker, error) {
			return realtime.NewNATS(ctx, testdb.NATSURL(t), prefix, log)
		},
	} {
		t.Run(name, func(t *testing.T) { crossReplicas(t, testenv.NewWithBroker(t, "postgres", newBroker)) })
	}
}

func crossReplicas(t *testing.T, a *testenv.Env) {
	b := a.Replica(t)
	co := a.NewCompany(t, "Acme")
	onB := subscribe(t, b, co.MemberToken, "1", eventChanged, nil)
	time.Sleep(100 * time.Millisecond)
	a.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Across",
		"start": time.Now().Add(time.Hour), "durationMinutes": 30, "attendees": []int{co.Member.ID}}}, &struct{}{})
	if m, err := next(t, onB); err != nil || !strings.Contains(toJSON(m.Payload), `"title":"Across"`) {
		t.Fatalf("replica B: %+v %v", m, err)
	}
}

// TestRemovedAttendeeHearsTheChange: someone taken off a meeting sees it
// leave their calendar.
func TestRemovedAttendeeHearsTheChange(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	var made struct{ CreateEvent struct{ ID string } }
	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Review", "start": time.Now().Add(time.Hour),
		"durationMinutes": 30, "attendees": []int{co.Member.ID}}}, &made)
	removed := subscribe(t, env, co.MemberToken, "1", eventChanged, nil)
	time.Sleep(100 * time.Millisecond)
	env.Must(t, co.AdminToken, updateEvent, map[string]any{"id": made.CreateEvent.ID, "s": "ALL",
		"in": map[string]any{"attendees": []int{}}}, &struct{}{})
	if m, err := next(t, removed); err != nil || !strings.Contains(toJSON(m.Payload), `"kind":"UPDATED"`) {
		t.Fatalf("the removed attendee heard %+v %v", m, err)
	}
}

// TestIdleSubscribersHoldOneGoroutineAndLeaveNothing: a subscribed socket
// waits on its reader alone, and completing or closing it frees its broker
// subscription.
func TestIdleSubscribersHoldOneGoroutineAndLeaveNothing(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	subscribers := func() int { return env.App.Broker.(interface{ Subscribers() int }).Subscribers() }
	settle := func(want func() bool) {
		for deadline := time.Now().Add(5 * time.Second); !want() && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
	}
	before := runtime.NumGoroutine()
	const n = testenv.TestSocketsPerUser
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		conns[i] = subscribe(t, env, co.MemberToken, "1", eventChanged, nil)
	}
	settle(func() bool { return subscribers() == n })
	time.Sleep(100 * time.Millisecond) // operations' starting goroutines end
	// The test's own client sockets hold none: it reads them only when asked.
	if held := runtime.NumGoroutine() - before; held > n {
		t.Fatalf("%d idle subscribers hold %d goroutines", n, held)
	}

	_ = conns[0].WriteJSON(wsMessage{ID: "1", Type: "complete"})
	settle(func() bool { return subscribers() == n-1 })
	if got := subscribers(); got != n-1 {
		t.Fatalf("after complete: %d broker subscriptions, want %d", got, n-1)
	}
	for _, c := range conns[1:] {
		_ = c.Close()
	}
	settle(func() bool { return subscribers() == 0 })
	if got := subscribers(); got != 0 {
		t.Fatalf("after closing: %d broker subscriptions left", got)
	}
}
