package graph_test

import (
	"testing"
	"time"

	"github.com/convene/convene/internal/testenv"
)

func TestAnswerOneOccurrence(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		monday := nextWeekday(time.Now().AddDate(0, 0, 2), time.Monday).Add(9 * time.Hour)
		week := func(n int) time.Time { return monday.AddDate(0, 0, 7*n) }
		var made struct{ CreateEvent struct{ ID string } }
		env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Sync", "start": monday,
			"durationMinutes": 30, "timeZone": "UTC", "attendees": []int{co.Member.ID}, "recurrence": map[string]any{"rrule": "FREQ=WEEKLY"}}}, &made)
		respond := `mutation($e:ID!, $r:AttendeeResponse!, $o:Time){ respondToEvent(event:$e, response:$r, occurrence:$o){ response } }`
		answer := func(r string, o any) {
			env.Must(t, co.MemberToken, respond, map[string]any{"e": made.CreateEvent.ID, "r": r, "o": o}, &struct{}{})
		}
		answer("ACCEPTED", nil)
		answer("TENTATIVE", week(1))
		answer("DECLINED", week(1)) // a second answer replaces the first
		if res := env.Query(t, co.MemberToken, respond, map[string]any{"e": made.CreateEvent.ID, "r": "DECLINED", "o": week(1).Add(time.Hour)}); res.Code() != "BAD_USER_INPUT" || res.Field() != "occurrence" {
			t.Fatalf("answering a time that is no occurrence: %+v", res.Errors)
		}
		var got []string
		for _, o := range calendar(t, env, co.MemberToken, monday.Add(-time.Hour), week(3), nil, nil) {
			got = append(got, *o.MyResponse)
		}
		if len(got) != 3 || got[0] != "ACCEPTED" || got[1] != "DECLINED" || got[2] != "ACCEPTED" {
			t.Fatalf("answers by occurrence: %v", got)
		}
		var fb struct {
			FreeBusy []struct{ Intervals []struct{ Start time.Time } }
		}
		env.Must(t, co.AdminToken, `query($u:[ID!], $f:Time!, $t:Time!){ freeBusy(users:$u, from:$f, to:$t){ intervals { start } } }`,
			map[string]any{"u": []int{co.Member.ID}, "f": monday.Add(-time.Hour), "t": week(3)}, &fb)
		if n := len(fb.FreeBusy[0].Intervals); n != 2 {
			t.Fatalf("the member is busy %d times; the declined occurrence must be free", n)
		}
		var seen struct {
			Node struct {
				Attendees []struct {
					OccurrenceResponses []struct {
						OriginalStart time.Time
						Response      string
					}
				}
			}
		}
		env.Must(t, co.AdminToken, `query($id:ID!){ node(id:$id){ ... on Event { attendees { occurrenceResponses { originalStart response } } } } }`,
			map[string]any{"id": made.CreateEvent.ID}, &seen)
		if r := seen.Node.Attendees[0].OccurrenceResponses; len(r) != 1 || r[0].Response != "DECLINED" || !r[0].OriginalStart.Equal(week(1)) {
			t.Fatalf("the organizer sees %+v", r)
		}
	})
}
