package conferencing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/convene/convene/connectors/google"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/internal/zone"
	"github.com/convene/convene/jobs"
)

// googleMeetings are Google Meet conferences: an event in the calendar the
// company's Google app was authorized for, carrying the Meet link.
type googleMeetings struct{ apps Apps }

// errMeetPending is Google still making a Meet link; the job looks again.
var errMeetPending = errors.New("google is still making the Meet link")

// create inserts the event under an id of our choosing, so a retry finds
// the event the first try made instead of making a second, and asks for
// the Meet link once per conference (its requestId). Google makes the link
// asynchronously: until it is there, the job retries and reads it.
func (m googleMeetings) create(ctx context.Context, c *ent.Conference) (details, error) {
	cal, err := m.calendar(ctx, c.CompanyID)
	if err != nil {
		return details{}, err
	}
	id := chosenID(c)
	ev := googleEvent(c.Edges.Event)
	ev.ID, ev.ConferenceData = id, google.MeetRequest(id)
	made, err := cal.Insert(ctx, ev)
	var refused *google.Error
	if errors.As(err, &refused) && refused.Duplicate() { // an earlier try made it
		made, err = cal.Get(ctx, id)
	}
	for wait := meetPoll; err == nil && made.MeetState() == "pending" && wait <= 4*meetPoll; wait *= 2 {
		time.Sleep(wait) // Google usually has the link within a second or two
		made, err = cal.Get(ctx, id)
	}
	if err != nil {
		return details{}, oauthRefusal(ctx, m.apps, c, "Google refused the meeting", err)
	}
	switch made.MeetState() {
	case "success":
		return details{externalID: id, joinURL: made.JoinURL()}, nil
	case "failure":
		return details{}, jobs.Permanent(errors.New("google could not make a Meet link for this meeting"))
	}
	return details{}, errMeetPending
}

// meetPoll is the first wait before reading a pending Meet link again.
const meetPoll = 250 * time.Millisecond

func (m googleMeetings) update(ctx context.Context, c *ent.Conference) error {
	cal, err := m.calendar(ctx, c.CompanyID)
	if err != nil {
		return err
	}
	return oauthRefusal(ctx, m.apps, c, "Google refused the change", cal.Patch(ctx, c.ExternalID, googleEvent(c.Edges.Event)))
}

func (m googleMeetings) remove(ctx context.Context, c *ent.Conference) error {
	cal, err := m.calendar(ctx, c.CompanyID)
	if err != nil {
		return err
	}
	return oauthRefusal(ctx, m.apps, c, "Google refused to delete the meeting", ignoreGone(cal.Delete(ctx, c.ExternalID)))
}

func (m googleMeetings) calendar(ctx context.Context, companyID int) (*google.Calendar, error) {
	cal, err := m.apps.GoogleCalendar(ctx, companyID)
	if errors.Is(err, credentials.ErrNotConnected) {
		return nil, jobs.Permanent(errors.New("the company has no Google app: an admin connects one with configureGoogle"))
	}
	return cal, err
}

// chosenID is the conference's own id at a provider that lets the client
// choose one (Google's event id, Graph's transactionId): base32hex, as
// Google requires.
func chosenID(c *ent.Conference) string {
	return fmt.Sprintf("convene%dt%d", c.ID, c.CreatedAt.UnixNano())
}

// googleEvent is e as Google holds it: local times in e's zone, and its
// rule with the occurrences taken out.
func googleEvent(e *ent.Event) google.Event {
	loc := zone.OrUTC(e.TimeZone)
	start := e.StartAt.In(loc)
	ev := google.Event{Summary: e.Title, Description: e.Description,
		Start: google.At(start, loc.String()), End: google.At(start.Add(time.Duration(e.DurationMinutes)*time.Minute), loc.String())}
	if e.Rrule != "" {
		ev.Recurrence = google.Recurrence(e.Rrule, e.Exdates, loc)
	}
	return ev
}
