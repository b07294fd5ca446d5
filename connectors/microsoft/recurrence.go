package microsoft

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// Recurrence is Graph's patternedRecurrence: how a series repeats and
// until when.
type Recurrence struct {
	Pattern Pattern `json:"pattern"`
	Range   Range   `json:"range"`
}

// Pattern is a recurrencePattern. Graph refuses a property that does not
// fit the type, so each is omitted when unset.
type Pattern struct {
	Type       string   `json:"type"` // daily, weekly, absoluteMonthly, relativeMonthly, absoluteYearly, relativeYearly
	Interval   int      `json:"interval"`
	DaysOfWeek []string `json:"daysOfWeek,omitempty"`
	DayOfMonth int      `json:"dayOfMonth,omitempty"`
	Month      int      `json:"month,omitempty"`
	Index      string   `json:"index,omitempty"` // first…fourth, last
}

// Range is a recurrenceRange.
type Range struct {
	Type                string `json:"type"` // endDate, noEnd, numbered
	StartDate           string `json:"startDate"`
	EndDate             string `json:"endDate,omitempty"`
	NumberOfOccurrences int    `json:"numberOfOccurrences,omitempty"`
	RecurrenceTimeZone  string `json:"recurrenceTimeZone,omitempty"`
}

// weekdays are rrule-go's days (0 Monday) as Graph names them.
var weekdays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// indexes are Graph's nth weekdays, by n (−1 the last).
var indexes = map[int]string{1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}

// RecurrenceOf is an RRULE as Graph's recurrence for a series whose first
// occurrence is start, in start's zone: daily, weekly, monthly and yearly
// rules on a day of the month or the nth weekday, ending on a date, after a
// count, or never. Graph cannot say the rest (BYSETPOS, several months).
func RecurrenceOf(rule string, start time.Time) (*Recurrence, bool) {
	o, err := rrule.StrToROption(rule)
	if rule == "" || err != nil || len(o.Bysetpos) > 0 || len(o.Bymonth) > 1 || len(o.Bymonthday) > 1 {
		return nil, false
	}
	p, ok := patternOf(o, start)
	if !ok {
		return nil, false
	}
	loc := start.Location()
	r := &Recurrence{Pattern: p, Range: Range{Type: "noEnd", StartDate: start.Format(time.DateOnly), RecurrenceTimeZone: loc.String()}}
	switch {
	case o.Count > 0:
		r.Range.Type, r.Range.NumberOfOccurrences = "numbered", o.Count
	case !o.Until.IsZero():
		r.Range.Type, r.Range.EndDate = "endDate", o.Until.In(loc).Format(time.DateOnly)
	}
	return r, true
}

func patternOf(o *rrule.ROption, start time.Time) (Pattern, bool) {
	p := Pattern{Interval: max(o.Interval, 1)}
	nth := len(o.Byweekday) == 1 && o.Byweekday[0].N() != 0
	switch {
	case o.Freq == rrule.DAILY && len(o.Byweekday) == 0:
		p.Type = "daily"
	case o.Freq == rrule.WEEKLY:
		p.Type, p.DaysOfWeek = "weekly", []string{strings.ToLower(start.Weekday().String())}
		if len(o.Byweekday) > 0 {
			p.DaysOfWeek = nil
			for _, d := range o.Byweekday {
				p.DaysOfWeek = append(p.DaysOfWeek, weekdays[d.Day()])
			}
		}
	case o.Freq == rrule.MONTHLY && len(o.Byweekday) == 0:
		p.Type, p.DayOfMonth = "absoluteMonthly", start.Day()
	case o.Freq == rrule.MONTHLY && nth && indexes[o.Byweekday[0].N()] != "":
		p.Type, p.DaysOfWeek, p.Index = "relativeMonthly", []string{weekdays[o.Byweekday[0].Day()]}, indexes[o.Byweekday[0].N()]
	case o.Freq == rrule.YEARLY && len(o.Byweekday) == 0:
		p.Type, p.DayOfMonth, p.Month = "absoluteYearly", start.Day(), int(start.Month())
	default:
		return p, false
	}
	return p, true
}

// Rule is r as an RRULE (without DTSTART), for a series starting at a
// time in loc; an end date ends the series at the end of that day there.
func (r *Recurrence) Rule(loc *time.Location) (string, error) {
	p := r.Pattern
	parts := []string{"FREQ=" + map[string]string{"daily": "DAILY", "weekly": "WEEKLY", "absoluteMonthly": "MONTHLY",
		"relativeMonthly": "MONTHLY", "absoluteYearly": "YEARLY", "relativeYearly": "YEARLY"}[p.Type]}
	if parts[0] == "FREQ=" {
		return "", fmt.Errorf("microsoft: unknown recurrence pattern %q", p.Type)
	}
	parts = append(parts, fmt.Sprintf("INTERVAL=%d", max(p.Interval, 1)))
	var days []string
	for _, d := range p.DaysOfWeek {
		i := slices.Index(weekdays, strings.ToLower(d))
		if i < 0 {
			return "", fmt.Errorf("microsoft: unknown day %q", d)
		}
		days = append(days, strings.ToUpper(weekdays[i][:2]))
	}
	if strings.HasPrefix(p.Type, "relative") {
		n := -1
		for k, v := range indexes {
			if v == p.Index {
				n = k
			}
		}
		for i, d := range days {
			days[i] = fmt.Sprintf("%+d%s", n, d)
		}
	}
	if len(days) > 0 && p.Type != "daily" {
		parts = append(parts, "BYDAY="+strings.Join(days, ","))
	}
	if p.Month > 0 {
		parts = append(parts, fmt.Sprintf("BYMONTH=%d", p.Month))
	}
	if p.DayOfMonth > 0 {
		parts = append(parts, fmt.Sprintf("BYMONTHDAY=%d", p.DayOfMonth))
	}
	switch r.Range.Type {
	case "numbered":
		parts = append(parts, fmt.Sprintf("COUNT=%d", r.Range.NumberOfOccurrences))
	case "endDate":
		end, err := time.ParseInLocation(time.DateOnly, r.Range.EndDate, loc)
		if err != nil {
			return "", fmt.Errorf("microsoft: recurrence end date %q: %v", r.Range.EndDate, err)
		}
		parts = append(parts, "UNTIL="+end.Add(24*time.Hour-time.Second).UTC().Format("20060102T150405Z"))
	}
	return strings.Join(parts, ";"), nil
}
