package microsoft_test

import (
	"slices"
	"testing"
	"time"

	"github.com/convene/convene/connectors/microsoft"
	"github.com/convene/convene/scheduling"
)

// TestRecurrenceRoundTrips: each rule Graph can say comes back from
// Graph's pattern as a rule with the same occurrences; the others are
// refused rather than said wrong.
func TestRecurrenceRoundTrips(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2026, 3, 9, 9, 0, 0, 0, loc) // a Monday, before the clocks change
	for _, c := range []struct {
		rule    string
		sayable bool
	}{
		{"FREQ=DAILY;COUNT=10", true},
		{"FREQ=DAILY;INTERVAL=3;UNTIL=20260501T000000Z", true},
		{"FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=12", true},
		{"FREQ=WEEKLY;INTERVAL=2", true},
		{"FREQ=MONTHLY;COUNT=6", true},
		{"FREQ=MONTHLY;BYDAY=2MO;COUNT=6", true},
		{"FREQ=MONTHLY;BYDAY=-1MO;COUNT=6", true},
		{"FREQ=YEARLY;COUNT=3", true},
		{"FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1", false},
		{"FREQ=YEARLY;BYMONTH=1,7", false},
	} {
		r, ok := microsoft.RecurrenceOf(c.rule, start)
		if ok != c.sayable {
			t.Errorf("%s: sayable %v, want %v", c.rule, ok, c.sayable)
			continue
		}
		if !ok {
			continue
		}
		back, err := r.Rule(loc)
		if err != nil {
			t.Errorf("%s: %+v back: %v", c.rule, r, err)
			continue
		}
		want, _ := scheduling.ParseRule(c.rule, start, loc)
		got, err := scheduling.ParseRule(back, start, loc)
		end := start.AddDate(4, 0, 0)
		if err != nil || !slices.EqualFunc(got.Between(start, end), want.Between(start, end), time.Time.Equal) {
			t.Errorf("%s came back as %s (%v)", c.rule, back, err)
		}
	}
}
