package conferencing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/teambition/rrule-go"

	"github.com/convene/convene/connectors/trueconf"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/jobs"
)

// trueconfMeetings are conferences on the company's own TrueConf Server,
// which schedules one time at a conference: a series' conference is set
// for its nearest occurrence to come.
type trueconfMeetings struct{ apps Apps }

// create makes the conference under an id of ours, looking first for the
// one an earlier try may have made under it.
func (m trueconfMeetings) create(ctx context.Context, c *ent.Conference) (details, error) {
	tc, err := m.server(ctx, c.CompanyID)
	if err != nil {
		return details{}, err
	}
	id := chosenID(c)
	made, err := tc.Get(ctx, id)
	var r refused
	if errors.As(err, &r) && r.Gone() {
		conf := trueconfConference(c.Edges.Event, time.Now())
		conf.ID = id
		made, err = tc.Create(ctx, conf)
	}
	if err != nil {
		return details{}, refusal("TrueConf refused the conference", err)
	}
	link := made.URL
	if link == "" {
		link = made.WebclientURL
	}
	return details{externalID: made.ID, joinURL: link, hostURL: made.WebclientURL}, nil
}

func (m trueconfMeetings) update(ctx context.Context, c *ent.Conference) error {
	tc, err := m.server(ctx, c.CompanyID)
	if err != nil {
		return err
	}
	return refusal("TrueConf refused the change", tc.Update(ctx, c.ExternalID, trueconfConference(c.Edges.Event, time.Now())))
}

func (m trueconfMeetings) remove(ctx context.Context, c *ent.Conference) error {
	tc, err := m.server(ctx, c.CompanyID)
	if err != nil {
		return err
	}
	return refusal("TrueConf refused to delete the conference", ignoreGone(tc.Delete(ctx, c.ExternalID)))
}

func (m trueconfMeetings) server(ctx context.Context, companyID int) (*trueconf.Client, error) {
	tc, err := m.apps.TrueConf(ctx, companyID)
	if errors.Is(err, credentials.ErrNotConnected) {
		return nil, jobs.Permanent(errors.New("the company has no TrueConf Server: an admin connects one with configureTrueConf"))
	}
	return tc, err
}

// trueconfConference is e's conference, scheduled once for its nearest
// occurrence that has not ended by now, in all-on-screen mode.
func trueconfConference(e *ent.Event, now time.Time) trueconf.Conference {
	allOnScreen := 0
	start := nextOccurrence(e, now)
	return trueconf.Conference{Topic: e.Title, Description: e.Description, Type: &allOnScreen,
		Schedule: &trueconf.Schedule{Type: 1, StartTime: start.Unix(), Duration: e.DurationMinutes * 60}}
}

// nextOccurrence is the start of e's first occurrence that has not ended
// by now; the first one if the series is over or cannot be read.
func nextOccurrence(e *ent.Event, now time.Time) time.Time {
	if e.Rrule == "" {
		return e.StartAt
	}
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil {
		loc = time.UTC
	}
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

// KindAdvance is the job that moves a series' TrueConf conference on to
// its next occurrence once the current one has ended; Update handles it.
const KindAdvance = "conference.advance"

// advanceJob is the job that moves c on after e's coming occurrence ends,
// if c is a series' TrueConf conference with occurrences to come.
func advanceJob(c *ent.Conference, e *ent.Event, now time.Time) (jobs.New, bool) {
	if c.Provider != schematype.ConferenceTrueConf || e.Rrule == "" || e.Status == event.StatusCANCELLED {
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
