package scheduling

import (
	"context"
	"fmt"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/occurrenceresponse"
	"github.com/convene/convene/viewer"
)

// Respond records the viewer's answer to an event they are invited to: to
// the whole series, or, given occurrence (its original start), to that one.
func (p *Planner) Respond(ctx context.Context, eventID int, response attendee.Response, occurrence *time.Time) (*ent.Attendee, error) {
	if response == attendee.ResponseNEEDS_ACTION {
		return nil, apperr.Invalid("response", "answer ACCEPTED, DECLINED or TENTATIVE")
	}
	a, err := p.myInvitation(ctx, eventID)
	if err != nil {
		return nil, err
	}
	if occurrence == nil {
		return a.Update().SetResponse(response).SetRespondedAt(p.now()).Save(ctx)
	}
	e, err := a.QueryEvent().Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("scheduling: %w", err)
	}
	if e.Rrule == "" {
		return nil, apperr.Invalid("occurrence", "this event does not repeat; answer without an occurrence")
	}
	if err := isOccurrence(e, *occurrence); err != nil {
		return nil, err
	}
	err = p.client.OccurrenceResponse.Create().SetAttendeeID(a.ID).SetOriginalStart(*occurrence).
		SetResponse(occurrenceresponse.Response(response)).
		OnConflictColumns(occurrenceresponse.FieldAttendeeID, occurrenceresponse.FieldOriginalStart).
		UpdateResponse().Exec(ctx)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Hide removes an event from the viewer's own calendar. The event, its
// conference and everyone else's calendars stay as they are.
func (p *Planner) Hide(ctx context.Context, eventID int) (*ent.Attendee, error) {
	a, err := p.myInvitation(ctx, eventID)
	if err != nil {
		return nil, err
	}
	return a.Update().SetHidden(true).Save(ctx)
}

// myInvitation is the viewer's attendee row of an event. Answers are only
// ever written to the viewer's own row.
func (p *Planner) myInvitation(ctx context.Context, eventID int) (*ent.Attendee, error) {
	v, _ := viewer.FromContext(ctx)
	a, err := p.client.Attendee.Query().
		Where(attendee.EventID(eventID), attendee.UserID(v.UserID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("event", "you are not invited to this event")
	}
	if err != nil {
		return nil, fmt.Errorf("scheduling: %w", err)
	}
	return a, nil
}

// ResponseCounts are how an event's attendees answered.
type ResponseCounts struct {
	Accepted, Declined, Tentative, NeedsAction int
}

// CountResponses tallies attendees' answers.
func CountResponses(attendees []*ent.Attendee) ResponseCounts {
	var c ResponseCounts
	for _, a := range attendees {
		switch a.Response {
		case attendee.ResponseACCEPTED:
			c.Accepted++
		case attendee.ResponseDECLINED:
			c.Declined++
		case attendee.ResponseTENTATIVE:
			c.Tentative++
		default:
			c.NeedsAction++
		}
	}
	return c
}
