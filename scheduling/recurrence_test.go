package scheduling

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/teambition/rrule-go"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustRule(t testing.TB, value string, start time.Time) *Rule {
	t.Helper()
	r, err := ParseRule(value, start, start.Location())
	if err != nil {
		t.Fatalf("ParseRule(%q): %v", value, err)
	}
	return r
}

func fmtAll(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format("2006-01-02 15:04 MST")
	}
	return out
}

func TestRecurrenceKeepsLocalTime(t *testing.T) {
	helsinki, newYork, saigon := mustZone(t, "Europe/Helsinki"), mustZone(t, "America/New_York"), mustZone(t, "Asia/Ho_Chi_Minh")
	cases := map[string]struct {
		rule     string
		start    time.Time
		from, to time.Time
		want     []string
	}{
		"weekly 09:00 Helsinki across spring DST": {
			"FREQ=WEEKLY;BYDAY=MO", time.Date(2027, 3, 15, 9, 0, 0, 0, helsinki),
			time.Date(2027, 3, 15, 0, 0, 0, 0, time.UTC), time.Date(2027, 4, 6, 0, 0, 0, 0, time.UTC),
			[]string{"2027-03-15 09:00 EET", "2027-03-22 09:00 EET", "2027-03-29 09:00 EEST", "2027-04-05 09:00 EEST"},
		},
		"weekly 09:00 Helsinki across autumn DST": {
			"FREQ=WEEKLY;BYDAY=MO", time.Date(2027, 3, 15, 9, 0, 0, 0, helsinki),
			time.Date(2027, 10, 25, 0, 0, 0, 0, time.UTC), time.Date(2027, 11, 2, 0, 0, 0, 0, time.UTC),
			[]string{"2027-10-25 09:00 EEST", "2027-11-01 09:00 EET"},
		},
		"New York 02:30 on the spring-forward day is 03:30 EDT": {
			"FREQ=DAILY;COUNT=3", time.Date(2027, 3, 13, 2, 30, 0, 0, newYork),
			time.Date(2027, 3, 13, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 16, 12, 0, 0, 0, time.UTC),
			[]string{"2027-03-13 02:30 EST", "2027-03-14 03:30 EDT", "2027-03-15 02:30 EDT"},
		},
		"New York 01:30 on the fall-back day is its first occurrence": {
			"FREQ=DAILY;COUNT=2", time.Date(2027, 11, 6, 1, 30, 0, 0, newYork),
			time.Date(2027, 11, 6, 0, 0, 0, 0, time.UTC), time.Date(2027, 11, 9, 0, 0, 0, 0, time.UTC),
			[]string{"2027-11-06 01:30 EDT", "2027-11-07 01:30 EDT"},
		},
		"Ho Chi Minh City has no DST": {
			"FREQ=WEEKLY;BYDAY=TU;COUNT=3", time.Date(2027, 3, 23, 10, 0, 0, 0, saigon),
			time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2027-03-23 10:00 +07", "2027-03-30 10:00 +07", "2027-04-06 10:00 +07"},
		},
		"monthly on the 31st skips shorter months": {
			"FREQ=MONTHLY;BYMONTHDAY=31;COUNT=5", time.Date(2027, 1, 31, 14, 0, 0, 0, helsinki),
			time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2027-01-31 14:00 EET", "2027-03-31 14:00 EEST", "2027-05-31 14:00 EEST", "2027-07-31 14:00 EEST", "2027-08-31 14:00 EEST"},
		},
		"last Friday of the month": {
			"FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", time.Date(2027, 1, 29, 16, 0, 0, 0, newYork),
			time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2027-01-29 16:00 EST", "2027-02-26 16:00 EST", "2027-03-26 16:00 EDT"},
		},
		"yearly on 29 February only in leap years": {
			"FREQ=YEARLY;COUNT=3", time.Date(2028, 2, 29, 12, 0, 0, 0, helsinki),
			time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2037, 1, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2028-02-29 12:00 EET", "2032-02-29 12:00 EET", "2036-02-29 12:00 EET"},
		},
		"every second week on Monday and Wednesday, until a UTC instant": {
			"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20270412T000000Z", time.Date(2027, 3, 1, 8, 0, 0, 0, helsinki),
			time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2027-03-01 08:00 EET", "2027-03-03 08:00 EET", "2027-03-15 08:00 EET", "2027-03-17 08:00 EET", "2027-03-29 08:00 EEST", "2027-03-31 08:00 EEST"},
		},
	}
	for name, c := range cases {
		got := fmtAll(mustRule(t, c.rule, c.start).Between(c.from, c.to))
		if !slices.Equal(got, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, c.want)
		}
	}
}

// TestWindowEqualsFullExpansion checks that skipping ahead loses and adds
// nothing: every window gives what expanding from the first start gives.
func TestWindowEqualsFullExpansion(t *testing.T) {
	helsinki := mustZone(t, "Europe/Helsinki")
	start := time.Date(2021, 11, 3, 9, 30, 0, 0, helsinki)
	for _, value := range []string{
		"FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR", "FREQ=WEEKLY;INTERVAL=3;BYDAY=SU;WKST=SU",
		"FREQ=DAILY", "FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270101T000000Z",
	} {
		r := mustRule(t, value, start)
		full, _ := rrule.NewRRule(r.opt) // floating, from the first start
		for _, from := range []time.Time{
			time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), start.Add(-time.Hour),
		} {
			to := from.AddDate(0, 1, 0)
			var want []time.Time
			for _, f := range full.Between(floating(from.In(helsinki)).AddDate(0, 0, -1), floating(to.In(helsinki)).AddDate(0, 0, 1), true) {
				if tz := inZone(f, helsinki); !tz.Before(from) && tz.Before(to) {
					want = append(want, tz)
				}
			}
			if got := r.Between(from, to); !slices.EqualFunc(got, want, time.Time.Equal) {
				t.Errorf("%s from %s:\n got %v\nwant %v", value, from, fmtAll(got), fmtAll(want))
			}
		}
	}
}

func TestParseRuleRefusesWhatMeetingsDoNotUse(t *testing.T) {
	start := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	for _, value := range []string{
		"", "FREQ=HOURLY", "FREQ=SOMETIMES", "BYDAY=MO", "FREQ=DAILY;INTERVAL=5000", "FREQ=DAILY;COUNT=99999",
		"FREQ=DAILY;BYHOUR=9,10", "FREQ=DAILY;COUNT=3;UNTIL=20270101T000000Z", "DTSTART:20270104T090000Z\nRRULE:FREQ=DAILY",
		"FREQ=WEEKLY;BYDAY=XX",
	} {
		if _, err := ParseRule(value, start, time.UTC); !errors.Is(err, ErrRule) {
			t.Errorf("ParseRule(%q) = %v, want ErrRule", value, err)
		}
	}
	r := mustRule(t, "RRULE:FREQ=WEEKLY;BYDAY=MO,WE", start)
	if r.String() != "FREQ=WEEKLY;BYDAY=MO,WE" {
		t.Errorf("String() = %q", r.String())
	}
}

func TestLast(t *testing.T) {
	start := time.Date(2027, 1, 4, 9, 0, 0, 0, mustZone(t, "Europe/Helsinki"))
	if last, ok := mustRule(t, "FREQ=WEEKLY;COUNT=5", start).Last(); !ok || !last.Equal(start.AddDate(0, 0, 28)) {
		t.Errorf("COUNT=5: %v %v", last, ok)
	}
	if last, ok := mustRule(t, "FREQ=DAILY;UNTIL=20270110T070000Z", start).Last(); !ok || !last.Equal(start.AddDate(0, 0, 6)) {
		t.Errorf("UNTIL: %v %v", last, ok)
	}
	if _, ok := mustRule(t, "FREQ=DAILY", start).Last(); ok {
		t.Error("an endless series has a last occurrence")
	}
}

func FuzzParseRule(f *testing.F) {
	for _, seed := range []string{"FREQ=WEEKLY;BYDAY=MO", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=DAILY;INTERVAL=7;COUNT=10", "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU", "FREQ=WEEKLY;UNTIL=20300101"} {
		f.Add(seed)
	}
	start := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, value string) {
		r, err := ParseRule(value, start, time.UTC)
		if err != nil {
			if !errors.Is(err, ErrRule) {
				t.Fatalf("error without ErrRule: %v", err)
			}
			return
		}
		// A year of a valid rule ends, and holds at most a start a day.
		if n := len(r.Between(start, start.AddDate(1, 0, 0))); n > 366 {
			t.Fatalf("%q: %d occurrences in a year", value, n)
		}
	})
}

func BenchmarkMonthOfAFiveYearOldWeeklySeries(b *testing.B) {
	helsinki := mustZone(b, "Europe/Helsinki")
	r := mustRule(b, "FREQ=WEEKLY;BYDAY=MO,WE,FR", time.Date(2021, 11, 1, 9, 0, 0, 0, helsinki))
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if len(r.Between(from, from.AddDate(0, 1, 0))) < 12 {
			b.Fatal("too few")
		}
	}
}
