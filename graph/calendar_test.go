package graph_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/internal/testenv"
)

type occurrence struct {
	Event        struct{ Title string }
	Start, End   time.Time
	RecurrenceID *time.Time
	MyResponse   *string
}

const calendarQuery = `query($from:Time!, $to:Time!, $users:[ID!], $rooms:[ID!]){
	events(from:$from, to:$to, users:$users, rooms:$rooms){ event { title } start end recurrenceId myResponse } }`

func calendar(t *testing.T, env *testenv.Env, token string, from, to time.Time, users, rooms []int) []occurrence {
	t.Helper()
	var out struct{ Events []occurrence }
	env.Must(t, token, calendarQuery, map[string]any{"from": from, "to": to, "users": users, "rooms": rooms}, &out)
	return out.Events
}

func titlesAt(occ []occurrence, loc *time.Location) []string {
	var out []string
	for _, o := range occ {
		out = append(out, o.Start.In(loc).Format("Jan 2 15:04 ")+o.Event.Title)
	}
	return out
}

func TestCalendarExpandsSeriesWithExceptionsAndMoves(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		helsinki, _ := time.LoadLocation("Europe/Helsinki")
		ctx := testenv.As(co.Admin)
		c := env.DB.Client
		start := time.Date(2027, 3, 1, 9, 0, 0, 0, helsinki) // a Monday
		cancelled := start.AddDate(0, 0, 14)
		movedFrom := start.AddDate(0, 0, 21)
		series := c.Event.Create().SetTitle("Standup").SetStartAt(start).SetDurationMinutes(15).
			SetTimeZone("Europe/Helsinki").SetRrule("FREQ=WEEKLY;BYDAY=MO").SetExdates([]time.Time{cancelled}).
			SetOrganizer(co.Admin).SetIcalUID("standup").SaveX(ctx)
		c.Attendee.Create().SetEvent(series).SetUser(co.Member).SetResponse("ACCEPTED").ExecX(ctx)
		moved := c.Event.Create().SetTitle("Standup (moved)").SetStartAt(movedFrom.Add(26 * time.Hour)).SetDurationMinutes(15).
			SetTimeZone("Europe/Helsinki").SetSeriesID(series.ID).SetOriginalStart(movedFrom).
			SetSeriesEnd(movedFrom.Add(26*time.Hour + 15*time.Minute)).SetOrganizer(co.Admin).SetIcalUID("standup-moved").SaveX(ctx)
		c.Attendee.Create().SetEvent(moved).SetUser(co.Member).ExecX(ctx)
		single := c.Event.Create().SetTitle("Review").SetStartAt(start.AddDate(0, 0, 2)).SetDurationMinutes(60).
			SetSeriesEnd(start.AddDate(0, 0, 2).Add(time.Hour)).SetOrganizer(co.Member).SetIcalUID("review").SaveX(ctx)
		hidden := c.Event.Create().SetTitle("Hidden by member").SetStartAt(start.AddDate(0, 0, 3)).SetDurationMinutes(30).
			SetSeriesEnd(start.AddDate(0, 0, 3).Add(30 * time.Minute)).SetOrganizer(co.Admin).SetIcalUID("hidden").SaveX(ctx)
		c.Attendee.Create().SetEvent(hidden).SetUser(co.Member).SetHidden(true).ExecX(ctx)
		_ = single

		from, to := start.Add(-time.Hour), start.AddDate(0, 0, 35)
		got := titlesAt(calendar(t, env, co.MemberToken, from, to, nil, nil), helsinki)
		want := []string{
			"Mar 1 09:00 Standup", "Mar 3 09:00 Review", "Mar 8 09:00 Standup",
			"Mar 23 11:00 Standup (moved)", "Mar 29 09:00 Standup", // 29 March is after the DST change: still 09:00
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("member's calendar:\n got %v\nwant %v", got, want)
		}
		occ := calendar(t, env, co.MemberToken, from, to, nil, nil)
		if occ[0].MyResponse == nil || *occ[0].MyResponse != "ACCEPTED" || occ[0].RecurrenceID == nil || !occ[0].RecurrenceID.Equal(start) {
			t.Errorf("first occurrence: %+v", occ[0])
		}
		if occ[3].RecurrenceID == nil || !occ[3].RecurrenceID.Equal(movedFrom) {
			t.Errorf("moved occurrence keeps its recurrence id: %+v", occ[3])
		}
		// The admin organised the hidden meeting: it stays in their calendar.
		adminView := titlesAt(calendar(t, env, co.AdminToken, from, to, nil, nil), helsinki)
		if fmt.Sprint(adminView) != "[Mar 1 09:00 Standup Mar 4 09:00 Hidden by member Mar 8 09:00 Standup Mar 23 11:00 Standup (moved) Mar 29 09:00 Standup]" {
			t.Errorf("admin's calendar: %v", adminView)
		}
	})
}

func TestCalendarByRoomAndWindowLimit(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		ctx := testenv.As(co.Admin)
		room := env.DB.Client.Room.Create().SetName("Lotus").SaveX(ctx)
		start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
		env.DB.Client.Event.Create().SetTitle("In Lotus").SetStartAt(start).SetDurationMinutes(30).SetRoom(room).
			SetSeriesEnd(start.Add(30 * time.Minute)).SetOrganizer(co.Admin).SetIcalUID("lotus").ExecX(ctx)
		env.DB.Client.Event.Create().SetTitle("Nowhere").SetStartAt(start).SetDurationMinutes(30).
			SetSeriesEnd(start.Add(30 * time.Minute)).SetOrganizer(co.Admin).SetIcalUID("nowhere").ExecX(ctx)
		occ := calendar(t, env, co.MemberToken, start.Add(-time.Hour), start.Add(time.Hour), nil, []int{room.ID})
		if len(occ) != 1 || occ[0].Event.Title != "In Lotus" {
			t.Fatalf("room view: %+v", occ)
		}
		res := env.Query(t, co.MemberToken, calendarQuery, map[string]any{"from": start, "to": start.AddDate(1, 1, 0)})
		if res.Code() != "BAD_USER_INPUT" || res.Field() != "to" {
			t.Fatalf("a 13-month window: %+v", res.Errors)
		}
		other := env.NewCompany(t, "Other")
		if occ := calendar(t, env, other.AdminToken, start.Add(-time.Hour), start.Add(time.Hour), []int{co.Admin.ID}, []int{room.ID}); len(occ) != 0 {
			t.Fatalf("another company sees %d occurrences", len(occ))
		}
	})
}

func TestCalendarCostsConstantQueries(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		counts := map[int]int{}
		for _, n := range []int{3, 30} {
			co := env.NewCompany(t, fmt.Sprintf("Company %d", n))
			addEvents(t, env, co, n)
			weeklyWithAttendee(t, env, co, n)
			env.Queries.Reset()
			var out struct {
				Events []struct {
					Event struct {
						Organizer struct{ Name string }
						Attendees []struct{ User struct{ Name string } }
					}
				}
			}
			env.Must(t, co.AdminToken, `query($f:Time!, $t:Time!){ events(from:$f, to:$t){ start event { title
				organizer { name } room { name } conference { state } attendees { role user { name } } responseCounts { accepted } } } }`,
				map[string]any{"f": time.Now(), "t": time.Now().AddDate(0, 2, 0)}, &out)
			counts[n] = env.Queries.Count()
			if len(out.Events) < 2*n || out.Events[0].Event.Organizer.Name == "" {
				t.Fatalf("%d events: %d occurrences, first %+v", n, len(out.Events), out.Events[0])
			}
		}
		if counts[3] != counts[30] {
			t.Fatalf("calendar statements: %d for 3 events, %d for 30", counts[3], counts[30])
		}
	})
}

func weeklyWithAttendee(t *testing.T, env *testenv.Env, co *testenv.Company, n int) {
	t.Helper()
	ctx := testenv.As(co.Admin)
	builders := make([]*ent.EventCreate, n)
	for i := range builders {
		builders[i] = env.DB.Client.Event.Create().SetTitle(fmt.Sprintf("Weekly %d", i)).SetStartAt(time.Now().Add(time.Hour)).
			SetDurationMinutes(30).SetRrule("FREQ=WEEKLY").SetOrganizer(co.Admin).SetIcalUID(fmt.Sprintf("w-%d-%d", co.Company.ID, i))
	}
	env.DB.Client.Event.CreateBulk(builders...).ExecX(ctx)
}
