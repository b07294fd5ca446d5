package graph_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/convene/convene/internal/testenv"
)

func TestCancelEventScopes(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		bystander := env.NewUser(t, co.Company, "Bystander", "by@acme.example", "MEMBER")
		helsinki, _ := time.LoadLocation("Europe/Helsinki")
		monday := nextWeekday(time.Now().AddDate(0, 0, 2), time.Monday)
		start := time.Date(monday.Year(), monday.Month(), monday.Day(), 9, 0, 0, 0, helsinki)
		var made struct{ CreateEvent struct{ ID string } }
		env.Must(t, co.MemberToken, createEvent, map[string]any{"in": map[string]any{
			"title": "Standup", "start": start, "durationMinutes": 15, "timeZone": "Europe/Helsinki",
			"attendees": []int{bystander.ID}, "recurrence": map[string]any{"frequency": "WEEKLY", "count": 10},
		}}, &made)
		id := made.CreateEvent.ID
		cancel := `mutation($id:ID!, $s:ChangeScope!, $o:Time){ cancelEvent(id:$id, scope:$s, occurrence:$o){ status rrule sequence } }`
		week := func(n int) time.Time { return start.AddDate(0, 0, 7*n) }
		titles := func() string {
			occ := calendar(t, env, co.MemberToken, start.Add(-time.Hour), start.AddDate(0, 0, 80), nil, nil)
			out := ""
			for _, o := range occ {
				out += o.Start.In(helsinki).Format("Jan 2 15:04, ")
			}
			return fmt.Sprintf("%d: %s", len(occ), out)
		}
		bystanderToken := env.Login(t, bystander.Email)
		if res := env.Query(t, bystanderToken, cancel, map[string]any{"id": id, "s": "ALL"}); res.Code() != "FORBIDDEN" {
			t.Fatalf("an attendee cancelled the series: %+v", res.Errors)
		}
		if res := env.Query(t, co.MemberToken, cancel, map[string]any{"id": id, "s": "THIS", "o": week(1).Add(time.Hour)}); res.Code() != "BAD_USER_INPUT" || res.Field() != "occurrence" {
			t.Fatalf("cancelling a time that is no occurrence: %+v", res.Errors)
		}
		before := titles()
		env.Must(t, co.MemberToken, cancel, map[string]any{"id": id, "s": "THIS", "o": week(1)}, &struct{}{})
		afterThis := titles()
		var split struct{ CancelEvent struct{ Rrule string } }
		env.Must(t, co.MemberToken, cancel, map[string]any{"id": id, "s": "THIS_AND_FOLLOWING", "o": week(4)}, &split)
		afterSplit := titles()
		if want := "10: "; before[:4] != want {
			t.Fatalf("before: %s", before)
		}
		if afterThis[:3] != "9: " || afterSplit[:3] != "3: " {
			t.Fatalf("after THIS: %s\nafter THIS_AND_FOLLOWING: %s", afterThis, afterSplit)
		}
		// The earlier occurrences are untouched, at 09:00 local.
		wantFirst := fmt.Sprintf("3: %s, %s, %s, ", start.Format("Jan 2 15:04"), week(2).Format("Jan 2 15:04"), week(3).Format("Jan 2 15:04"))
		if afterSplit != wantFirst {
			t.Fatalf("after the split:\n got %s\nwant %s (rule %s)", afterSplit, wantFirst, split.CancelEvent.Rrule)
		}
		var all struct{ CancelEvent struct{ Status string } }
		env.Must(t, co.AdminToken, cancel, map[string]any{"id": id, "s": "ALL"}, &all) // an admin may
		if all.CancelEvent.Status != "CANCELLED" || titles()[:2] != "0:" {
			t.Fatalf("after ALL: %s %s", all.CancelEvent.Status, titles())
		}
	})
}
