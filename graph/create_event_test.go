package graph_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/convene/convene/internal/testenv"
)

const createEvent = `mutation($in: CreateEventInput!){ createEvent(input:$in){ id title kind timeZone rrule sendInvitations reminders { minutesBefore }
	attendees { role user { email } } conference { provider state } room { name } } }`

type createdEvent struct {
	ID, Title, Kind, TimeZone string
	Rrule                     *string
	Attendees                 []struct {
		Role string
		User struct{ Email string }
	}
	Conference      *struct{ Provider, State string }
	Room            *struct{ Name string }
	SendInvitations bool
	Reminders       []struct{ MinutesBefore int }
}

func TestCreateEventRules(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		outsider := env.NewCompany(t, "Other")
		soon := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
		base := func(extra map[string]any) map[string]any {
			in := map[string]any{"title": "Planning", "start": soon, "durationMinutes": 30}
			for k, v := range extra {
				in[k] = v
			}
			return map[string]any{"in": in}
		}
		cases := map[string]struct {
			extra map[string]any
			field string
		}{
			"start in the past":      {map[string]any{"start": time.Now().Add(-time.Hour).Format(time.RFC3339)}, "start"},
			"zero duration":          {map[string]any{"durationMinutes": 0}, "durationMinutes"},
			"over a day":             {map[string]any{"durationMinutes": 1441}, "durationMinutes"},
			"online all-day":         {map[string]any{"kind": "ONLINE_MEETING", "provider": "ZOOM", "allDay": true, "durationMinutes": 1440}, "allDay"},
			"online needs provider":  {map[string]any{"kind": "ONLINE_MEETING"}, "provider"},
			"provider not connected": {map[string]any{"kind": "ONLINE_MEETING", "provider": "ZOOM"}, "provider"},
			"provider on in-person":  {map[string]any{"provider": "ZOOM"}, "provider"},
			"not a time zone":        {map[string]any{"timeZone": "Europe/Atlantis"}, "timeZone"},
			"reminder too early":     {map[string]any{"reminders": []any{map[string]any{"minutesBefore": 40321, "channels": []string{"EMAIL"}}}}, "reminders"},
			"negative reminder":      {map[string]any{"reminders": []any{map[string]any{"minutesBefore": -1, "channels": []string{"EMAIL"}}}}, "reminders"},
			"bad rule":               {map[string]any{"recurrence": map[string]any{"rrule": "FREQ=HOURLY"}}, "recurrence"},
			"outside attendee":       {map[string]any{"attendees": []int{outsider.Member.ID}}, "attendees"},
			"outside responsible":    {map[string]any{"responsible": outsider.Admin.ID}, "responsible"},
			"outside preparer":       {map[string]any{"preparers": []int{outsider.Admin.ID}}, "preparers"},
			"another company's room": {map[string]any{"room": env.DB.Client.Room.Create().SetName("Theirs").SaveX(testenv.As(outsider.Admin)).ID}, "room"},
		}
		for name, c := range cases {
			res := env.Query(t, co.MemberToken, createEvent, base(c.extra))
			if res.Code() != "BAD_USER_INPUT" || res.Field() != c.field {
				t.Errorf("%s: code %q field %q, want BAD_USER_INPUT %q: %+v", name, res.Code(), res.Field(), c.field, res.Errors)
			}
		}
		if n, _ := env.DB.Client.Event.Query().Count(testenv.As(co.Admin)); n != 0 {
			t.Fatalf("refused inputs saved %d events", n)
		}

		env.Must(t, co.AdminToken, `mutation{ configureZoom(input:{accountId:"a", clientId:"c", clientSecret:"s"}){ id } }`, nil, &struct{}{})
		var providers struct {
			Company struct{ OnlineProviders []string }
		}
		env.Must(t, co.MemberToken, `{ company { onlineProviders } }`, nil, &providers)
		if fmt.Sprint(providers.Company.OnlineProviders) != "[ZOOM]" {
			t.Fatalf("a member sees online providers %v, want [ZOOM]", providers.Company.OnlineProviders)
		}
		var out struct{ CreateEvent createdEvent }
		env.Must(t, co.MemberToken, createEvent, base(map[string]any{
			"kind": "ONLINE_MEETING", "provider": "ZOOM", "timeZone": "Asia/Ho_Chi_Minh",
			"attendees": []int{co.Admin.ID, co.Member.ID}, "responsible": co.Admin.ID,
			"recurrence":      map[string]any{"frequency": "MONTHLY", "weekdays": []string{"FR"}, "ordinal": -1, "count": 6},
			"reminders":       []any{map[string]any{"minutesBefore": 15, "channels": []string{"IN_APP", "EMAIL"}}},
			"sendInvitations": true,
		}), &out)
		e := out.CreateEvent
		if !e.SendInvitations || len(e.Reminders) != 1 || e.Reminders[0].MinutesBefore != 15 {
			t.Fatalf("invitations and reminders not kept: %+v", e)
		}
		if e.Kind != "ONLINE_MEETING" || e.TimeZone != "Asia/Ho_Chi_Minh" || e.Rrule == nil || *e.Rrule != "FREQ=MONTHLY;COUNT=6;BYDAY=-1FR" ||
			e.Conference == nil || e.Conference.State != "PENDING" || e.Conference.Provider != "ZOOM" {
			t.Fatalf("created: %+v", e)
		}
		roles := map[string]string{}
		for _, a := range e.Attendees {
			roles[a.User.Email] = a.Role
		}
		if len(roles) != 2 || roles[co.Admin.Email] != "RESPONSIBLE" || roles[co.Member.Email] != "ATTENDEE" {
			t.Fatalf("attendees: %v", roles)
		}
	})
}

func TestCreateEventFromAChannelInvitesItsMembers(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	third := env.NewUser(t, co.Company, "Third", "third@acme.example", "MEMBER")
	ch := env.DB.Client.Channel.Create().SetName("sales").AddMembers(co.Admin, co.Member, third).SaveX(testenv.As(co.Admin))
	env.DB.Client.Credential.Create().SetProvider("MICROSOFT").SetClientID("app").ExecX(testenv.As(co.Admin))
	var out struct{ CreateEvent createdEvent }
	env.Must(t, co.MemberToken, createEvent, map[string]any{"in": map[string]any{
		"title": "Pipeline", "start": time.Now().Add(time.Hour), "durationMinutes": 30, "channel": ch.ID, "provider": "TEAMS",
	}}, &out)
	if out.CreateEvent.Kind != "ONLINE_MEETING" || len(out.CreateEvent.Attendees) != 2 {
		t.Fatalf("from a channel: %+v", out.CreateEvent)
	}
}

func TestRoomHoldsOneMeetingAtATime(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		room := env.DB.Client.Room.Create().SetName("Lotus").SaveX(testenv.As(co.Admin))
		monday := nextWeekday(time.Now().AddDate(0, 0, 2), time.Monday)
		weekly := map[string]any{"title": "Standup", "start": monday.Add(9 * time.Hour), "durationMinutes": 30, "room": room.ID,
			"timeZone": "UTC", "recurrence": map[string]any{"rrule": "FREQ=WEEKLY;BYDAY=MO"}}
		env.Must(t, co.MemberToken, createEvent, map[string]any{"in": weekly}, &struct{}{})

		// The third Monday clashes; the first free slot beside it does not.
		clash := map[string]any{"title": "Interview", "start": monday.AddDate(0, 0, 14).Add(9*time.Hour + 15*time.Minute),
			"durationMinutes": 60, "room": room.ID, "timeZone": "UTC"}
		res := env.Query(t, co.AdminToken, createEvent, map[string]any{"in": clash})
		if res.Code() != "CONFLICT" || res.Field() != "room" || !strings.Contains(res.Errors[0].Message, `"Standup"`) {
			t.Fatalf("clash: %+v", res.Errors)
		}
		clash["start"] = monday.AddDate(0, 0, 14).Add(9*time.Hour + 30*time.Minute)
		env.Must(t, co.AdminToken, createEvent, map[string]any{"in": clash}, &struct{}{})
	})
}

func TestRacingBookingsOfOneSlotOneWins(t *testing.T) {
	for _, d := range []string{dialect.Postgres, dialect.SQLite} {
		t.Run(d, func(t *testing.T) {
			env := testenv.New(t, d)
			co := env.NewCompany(t, "Acme")
			room := env.DB.Client.Room.Create().SetName("Lotus").SaveX(testenv.As(co.Admin))
			slot := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
			const racers = 20
			codes := make([]string, racers)
			var wg sync.WaitGroup
			for i := range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res := env.Query(t, co.MemberToken, createEvent, map[string]any{"in": map[string]any{
						"title": fmt.Sprintf("Booking %d", i), "start": slot, "durationMinutes": 30, "room": room.ID}})
					codes[i] = res.Code()
				}()
			}
			wg.Wait()
			won := 0
			for _, c := range codes {
				switch c {
				case "":
					won++
				case "CONFLICT":
				default:
					t.Errorf("a booking failed with %q", c)
				}
			}
			n, _ := env.DB.Client.Event.Query().Count(testenv.As(co.Admin))
			if won != 1 || n != 1 {
				t.Fatalf("%d bookings won, %d saved; want exactly one\n%s", won, n, env.Logs())
			}
		})
	}
}

func nextWeekday(t time.Time, d time.Weekday) time.Time {
	t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for t.Weekday() != d {
		t = t.AddDate(0, 0, 1)
	}
	return t
}
