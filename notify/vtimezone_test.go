package notify

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

func TestVTimezoneFollowsTheZoneDatabase(t *testing.T) {
	for zone, want := range map[string][]string{
		"America/New_York": {"BEGIN:DAYLIGHT", "DTSTART:20260308T020000", "BYMONTH=3;BYDAY=2SU", "TZOFFSETTO:-0400",
			"BEGIN:STANDARD", "DTSTART:20261101T020000", "BYMONTH=11;BYDAY=1SU", "TZOFFSETTO:-0500"},
		"Australia/Sydney": {"BEGIN:STANDARD", "DTSTART:20260405T030000", "BYMONTH=4;BYDAY=1SU", "TZOFFSETTO:+1000",
			"BEGIN:DAYLIGHT", "DTSTART:20261004T020000", "BYMONTH=10;BYDAY=1SU", "TZOFFSETTO:+1100"},
		"Asia/Kolkata": {"BEGIN:STANDARD", "TZOFFSETFROM:+0530", "TZOFFSETTO:+0530"},
	} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		cal := ical.NewCalendar()
		cal.Props.SetText(ical.PropVersion, "2.0")
		cal.Props.SetText(ical.PropProductID, "test")
		cal.Children = append(cal.Children, vtimezone(loc, 2026))
		var buf bytes.Buffer
		if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: no %q in\n%s", zone, w, out)
			}
		}
		if zone == "Asia/Kolkata" && strings.Contains(out, "RRULE") {
			t.Errorf("a zone without daylight time has a rule:\n%s", out)
		}
	}
}
