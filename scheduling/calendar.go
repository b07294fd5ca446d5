package scheduling

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/occurrenceresponse"
	"github.com/convene/convene/ent/predicate"
	"github.com/convene/convene/internal/zone"
	"github.com/convene/convene/viewer"
)

// MaxWindow is the longest calendar window one query may ask for.
const MaxWindow = 366 * 24 * time.Hour

// Occurrence is one instance of an event in a calendar.
type Occurrence struct {
	Event *ent.Event
	Start time.Time
	End   time.Time
	// RecurrenceID is the original start of an occurrence of a series (also
	// of a moved one); nil for a single event.
	RecurrenceID *time.Time
	// MyResponse is the viewer's answer, if the viewer is invited.
	MyResponse *attendee.Response
	// answers are the answers given to this occurrence alone, by user.
	answers map[int]attendee.Response
}

// Window selects a calendar: the events of Users or in Rooms that overlap
// [From, To). With neither, it is the viewer's own calendar.
type Window struct {
	From, To time.Time
	Users    []int
	Rooms    []int
	// Load adds what a caller will read of the events (their organizer, say)
	// to the one query that loads them; attendees are always loaded.
	Load func(*ent.EventQuery) (*ent.EventQuery, error)
}

// Calendar reads expanded calendars.
type Calendar struct{ client *ent.Client }

// NewCalendar returns a Calendar.
func NewCalendar(client *ent.Client) *Calendar { return &Calendar{client: client} }

// Occurrences returns every occurrence in the window, ordered by start, in
// a fixed number of queries whatever the number of events: the events with
// their attendees (and what w.Load adds), the moved occurrences of series,
// and the answers given to single occurrences.
func (c *Calendar) Occurrences(ctx context.Context, w Window) ([]*Occurrence, error) {
	if err := w.check(); err != nil {
		return nil, err
	}
	v, _ := viewer.FromContext(ctx)
	if len(w.Users) == 0 && len(w.Rooms) == 0 {
		w.Users = []int{v.UserID}
	}
	return occurrencesIn(ctx, c.client, w, v.UserID)
}

// occurrencesIn reads the window through client (which may be a
// transaction's) for the user me.
func occurrencesIn(ctx context.Context, client *ent.Client, w Window, me int) ([]*Occurrence, error) {
	// Attendees first: a caller's Load may ask for more of them (their users).
	q := client.Event.Query().WithAttendees().
		Where(event.StatusEQ(event.StatusCONFIRMED), overlaps(w.From, w.To), w.selects(me))
	if w.Load != nil {
		var err error
		if q, err = w.Load(q); err != nil {
			return nil, err
		}
	}
	events, err := q.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("scheduling: calendar: %w", err)
	}
	moved, err := movedOccurrences(ctx, client, events, w)
	if err != nil {
		return nil, err
	}
	answers, err := occurrenceAnswers(ctx, client, events, w)
	if err != nil {
		return nil, err
	}
	var out []*Occurrence
	for _, e := range events {
		occ, err := expand(e, w.From, w.To, moved[e.ID])
		if err != nil {
			return nil, err
		}
		for _, o := range occ {
			if o.RecurrenceID != nil {
				o.answers = answers[answerKey{e.ID, o.RecurrenceID.Unix()}]
			}
			o.MyResponse = o.responseOf(me)
		}
		out = append(out, occ...)
	}
	slices.SortStableFunc(out, func(a, b *Occurrence) int { return a.Start.Compare(b.Start) })
	return out, nil
}

func (w Window) check() error {
	switch {
	case !w.To.After(w.From):
		return apperr.Invalid("to", "must be later than from")
	case w.To.Sub(w.From) > MaxWindow:
		return apperr.Invalid("to", "a calendar window is at most 366 days")
	}
	return nil
}

// overlaps selects events (singles, series and moved occurrences) that may
// have an occurrence overlapping [from, to): series_end is the end of the
// last occurrence, or NULL for a series without end.
func overlaps(from, to time.Time) predicate.Event {
	return event.And(event.StartAtLT(to), event.Or(event.SeriesEndIsNil(), event.SeriesEndGT(from)))
}

// selects keeps the events of the window's people (organised or invited
// to) and rooms, as "id IN (… UNION …)": each part is one index lookup,
// where an OR across them makes Postgres scan the company's events. An
// attendee who hid an event does not see it in their own calendar. The
// outer query keeps the tenant filter, so the subquery cannot widen it.
func (w Window) selects(me int) predicate.Event {
	return func(s *sql.Selector) {
		var parts []*sql.Selector
		if len(w.Users) > 0 {
			a := sql.Table(attendee.Table)
			parts = append(parts, sql.Select(a.C(attendee.FieldEventID)).From(a).Where(sql.And(
				sql.InInts(a.C(attendee.FieldUserID), w.Users...),
				sql.Or(sql.EQ(a.C(attendee.FieldHidden), false), sql.NEQ(a.C(attendee.FieldUserID), me)),
			)))
			o := sql.Table(event.Table).As("organized")
			parts = append(parts, sql.Select(o.C(event.FieldID)).From(o).Where(sql.InInts(o.C(event.FieldOrganizerID), w.Users...)))
		}
		if len(w.Rooms) > 0 {
			r := sql.Table(event.Table).As("booked")
			parts = append(parts, sql.Select(r.C(event.FieldID)).From(r).Where(sql.InInts(r.C(event.FieldRoomID), w.Rooms...)))
		}
		ids := parts[0]
		for _, p := range parts[1:] {
			ids = ids.Union(p)
		}
		s.Where(sql.In(s.C(event.FieldID), ids))
	}
}

// movedOccurrences finds, for each series, the original starts of its
// occurrences that were moved: those are shown at their new time (as events
// of their own), never at the old one, even when moved out of the window.
func movedOccurrences(ctx context.Context, client *ent.Client, events []*ent.Event, w Window) (map[int][]time.Time, error) {
	var series []int
	for _, e := range events {
		if e.Rrule != "" {
			series = append(series, e.ID)
		}
	}
	moved := map[int][]time.Time{}
	if len(series) == 0 {
		return moved, nil
	}
	overrides, err := client.Event.Query().
		Where(event.SeriesIDIn(series...), event.OriginalStartGTE(w.From.Add(-24*time.Hour)), event.OriginalStartLT(w.To)).
		Select(event.FieldSeriesID, event.FieldOriginalStart).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("scheduling: moved occurrences: %w", err)
	}
	for _, o := range overrides {
		moved[*o.SeriesID] = append(moved[*o.SeriesID], *o.OriginalStart)
	}
	return moved, nil
}

// expand returns an event's occurrences that overlap [from, to), leaving
// out cancelled (exdates) and moved ones.
func expand(e *ent.Event, from, to time.Time, moved []time.Time) ([]*Occurrence, error) {
	length := time.Duration(e.DurationMinutes) * time.Minute
	if e.Rrule == "" {
		if !e.StartAt.Before(to) || !e.StartAt.Add(length).After(from) {
			return nil, nil
		}
		return []*Occurrence{{Event: e, Start: e.StartAt, End: e.StartAt.Add(length), RecurrenceID: e.OriginalStart}}, nil
	}
	loc, err := zone.Load(e.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("scheduling: event %d: %w", e.ID, err)
	}
	rule, err := ParseRule(e.Rrule, e.StartAt, loc)
	if err != nil {
		return nil, fmt.Errorf("scheduling: event %d: %w", e.ID, err)
	}
	var out []*Occurrence
	for _, start := range rule.Between(from.Add(-length+time.Nanosecond), to) {
		if containsInstant(e.Exdates, start) || containsInstant(moved, start) {
			continue
		}
		id := start
		out = append(out, &Occurrence{Event: e, Start: start, End: start.Add(length), RecurrenceID: &id})
	}
	return out, nil
}

func containsInstant(ts []time.Time, t time.Time) bool {
	return slices.ContainsFunc(ts, t.Equal)
}

// responseOf is a user's answer to this occurrence: the one given to it
// alone, else the one given to the event; nil when not invited.
func (o *Occurrence) responseOf(userID int) *attendee.Response {
	for _, a := range o.Event.Edges.Attendees {
		if a.UserID != nil && *a.UserID == userID {
			r := a.Response
			if own, ok := o.answers[userID]; ok {
				r = own
			}
			return &r
		}
	}
	return nil
}

// answerKey names one occurrence: its series and original start.
type answerKey struct {
	eventID int
	start   int64
}

// occurrenceAnswers loads the answers given to single occurrences of the
// series in the window, by occurrence and user: one query, and none when no
// series is shown.
func occurrenceAnswers(ctx context.Context, client *ent.Client, events []*ent.Event, w Window) (map[answerKey]map[int]attendee.Response, error) {
	owner := map[int][2]int{} // attendee → event, user
	for _, e := range events {
		if e.Rrule == "" {
			continue
		}
		for _, a := range e.Edges.Attendees {
			if a.UserID != nil {
				owner[a.ID] = [2]int{e.ID, *a.UserID}
			}
		}
	}
	out := map[answerKey]map[int]attendee.Response{}
	if len(owner) == 0 {
		return out, nil
	}
	rows, err := client.OccurrenceResponse.Query().Where(
		occurrenceresponse.AttendeeIDIn(slices.Collect(maps.Keys(owner))...),
		occurrenceresponse.OriginalStartGTE(w.From.Add(-24*time.Hour)), occurrenceresponse.OriginalStartLT(w.To),
	).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("scheduling: occurrence answers: %w", err)
	}
	for _, r := range rows {
		o := owner[r.AttendeeID]
		key := answerKey{o[0], r.OriginalStart.Unix()}
		if out[key] == nil {
			out[key] = map[int]attendee.Response{}
		}
		out[key][o[1]] = attendee.Response(r.Response)
	}
	return out, nil
}
