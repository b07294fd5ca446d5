package graph_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/convene/convene/internal/testenv"
)

func TestRespondHideAndFreeBusy(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		ctx := testenv.As(co.Admin)
		c := env.DB.Client
		room := c.Room.Create().SetName("Lotus").SaveX(ctx)
		day := time.Now().AddDate(0, 0, 3).UTC().Truncate(24 * time.Hour)
		at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
		meeting := func(title string, start time.Time, minutes int) int {
			e := c.Event.Create().SetTitle(title).SetStartAt(start).SetDurationMinutes(minutes).SetRoom(room).
				SetSeriesEnd(start.Add(time.Duration(minutes) * time.Minute)).SetOrganizer(co.Admin).SetIcalUID(title).SaveX(ctx)
			c.Attendee.Create().SetEvent(e).SetUser(co.Member).ExecX(ctx)
			return e.ID
		}
		first := meeting("First", at(9, 0), 60)
		meeting("Second", at(9, 30), 60) // overlaps First: one busy block 9:00–10:30
		declined := meeting("Declined", at(13, 0), 30)
		hidden := meeting("Hidden", at(15, 0), 30)

		respond := `mutation($e:ID!, $r:AttendeeResponse!){ respondToEvent(event:$e, response:$r){ response respondedAt } }`
		var answered struct{ RespondToEvent struct{ Response string } }
		env.Must(t, co.MemberToken, respond, map[string]any{"e": first, "r": "ACCEPTED"}, &answered)
		env.Must(t, co.MemberToken, respond, map[string]any{"e": declined, "r": "DECLINED"}, &answered)
		env.Must(t, co.MemberToken, `mutation($e:ID!){ hideEventFromMyCalendar(event:$e){ hidden } }`, map[string]any{"e": hidden}, &struct{}{})
		if res := env.Query(t, co.AdminToken, respond, map[string]any{"e": first, "r": "ACCEPTED"}); res.Code() != "BAD_USER_INPUT" || res.Field() != "event" {
			t.Errorf("answering an event you are not invited to: %+v", res.Errors)
		}
		other := env.NewCompany(t, "Other")
		if res := env.Query(t, other.MemberToken, respond, map[string]any{"e": first, "r": "DECLINED"}); res.Code() != "BAD_USER_INPUT" {
			t.Errorf("another company answering: %+v", res.Errors)
		}

		// The organizer sees each answer and the counts.
		var ev struct {
			Node struct {
				ResponseCounts struct{ Accepted, Declined, NeedsAction int }
				Attendees      []struct{ Response string }
			}
		}
		env.Must(t, co.AdminToken, `query($id:ID!){ node(id:$id){ ... on Event { responseCounts { accepted declined needsAction } attendees { response } } } }`,
			map[string]any{"id": first}, &ev)
		if ev.Node.ResponseCounts.Accepted != 1 || ev.Node.Attendees[0].Response != "ACCEPTED" {
			t.Errorf("organizer's view: %+v", ev.Node)
		}

		var fb struct {
			FreeBusy []struct {
				User      *struct{ Email string }
				Room      *struct{ Name string }
				Intervals []struct{ Start, End time.Time }
			}
		}
		env.Must(t, co.AdminToken, `query($u:[ID!], $r:[ID!], $f:Time!, $t:Time!){ freeBusy(users:$u, rooms:$r, from:$f, to:$t){
			user { email } room { name } intervals { start end } } }`,
			map[string]any{"u": []int{co.Member.ID}, "r": []int{room.ID}, "f": day, "t": day.Add(24 * time.Hour)}, &fb)
		spans := map[string]string{}
		for _, b := range fb.FreeBusy {
			who := ""
			if b.User != nil {
				who = b.User.Email
			} else {
				who = b.Room.Name
			}
			for _, in := range b.Intervals {
				spans[who] += fmt.Sprintf("%s-%s ", in.Start.Format("15:04"), in.End.Format("15:04"))
			}
		}
		if spans[co.Member.Email] != "09:00-10:30 " {
			t.Errorf("member busy: %q (declined and hidden meetings must not count)", spans[co.Member.Email])
		}
		if spans["Lotus"] != "09:00-10:30 13:00-13:30 15:00-15:30 " {
			t.Errorf("room busy: %q", spans["Lotus"])
		}

		// Hidden: gone from the member's calendar, still in the organizer's.
		mine := calendar(t, env, co.MemberToken, day, day.Add(24*time.Hour), nil, nil)
		theirs := calendar(t, env, co.AdminToken, day, day.Add(24*time.Hour), nil, nil)
		if len(mine) != 3 || len(theirs) != 4 {
			t.Errorf("after hiding: member sees %d, organizer %d; want 3 and 4", len(mine), len(theirs))
		}
	})
}
