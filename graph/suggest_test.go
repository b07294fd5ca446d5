package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/internal/testenv"
)

const suggest = `query($in: SuggestMeetingTimesInput!){ suggestMeetingTimes(input:$in){ start end rooms { name } } }`

func TestSuggestMeetingTimesAcrossZones(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		ctx := testenv.As(co.Admin)
		c := env.DB.Client
		helsinki, _ := time.LoadLocation("Europe/Helsinki")
		newYork, _ := time.LoadLocation("America/New_York")
		fi := c.User.UpdateOne(co.Admin).SetTimeZone("Europe/Helsinki").SaveX(ctx)
		us := c.User.UpdateOne(co.Member).SetTimeZone("America/New_York").SaveX(ctx)
		// Working 09–17 each: Helsinki 16:00–17:00 is New York 09:00–10:00 in January.
		monday := time.Date(2027, 1, 11, 0, 0, 0, 0, newYork)
		nyAt := func(day, h, m int) time.Time {
			return monday.AddDate(0, 0, day).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
		}
		c.Event.Create().SetTitle("NY standup").SetStartAt(nyAt(0, 9, 0)).SetDurationMinutes(30).
			SetTimeZone("America/New_York").SetRrule("FREQ=DAILY").SetOrganizer(us).SetIcalUID("ny").ExecX(ctx)
		someoneElse := env.NewUser(t, co.Company, "Someone", "someone@acme.example", "MEMBER")
		declined := c.Event.Create().SetTitle("Declined").SetStartAt(nyAt(0, 9, 30)).SetDurationMinutes(30).
			SetSeriesEnd(nyAt(0, 10, 0)).SetOrganizer(someoneElse).SetIcalUID("declined").SaveX(ctx)
		c.Attendee.Create().SetEvent(declined).SetUser(fi).SetResponse("DECLINED").ExecX(ctx)
		c.Room.Create().SetName("Orchid").SetCapacity(2).ExecX(ctx) // too small
		big := c.Room.Create().SetName("Board").SetCapacity(10).SaveX(ctx)
		c.Event.Create().SetTitle("Board meeting").SetStartAt(nyAt(0, 9, 30)).SetDurationMinutes(30).SetRoom(big).
			SetSeriesEnd(nyAt(0, 10, 0)).SetOrganizer(someoneElse).SetIcalUID("board").ExecX(ctx)

		times := func(extra map[string]any) string {
			in := map[string]any{"attendees": []int{fi.ID, us.ID}, "durationMinutes": 30,
				"from": monday, "to": monday.AddDate(0, 0, 3), "limit": 3}
			for k, v := range extra {
				in[k] = v
			}
			var out struct {
				SuggestMeetingTimes []struct {
					Start time.Time
					Rooms []struct{ Name string }
				}
			}
			env.Must(t, co.MemberToken, suggest, map[string]any{"in": in}, &out)
			var s []string
			for _, x := range out.SuggestMeetingTimes {
				rooms := ""
				for _, r := range x.Rooms {
					rooms += " " + r.Name
				}
				s = append(s, x.Start.In(newYork).Format("Mon 15:04")+" / "+x.Start.In(helsinki).Format("15:04")+rooms)
			}
			return strings.Join(s, ", ")
		}
		// 09:00 is the New York standup; 09:30 is free (Helsinki declined its meeting).
		if got, want := times(nil), "Mon 09:30 / 16:30, Tue 09:30 / 16:30, Wed 09:30 / 16:30"; got != want {
			t.Errorf("suggestions:\n got %s\nwant %s", got, want)
		}
		// With a room for five, Monday's 09:30 is out: the only big room is taken.
		if got, want := times(map[string]any{"roomCapacity": 5}), "Tue 09:30 / 16:30 Board, Wed 09:30 / 16:30 Board"; got != want {
			t.Errorf("with a room:\n got %s\nwant %s", got, want)
		}
		res := env.Query(t, co.MemberToken, suggest, map[string]any{"in": map[string]any{"attendees": []int{fi.ID}, "durationMinutes": 30,
			"from": monday, "to": monday.AddDate(0, 0, 1), "workdayStart": "9am"}})
		if res.Code() != "BAD_USER_INPUT" || res.Field() != "workdayStart" {
			t.Errorf("bad working hours: %+v", res.Errors)
		}
	})
}
