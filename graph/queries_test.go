package graph_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/internal/testenv"
)

// addEvents creates n events, each in a room with three attendees.
func addEvents(t testing.TB, env *testenv.Env, co *testenv.Company, n int) {
	t.Helper()
	ctx := testenv.As(co.Admin)
	c := env.DB.Client
	people := make([]*ent.User, 3)
	for i := range people {
		people[i] = env.NewUser(t, co.Company, fmt.Sprintf("Person %d-%d", n, i), fmt.Sprintf("p%d-%d@%d.example", n, i, co.Company.ID), "MEMBER")
	}
	room, err := c.Room.Create().SetName(fmt.Sprintf("Room %d", n)).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(24 * time.Hour)
	for i := range n {
		ev, err := c.Event.Create().SetTitle(fmt.Sprintf("Meeting %d", i)).SetStartAt(start.Add(time.Duration(i) * time.Hour)).
			SetDurationMinutes(30).SetOrganizer(co.Admin).SetRoom(room).SetIcalUID(fmt.Sprintf("%d-%d-%d", co.Company.ID, n, i)).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range people {
			if err := c.Attendee.Create().SetEvent(ev).SetUser(p).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
}

const eventPage = `{ eventList(first: 50, orderBy: {field: START_AT}) { totalCount edges { node {
	title startAt organizer { name } room { name capacity }
	attendees { role response user { name email } }
} } } }`

func TestEventPageCostsConstantQueries(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		counts := map[int]int{}
		for _, n := range []int{5, 50} {
			co := env.NewCompany(t, fmt.Sprintf("Company %d", n))
			addEvents(t, env, co, n)
			env.Queries.Reset()
			var out struct {
				EventList struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							Attendees []struct{ User struct{ Name string } }
						}
					}
				}
			}
			env.Must(t, co.AdminToken, eventPage, nil, &out)
			counts[n] = env.Queries.Count()
			if len(out.EventList.Edges) != n || len(out.EventList.Edges[n-1].Node.Attendees) != 3 {
				t.Fatalf("%d events: got %d edges", n, len(out.EventList.Edges))
			}
		}
		if counts[5] != counts[50] || counts[50] > 8 {
			t.Fatalf("SQL statements for a page of 5 events: %d, of 50: %d; want the same, at most 8", counts[5], counts[50])
		}
		t.Logf("a page of events with organizer, room and attendees costs %d statements", counts[50])
	})
}

func TestUserAndRoomListsCostConstantQueries(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	counts := map[int]int{}
	for _, n := range []int{3, 30} {
		co := env.NewCompany(t, fmt.Sprintf("Company %d", n))
		for i := range n {
			env.NewUser(t, co.Company, fmt.Sprintf("U%d", i), fmt.Sprintf("u%d@%d.example", i, n), "MEMBER")
		}
		env.Queries.Reset()
		env.Must(t, co.AdminToken, `{ users(first: 50) { edges { node { name company { name } } } } channels { edges { node { name members { name } } } } }`, nil, &struct{}{})
		counts[n] = env.Queries.Count()
	}
	if counts[3] != counts[30] {
		t.Fatalf("users list: %d statements for 5 users, %d for 32", counts[3], counts[30])
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
