package conferencing

import (
	"fmt"
	"slices"
	"time"

	"github.com/teambition/rrule-go"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/internal/zone"
	"github.com/convene/convene/jobs"
)

// A rolling series has one conference, with one link, scheduled at the
// provider for the series' nearest occurrence to come and moved on after
// each one ends: TrueConf schedules one time at a conference, and Zoom
// cannot say every rule. One link for the whole series is what a
// recurring invitation carries (a link per occurrence would take an
// updated invitation per occurrence to every attendee).
func rolling(provider schematype.ConferenceProvider, e *ent.Event) bool {
	if e.Rrule == "" {
		return false
	}
	switch provider {
	case schematype.ConferenceTrueConf:
		return true
	case schematype.ConferenceZoom:
		_, fits := zoomRecurrence(e.Rrule, e.StartAt)
		return !fits
	}
	return false
}

// nextOccurrence is the start of e's first occurrence that has not ended
// by now; the first one if the series is over or cannot be read.
func nextOccurrence(e *ent.Event, now time.Time) time.Time {
	if e.Rrule == "" {
		return e.StartAt
	}
	loc := zone.OrUTC(e.TimeZone)
	o, err := rrule.StrToROption(e.Rrule)
	if err != nil {
		return e.StartAt
	}
	o.Dtstart = e.StartAt.In(loc)
	r, err := rrule.NewRRule(*o)
	if err != nil {
		return e.StartAt
	}
	from := now.Add(-time.Duration(e.DurationMinutes) * time.Minute)
	for range 1000 { // past the taken-out occurrences
		next := r.After(from, true)
		if next.IsZero() {
			return e.StartAt
		}
		if !slices.ContainsFunc(e.Exdates, next.Equal) {
			return next
		}
		from = next.Add(time.Second)
	}
	return e.StartAt
}

// KindAdvance is the job that moves a rolling series' conference on to its
// next occurrence once the current one has ended; Update handles it.
const KindAdvance = "conference.advance"

// advanceJob is the job that moves c on after e's coming occurrence ends,
// if c is a rolling series' conference with occurrences to come.
func advanceJob(c *ent.Conference, e *ent.Event, now time.Time) (jobs.New, bool) {
	if !rolling(c.Provider, e) || e.Status == event.StatusCANCELLED {
		return jobs.New{}, false
	}
	start := nextOccurrence(e, now)
	end := start.Add(time.Duration(e.DurationMinutes) * time.Minute)
	if !end.After(now) { // the series is over
		return jobs.New{}, false
	}
	return jobs.New{CompanyID: c.CompanyID, Kind: KindAdvance, Payload: c.ID, RunAt: end,
		Key: fmt.Sprintf("conference:%d:advance:%d", c.ID, start.Unix())}, true
}
