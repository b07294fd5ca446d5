// Package scheduling holds the rules of meetings and the calendar: recurrence
// expansion, validation, rooms and free/busy.
package scheduling

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// Limits on a recurrence rule, so that no rule can make expansion run long.
const (
	maxInterval = 1000
	maxCount    = 5000
)

// ErrRule is wrapped by every error about a recurrence rule.
var ErrRule = errors.New("scheduling: invalid recurrence rule")

// Rule is a series' recurrence rule, bound to its first start and time zone.
//
// Occurrences are computed in floating wall-clock time (the local fields
// held in UTC, which has no DST) and only then placed in the zone. That keeps
// a 09:00 meeting at 09:00 local across DST changes, and lets a time that a
// spring-forward gap skips follow RFC 5545 (see inZone); rrule-go computing
// in the zone itself puts such a time an hour early.
type Rule struct {
	opt    rrule.ROption // Dtstart and Until in floating time
	loc    *time.Location
	hasEnd bool
}

// ParseRule parses an RFC 5545 RRULE value (with or without the "RRULE:"
// prefix, without DTSTART) for a series whose first occurrence starts at start
// in loc. Monthly rules on a day some months lack (the 31st) and yearly rules
// on 29 February skip the months and years without that day, as RFC 5545 says.
func ParseRule(value string, start time.Time, loc *time.Location) (*Rule, error) {
	value = strings.TrimPrefix(strings.TrimSpace(value), "RRULE:")
	if value == "" || strings.ContainsAny(value, "\n\r") || strings.Contains(strings.ToUpper(value), "DTSTART") {
		return nil, fmt.Errorf("%w: give one RRULE line without DTSTART, e.g. FREQ=WEEKLY;BYDAY=MO", ErrRule)
	}
	parsed, err := rrule.StrToROption(value)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRule, err)
	}
	opt := *parsed
	switch {
	case opt.Freq > rrule.DAILY: // HOURLY, MINUTELY, SECONDLY
		return nil, fmt.Errorf("%w: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY", ErrRule)
	case opt.Interval < 0 || opt.Interval > maxInterval:
		return nil, fmt.Errorf("%w: INTERVAL must be between 1 and %d", ErrRule, maxInterval)
	case opt.Count < 0 || opt.Count > maxCount:
		return nil, fmt.Errorf("%w: COUNT must be between 1 and %d", ErrRule, maxCount)
	case len(opt.Byhour)+len(opt.Byminute)+len(opt.Bysecond) > 0:
		return nil, fmt.Errorf("%w: BYHOUR, BYMINUTE and BYSECOND are not supported; a meeting keeps its start time", ErrRule)
	case !opt.Until.IsZero() && opt.Count > 0:
		return nil, fmt.Errorf("%w: give UNTIL or COUNT, not both", ErrRule)
	}
	opt.Dtstart = floating(start.In(loc))
	if !opt.Until.IsZero() && strings.Contains(strings.ToUpper(value), "Z") {
		opt.Until = floating(opt.Until.In(loc)) // a UTC UNTIL names an instant
	}
	if _, err := rrule.NewRRule(opt); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRule, err)
	}
	return &Rule{opt: opt, loc: loc, hasEnd: opt.Count > 0 || !opt.Until.IsZero()}, nil
}

// String is the rule in RFC 5545 form, without DTSTART. UNTIL is written
// as the UTC instant, as RFC 5545 asks when DTSTART has a zone.
func (r *Rule) String() string {
	opt := r.opt
	opt.Dtstart = time.Time{}
	if !opt.Until.IsZero() {
		opt.Until = inZone(opt.Until, r.loc).UTC()
	}
	return opt.RRuleString()
}

// Between returns the starts of the occurrences that begin in [from, to).
// Its cost follows the window, not the age of the series.
func (r *Rule) Between(from, to time.Time) []time.Time {
	if !from.Before(to) {
		return nil
	}
	// A day of margin on each side covers any UTC offset; exact bounds are
	// applied after the wall times are placed in the zone.
	ffrom, fto := floating(from.In(r.loc)).Add(-24*time.Hour), floating(to.In(r.loc)).Add(24*time.Hour)
	opt := r.opt
	opt.Dtstart = r.skipAhead(ffrom)
	rule, err := rrule.NewRRule(opt)
	if err != nil { // cannot happen: ParseRule built the same options
		return nil
	}
	var out []time.Time
	for _, f := range rule.Between(ffrom, fto, true) {
		if t := inZone(f, r.loc); !t.Before(from) && t.Before(to) {
			out = append(out, t)
		}
	}
	return out
}

// skipAhead moves the first start of a DAILY or WEEKLY rule without COUNT
// forward by whole intervals to just before ffrom, so expansion does not walk
// the series' history. Shifting by whole intervals keeps every occurrence.
func (r *Rule) skipAhead(ffrom time.Time) time.Time {
	start := r.opt.Dtstart
	var period time.Duration
	switch r.opt.Freq {
	case rrule.DAILY:
		period = 24 * time.Hour
	case rrule.WEEKLY:
		period = 7 * 24 * time.Hour
	default:
		return start
	}
	if r.opt.Count > 0 || !ffrom.After(start) {
		return start
	}
	step := period * time.Duration(max(r.opt.Interval, 1))
	n := ffrom.Sub(start) / step
	if n < 2 {
		return start
	}
	// One step back: a weekly rule's BYDAY may fall before DTSTART's weekday.
	return start.Add((n - 1) * step)
}

// Last returns the start of the last occurrence, or false for a series
// without end.
func (r *Rule) Last() (time.Time, bool) {
	if !r.hasEnd {
		return time.Time{}, false
	}
	rule, err := rrule.NewRRule(r.opt)
	if err != nil {
		return time.Time{}, false
	}
	all := rule.All() // bounded: COUNT ≤ maxCount, or UNTIL
	if len(all) == 0 {
		return time.Time{}, false
	}
	return inZone(all[len(all)-1], r.loc), true
}

// floating keeps t's wall clock and drops its zone, as UTC.
func floating(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// inZone places floating wall time f in loc as RFC 5545 §3.3.5 says: a time
// that exists once is that instant; a time repeated when clocks go back is
// its first occurrence; a time skipped when clocks go forward is read with
// the offset before the gap (02:30 in New York on that day is 03:30 EDT).
func inZone(f time.Time, loc *time.Location) time.Time {
	wall := f.Unix()
	_, before := time.Unix(wall-86400, 0).In(loc).Zone()
	_, after := time.Unix(wall+86400, 0).In(loc).Zone()
	first := time.Unix(wall-int64(max(before, after)), 0).In(loc) // the earlier instant
	if floating(first).Equal(f) {
		return first
	}
	second := time.Unix(wall-int64(min(before, after)), 0).In(loc)
	if floating(second).Equal(f) {
		return second
	}
	return time.Unix(wall-int64(before), 0).In(loc) // in the gap
}

// EndingBefore returns the rule cut to end before the occurrence at start:
// UNTIL one second earlier, in UTC.
func (r *Rule) EndingBefore(start time.Time) (*Rule, error) {
	opt := r.opt
	opt.Count = 0
	opt.Until = floating(start.Add(-time.Second).In(r.loc))
	if _, err := rrule.NewRRule(opt); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRule, err)
	}
	return &Rule{opt: opt, loc: r.loc, hasEnd: true}, nil
}

// From returns the rule of the part of the series that starts at start:
// the same repeat, with COUNT less the occurrences before start.
func (r *Rule) From(start time.Time) string {
	opt := r.opt
	if opt.Count > 0 {
		first := inZone(opt.Dtstart, r.loc)
		opt.Count = max(opt.Count-len(r.Between(first, start)), 1)
	}
	return (&Rule{opt: opt, loc: r.loc}).String()
}
