package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/internal/testenv"
)

const updateEvent = `mutation($id:ID!, $s:ChangeScope!, $o:Time, $in:UpdateEventInput!){
	updateEvent(id:$id, scope:$s, occurrence:$o, input:$in){ id title startAt rrule sequence attendees { response user { email } } } }`

func TestUpdateEventScopes(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		guest := env.NewUser(t, co.Company, "Guest", "guest@acme.example", "MEMBER")
		helsinki, _ := time.LoadLocation("Europe/Helsinki")
		monday := nextWeekday(time.Now().AddDate(0, 0, 2), time.Monday)
		start := time.Date(monday.Year(), monday.Month(), monday.Day(), 9, 0, 0, 0, helsinki)
		week := func(n int) time.Time { return start.AddDate(0, 0, 7*n) }
		room := env.DB.Client.Room.Create().SetName("Lotus").SaveX(testenv.As(co.Admin))
		var made struct{ CreateEvent struct{ ID string } }
		env.Must(t, co.MemberToken, createEvent, map[string]any{"in": map[string]any{
			"title": "Standup", "start": start, "durationMinutes": 15, "timeZone": "Europe/Helsinki", "room": room.ID,
			"attendees": []int{guest.ID, co.Admin.ID}, "recurrence": map[string]any{"frequency": "WEEKLY", "count": 10},
		}}, &made)
		id := made.CreateEvent.ID
		guestToken := env.Login(t, guest.Email)
		env.Must(t, guestToken, `mutation($e:ID!){ respondToEvent(event:$e, response:ACCEPTED){ response } }`, map[string]any{"e": id}, &struct{}{})
		schedule := func() string {
			var out []string
			for _, o := range calendar(t, env, co.MemberToken, start.Add(-time.Hour), start.AddDate(0, 0, 80), nil, nil) {
				out = append(out, o.Start.In(helsinki).Format("01-02 15:04 ")+o.Event.Title)
			}
			return strings.Join(out, ", ")
		}

		if res := env.Query(t, guestToken, updateEvent, map[string]any{"id": id, "s": "ALL", "in": map[string]any{"title": "Mine"}}); res.Code() != "FORBIDDEN" {
			t.Fatalf("an attendee changed the series: %+v", res.Errors)
		}

		// ALL: a new title and one attendee fewer; the guest's answer stays.
		var all struct {
			UpdateEvent struct {
				Title     string
				Sequence  int
				Attendees []struct {
					Response string
					User     struct{ Email string }
				}
			}
		}
		env.Must(t, co.MemberToken, updateEvent, map[string]any{"id": id, "s": "ALL",
			"in": map[string]any{"title": "Team sync", "attendees": []int{guest.ID}}}, &all)
		if all.UpdateEvent.Title != "Team sync" || all.UpdateEvent.Sequence != 1 || len(all.UpdateEvent.Attendees) != 1 ||
			all.UpdateEvent.Attendees[0].Response != "ACCEPTED" {
			t.Fatalf("after ALL: %+v", all.UpdateEvent)
		}

		// THIS: the second occurrence moves to Tuesday 11:00; it keeps its room without clashing with itself.
		env.Must(t, co.MemberToken, updateEvent, map[string]any{"id": id, "s": "THIS", "o": week(1),
			"in": map[string]any{"start": week(1).Add(26 * time.Hour), "title": "Team sync (moved)"}}, &struct{}{})

		// THIS_AND_FOLLOWING: from the fifth on, at 10:00.
		var split struct{ UpdateEvent struct{ Rrule string } }
		env.Must(t, co.MemberToken, updateEvent, map[string]any{"id": id, "s": "THIS_AND_FOLLOWING", "o": week(4),
			"in": map[string]any{"start": week(4).Add(time.Hour)}}, &split)
		if split.UpdateEvent.Rrule != "FREQ=WEEKLY;COUNT=6" {
			t.Errorf("the new series' rule: %q, want the remaining six", split.UpdateEvent.Rrule)
		}
		d := func(n int, hm string) string { return week(n).Format("01-02 ") + hm }
		want := strings.Join([]string{
			d(0, "09:00 Team sync"), week(1).AddDate(0, 0, 1).Format("01-02 ") + "11:00 Team sync (moved)",
			d(2, "09:00 Team sync"), d(3, "09:00 Team sync"), d(4, "10:00 Team sync"), d(5, "10:00 Team sync"),
			d(6, "10:00 Team sync"), d(7, "10:00 Team sync"), d(8, "10:00 Team sync"), d(9, "10:00 Team sync"),
		}, ", ")
		if got := schedule(); got != want {
			t.Fatalf("after the changes:\n got %s\nwant %s", got, want)
		}

		// A meeting elsewhere in the room clashes; moving into it is refused.
		env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{
			"title": "Interview", "start": week(2).Add(3 * time.Hour), "durationMinutes": 60, "room": room.ID, "timeZone": "Europe/Helsinki"}}, &struct{}{})
		res := env.Query(t, co.MemberToken, updateEvent, map[string]any{"id": id, "s": "THIS", "o": week(2),
			"in": map[string]any{"start": week(2).Add(3 * time.Hour)}})
		if res.Code() != "CONFLICT" || !strings.Contains(res.Errors[0].Message, "Interview") {
			t.Fatalf("moving into a booked slot: %+v", res.Errors)
		}
	})
}

func TestUpdateKeepsAPastStartButRefusesANewOne(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	past := time.Now().Add(-2 * time.Hour)
	e := env.DB.Client.Event.Create().SetTitle("Earlier").SetStartAt(past).SetDurationMinutes(30).
		SetSeriesEnd(past.Add(30 * time.Minute)).SetOrganizer(co.Member).SetIcalUID("earlier").SaveX(testenv.As(co.Member))
	var out struct{ UpdateEvent struct{ Title string } }
	env.Must(t, co.MemberToken, updateEvent, map[string]any{"id": e.ID, "s": "ALL", "in": map[string]any{"title": "Earlier, notes added"}}, &out)
	if out.UpdateEvent.Title != "Earlier, notes added" {
		t.Fatalf("%+v", out)
	}
	res := env.Query(t, co.MemberToken, updateEvent, map[string]any{"id": e.ID, "s": "ALL",
		"in": map[string]any{"start": past.Add(-time.Hour).Format(time.RFC3339)}})
	if res.Code() != "BAD_USER_INPUT" || res.Field() != "start" {
		t.Fatalf("moving into the past: %+v", res.Errors)
	}
}
