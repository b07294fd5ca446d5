package scheduling

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/room"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/internal/zone"
)

// Limits of a suggestion request.
const (
	maxSuggestWindow = 62 * 24 * time.Hour
	maxSuggestions   = 50
)

// SuggestRequest asks for times when all Attendees can meet.
type SuggestRequest struct {
	Attendees       []int
	DurationMinutes int
	From, To        time.Time
	WorkdayStart    string   // "09:00", in each attendee's own time zone
	WorkdayEnd      string   // "17:00"
	Workdays        []string // MO … SU
	RoomCapacity    *int     // also find a free room for this many
	StepMinutes     int      // candidate starts are this far apart
	Limit           int
}

// Suggestion is a time all attendees are free, with the rooms that fit.
type Suggestion struct {
	Start, End time.Time
	Rooms      []*ent.Room
}

var weekdays = map[string]time.Weekday{"SU": time.Sunday, "MO": time.Monday, "TU": time.Tuesday,
	"WE": time.Wednesday, "TH": time.Thursday, "FR": time.Friday, "SA": time.Saturday}

// Suggest returns the earliest times in the window when every attendee is
// free and inside their working hours, in their own time zone. Meetings they
// declined or hid do not count. With RoomCapacity, a time also needs a free
// room that big; its rooms come smallest first.
func (c *Calendar) Suggest(ctx context.Context, r SuggestRequest) ([]*Suggestion, error) {
	hours, err := r.check()
	if err != nil {
		return nil, err
	}
	people, err := c.client.User.Query().Where(user.IDIn(r.Attendees...), user.Active(true)).WithCompany().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("scheduling: %w", err)
	}
	if len(people) != len(slices.Compact(slices.Sorted(slices.Values(r.Attendees)))) {
		return nil, apperr.Invalid("attendees", "everyone must be an active employee of your company")
	}
	var rooms []*ent.Room
	if r.RoomCapacity != nil {
		rooms, err = c.client.Room.Query().Where(room.CapacityGTE(*r.RoomCapacity)).Order(room.ByCapacity(), room.ByName()).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("scheduling: %w", err)
		}
	}
	w := Window{From: r.From, To: r.To, Users: r.Attendees}
	for _, rm := range rooms {
		w.Rooms = append(w.Rooms, rm.ID)
	}
	occ, err := occurrencesIn(ctx, c.client, w, 0)
	if err != nil {
		return nil, err
	}
	return r.scan(occ, people, rooms, hours)
}

// workHours are the day's bounds in minutes and the days worked.
type workHours struct {
	start, end int
	days       map[time.Weekday]bool
}

func (r SuggestRequest) check() (workHours, error) {
	h := workHours{days: map[time.Weekday]bool{}}
	var err error
	switch {
	case len(r.Attendees) == 0:
		return h, apperr.Invalid("attendees", "name at least one attendee")
	case r.DurationMinutes <= 0 || r.DurationMinutes > 24*60:
		return h, apperr.Invalid("durationMinutes", "must be between 1 and 1440")
	case !r.To.After(r.From) || r.To.Sub(r.From) > maxSuggestWindow:
		return h, apperr.Invalid("to", "must be after from, at most 62 days later")
	case r.StepMinutes < 5 || r.StepMinutes > 24*60:
		return h, apperr.Invalid("stepMinutes", "must be between 5 and 1440")
	case r.Limit < 1 || r.Limit > maxSuggestions:
		return h, apperr.Invalid("limit", "must be between 1 and %d", maxSuggestions)
	}
	if h.start, err = minuteOfDay("workdayStart", r.WorkdayStart); err != nil {
		return h, err
	}
	if h.end, err = minuteOfDay("workdayEnd", r.WorkdayEnd); err != nil {
		return h, err
	}
	if h.end <= h.start {
		return h, apperr.Invalid("workdayEnd", "must be later than workdayStart")
	}
	for _, d := range r.Workdays {
		day, ok := weekdays[d]
		if !ok {
			return h, apperr.Invalid("workdays", "%q is not one of MO TU WE TH FR SA SU", d)
		}
		h.days[day] = true
	}
	return h, nil
}

func minuteOfDay(field, hhmm string) (int, error) {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		return 0, apperr.Invalid(field, "%q is not a time of day like 09:00", hhmm)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// person is an attendee's zone and busy time, walked in order.
type person struct {
	loc  *time.Location
	busy []Interval
	next int // first busy interval that may still matter
}

// scan walks the candidate starts once, in order.
func (r SuggestRequest) scan(occ []*Occurrence, people []*ent.User, rooms []*ent.Room, hours workHours) ([]*Suggestion, error) {
	walkers := make([]*person, len(people))
	for i, u := range people {
		loc, err := zone.Load(cmp.Or(u.TimeZone, u.Edges.Company.TimeZone))
		if err != nil {
			return nil, fmt.Errorf("scheduling: user %d: %w", u.ID, err)
		}
		walkers[i] = &person{loc: loc, busy: merge(occ, func(o *Occurrence) bool { return o.keepsBusy(u.ID) })}
	}
	roomBusy := make([]*person, len(rooms))
	for i, rm := range rooms {
		roomBusy[i] = &person{busy: merge(occ, func(o *Occurrence) bool { return o.Event.RoomID != nil && *o.Event.RoomID == rm.ID })}
	}
	length, step := time.Duration(r.DurationMinutes)*time.Minute, time.Duration(r.StepMinutes)*time.Minute
	var out []*Suggestion
	for start := r.From.Truncate(step); !start.Add(length).After(r.To) && len(out) < r.Limit; start = start.Add(step) {
		if start.Before(r.From) || !allFree(walkers, start, length, hours) {
			continue
		}
		s := &Suggestion{Start: start, End: start.Add(length)}
		for i, rb := range roomBusy {
			if rb.free(start, length) {
				s.Rooms = append(s.Rooms, rooms[i])
			}
		}
		if r.RoomCapacity != nil && len(s.Rooms) == 0 {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

func allFree(people []*person, start time.Time, length time.Duration, hours workHours) bool {
	for _, p := range people {
		if !p.working(start, length, hours) || !p.free(start, length) {
			return false
		}
	}
	return true
}

// working reports whether [start, start+length) falls inside working hours
// of a working day, in the person's own zone. A slot past midnight ends
// after any workday end, so one day is all there is to check.
func (p *person) working(start time.Time, length time.Duration, hours workHours) bool {
	local := start.In(p.loc)
	from := local.Hour()*60 + local.Minute()
	return hours.days[local.Weekday()] && from >= hours.start && from+int(length.Minutes()) <= hours.end
}

// free reports whether nothing busy overlaps [start, start+length). Starts
// only grow, so intervals that ended before one start are skipped for good.
func (p *person) free(start time.Time, length time.Duration) bool {
	for p.next < len(p.busy) && !p.busy[p.next].End.After(start) {
		p.next++
	}
	return p.next == len(p.busy) || !p.busy[p.next].Start.Before(start.Add(length))
}
