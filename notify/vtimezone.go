package notify

import (
	"fmt"
	"time"

	"github.com/emersion/go-ical"
)

// vtimezone describes loc around year for calendars that do not know it by
// name: its standard and daylight offsets and the yearly rules between
// them, read off the Go zone database.
func vtimezone(loc *time.Location, year int) *ical.Component {
	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.SetText(ical.PropTimezoneID, loc.String())
	changes := transitions(loc, year)
	if len(changes) == 0 {
		name, offset := time.Date(year, 1, 1, 0, 0, 0, 0, loc).Zone()
		tz.Children = append(tz.Children, observance(ical.CompTimezoneStandard, name, offset, offset,
			time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), ""))
		return tz
	}
	for _, c := range changes {
		kind := ical.CompTimezoneStandard
		if c.to > c.from {
			kind = ical.CompTimezoneDaylight
		}
		tz.Children = append(tz.Children, observance(kind, c.name, c.from, c.to, c.onset, yearly(c.onset)))
	}
	return tz
}

// change is one switch of offset: at onset (wall time before it) from one
// offset to another.
type change struct {
	onset    time.Time // wall clock under the old offset, in UTC fields
	from, to int       // seconds east of UTC
	name     string
}

// transitions finds the offset changes within year, to the minute.
func transitions(loc *time.Location, year int) []change {
	var out []change
	day := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	_, prev := day.In(loc).Zone()
	for d := 1; d <= 366; d++ {
		next := day.AddDate(0, 0, 1)
		if _, off := next.In(loc).Zone(); off != prev {
			at := firstWith(loc, day, next, off)
			name, _ := at.In(loc).Zone()
			onset := at.Add(time.Duration(prev) * time.Second).UTC()
			out = append(out, change{onset: onset, from: prev, to: off, name: name})
			prev = off
		}
		day = next
	}
	return out
}

// firstWith is the first minute in [lo, hi) at which loc has offset off.
func firstWith(loc *time.Location, lo, hi time.Time, off int) time.Time {
	for hi.Sub(lo) > time.Minute {
		mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Minute)
		if _, o := mid.In(loc).Zone(); o == off {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// yearly is the rule that repeats a change on the same weekday of the
// month: the nth, or the last when the day falls in the month's last week.
func yearly(onset time.Time) string {
	n := (onset.Day()-1)/7 + 1
	if onset.AddDate(0, 0, 7).Month() != onset.Month() {
		n = -1
	}
	day := [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[onset.Weekday()]
	return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(onset.Month()), n, day)
}

func observance(kind, name string, from, to int, onset time.Time, rule string) *ical.Component {
	c := ical.NewComponent(kind)
	start := ical.NewProp(ical.PropDateTimeStart)
	start.SetValueType(ical.ValueDateTime)
	start.Value = onset.Format("20060102T150405")
	c.Props.Set(start)
	for prop, offset := range map[string]int{ical.PropTimezoneOffsetFrom: from, ical.PropTimezoneOffsetTo: to} {
		p := ical.NewProp(prop) // a UTC-OFFSET, the property's own type
		p.Value = utcOffset(offset)
		c.Props.Set(p)
	}
	if name != "" {
		c.Props.SetText(ical.PropTimezoneName, name)
	}
	if rule != "" {
		r := ical.NewProp(ical.PropRecurrenceRule)
		r.SetValueType(ical.ValueRecurrence)
		r.Value = rule
		c.Props.Set(r)
	}
	return c
}

// utcOffset formats seconds east of UTC as iCalendar's +HHMM.
func utcOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	return fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
}
