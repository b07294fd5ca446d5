package graph_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/convene/convene/internal/testenv"
)

// TestCalendarFeedShowsMyMeetingsAtASecretAddress.
func TestCalendarFeedShowsMyMeetingsAtASecretAddress(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
		for title, in := range map[string]map[string]any{
			"Weekly sync":  {"attendees": []int{co.Member.ID}, "recurrence": map[string]any{"rrule": "FREQ=WEEKLY;COUNT=10"}, "timeZone": "Europe/Helsinki"},
			"Declined one": {"attendees": []int{co.Member.ID}},
			"Not mine":     {},
		} {
			in["title"], in["start"], in["durationMinutes"] = title, start, 30
			var made struct{ CreateEvent struct{ ID string } }
			env.Must(t, co.AdminToken, createEvent, map[string]any{"in": in}, &made)
			if title == "Declined one" {
				env.Must(t, co.MemberToken, `mutation($e:ID!){ respondToEvent(event:$e, response:DECLINED){ id } }`, map[string]any{"e": made.CreateEvent.ID}, &struct{}{})
			}
		}
		var reset struct{ ResetCalendarFeed string }
		env.Must(t, co.MemberToken, `mutation{ resetCalendarFeed }`, nil, &reset)
		feed, err := url.Parse(reset.ResetCalendarFeed)
		if err != nil || !strings.HasSuffix(feed.Path, ".ics") {
			t.Fatalf("feed address %q", reset.ResetCalendarFeed)
		}
		res, body := fetch(t, http.MethodGet, env.Server.URL+feed.Path, nil)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("feed: %d %s", res.StatusCode, body)
		}
		cal, err := ics.ParseCalendar(strings.NewReader(body))
		if err != nil {
			t.Fatalf("%v\n%s", err, body)
		}
		var titles []string
		for _, e := range cal.Events() {
			titles = append(titles, e.GetProperty(ics.ComponentPropertySummary).Value)
			if rule := e.GetProperty(ics.ComponentPropertyRrule); rule == nil || rule.Value != "FREQ=WEEKLY;COUNT=10" {
				t.Errorf("the series' rule: %+v", rule)
			}
		}
		if strings.Join(titles, ",") != "Weekly sync" || len(cal.Timezones()) != 1 {
			t.Errorf("the feed holds %q and %d zones", titles, len(cal.Timezones()))
		}

		env.Must(t, co.MemberToken, `mutation{ resetCalendarFeed }`, nil, &reset)
		if res, _ := fetch(t, http.MethodGet, env.Server.URL+feed.Path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("the old address after a reset: %d", res.StatusCode)
		}
		if res, _ := fetch(t, http.MethodGet, env.Server.URL+"/calendar/guess.ics", nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("a guessed address: %d", res.StatusCode)
		}
	})
}
