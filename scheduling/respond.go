package scheduling

import (
	"context"
	"fmt"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/db"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/notification"
	"github.com/convene/convene/ent/occurrenceresponse"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/internal/zone"
	"github.com/convene/convene/notify"
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
		return p.answer(ctx, a, response)
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
	if err := p.answerOccurrence(ctx, a, *occurrence, response); err != nil {
		return nil, err
	}
	return a, nil
}

// answerOccurrence records an attendee's answer to one occurrence.
func (p *Planner) answerOccurrence(ctx context.Context, a *ent.Attendee, occurrence time.Time, response attendee.Response) error {
	return p.client.OccurrenceResponse.Create().SetCompanyID(a.CompanyID).SetAttendeeID(a.ID).SetOriginalStart(occurrence).
		SetResponse(occurrenceresponse.Response(response)).
		OnConflictColumns(occurrenceresponse.FieldAttendeeID, occurrenceresponse.FieldOriginalStart).
		UpdateResponse().Exec(ctx)
}

// AnswerByLink records the answer given through a link of an invitation
// mail, issued at issued: the attendee named by the link, of the meeting it
// names, once. A later answer, by link or in the app, makes the link spent.
func (p *Planner) AnswerByLink(ctx context.Context, attendeeID, eventID int, issued time.Time, response attendee.Response) (*ent.Attendee, error) {
	ctx = viewer.NewSystemContext(ctx, viewer.SystemAnswerLinks)
	a, err := p.client.Attendee.Query().Where(attendee.ID(attendeeID), attendee.EventID(eventID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "this invitation is no longer open")
	}
	if err != nil {
		return nil, fmt.Errorf("scheduling: %w", err)
	}
	if a.RespondedAt != nil && !a.RespondedAt.Before(issued.Truncate(time.Second)) {
		return nil, apperr.New(apperr.Conflict, "this link was used already; answer again in the app")
	}
	return p.answer(ctx, a, response)
}

// answer records an attendee's answer to a whole event and tells its
// organizer, unless the organizer answered.
func (p *Planner) answer(ctx context.Context, a *ent.Attendee, response attendee.Response) (*ent.Attendee, error) {
	if response == attendee.ResponseNEEDS_ACTION {
		return nil, apperr.Invalid("response", "answer ACCEPTED, DECLINED or TENTATIVE")
	}
	var saved *ent.Attendee
	var e *ent.Event
	var notice *ent.Notification
	err := db.WithTx(ctx, p.client, func(tx *ent.Tx) error {
		var err error
		if saved, err = tx.Attendee.UpdateOne(a).SetResponse(response).SetRespondedAt(p.now()).Save(ctx); err != nil {
			return err
		}
		e, err = tx.Event.Query().Where(event.ID(a.EventID)).WithAttendees(func(q *ent.AttendeeQuery) { q.WithUser() }).Only(ctx)
		if err != nil || a.UserID != nil && *a.UserID == e.OrganizerID {
			return err
		}
		notice, err = tx.Notification.Create().SetCompanyID(e.CompanyID).SetUserID(e.OrganizerID).
			SetKind(notification.KindRESPONSE).SetEventID(e.ID).
			SetTitle(fmt.Sprintf("%s: %s", answerWords[response], e.Title)).SetBody(whoAnswered(e, a.ID)).Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	var notices []*ent.Notification
	if notice != nil {
		notices = append(notices, notice.Unwrap())
	}
	return saved.Unwrap(), p.announce(ctx, Updated, e.Unwrap(), nil, notices...)
}

var answerWords = map[attendee.Response]string{
	attendee.ResponseACCEPTED:  "Accepted",
	attendee.ResponseTENTATIVE: "Maybe",
	attendee.ResponseDECLINED:  "Declined",
}

// whoAnswered names an attendee of e by name or address.
func whoAnswered(e *ent.Event, attendeeID int) string {
	for _, a := range e.Edges.Attendees {
		if a.ID != attendeeID {
			continue
		}
		if u := a.Edges.User; u != nil {
			return u.Name
		}
		return a.Email
	}
	return ""
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

// SendInvitations invites an event's attendees now: an in-app notice to
// each, and the invitation mail. Pressed again, it sends nothing twice.
func (p *Planner) SendInvitations(ctx context.Context, eventID int) (*ent.Event, error) {
	var out *ent.Event
	var invited []*ent.Notification
	err := db.WithTx(ctx, p.client, func(tx *ent.Tx) error {
		e, err := lockToChange(ctx, tx.Client(), eventID)
		if err != nil {
			return err
		}
		if !e.SendInvitations {
			loc, err := zone.Load(e.TimeZone)
			if err != nil {
				return err
			}
			if invited, err = invite(ctx, tx.Client(), e, &plan{NewEvent: current(e), loc: loc}); err != nil {
				return err
			}
		}
		if out, err = e.Update().SetSendInvitations(true).Save(ctx); err != nil {
			return err
		}
		return p.followUp(ctx, tx.Client(), out, nil)
	})
	if err != nil {
		return nil, err
	}
	out = out.Unwrap()
	return out, p.announce(ctx, Updated, out, nil, invited...)
}

// AnswerByReply records an answer a mail client sent with its own
// Accept/Decline buttons: to the meeting with the reply's UID, by the
// attendee with the reply's address. A reply to an older version of the
// meeting than the last one mailed is ignored, as RFC 5546 says; so is one
// from someone not invited. It reports whether the answer was recorded.
func (p *Planner) AnswerByReply(ctx context.Context, r notify.Reply) (bool, error) {
	ctx = viewer.NewSystemContext(ctx, viewer.SystemAnswerLinks)
	e, err := p.client.Event.Query().Where(event.IcalUID(r.UID)).Only(ctx)
	if ent.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("scheduling: %w", err)
	}
	if r.Sequence < e.Sequence || e.Status == event.StatusCANCELLED {
		return false, nil
	}
	if r.RecurrenceID != nil { // one occurrence: moved ones are events of their own
		moved, err := p.client.Event.Query().Where(event.SeriesID(e.ID), event.OriginalStart(*r.RecurrenceID)).Only(ctx)
		switch {
		case err == nil:
			e = moved
		case !ent.IsNotFound(err):
			return false, fmt.Errorf("scheduling: %w", err)
		}
	}
	a, err := p.client.Attendee.Query().Where(attendee.EventID(e.ID), attendee.Or(
		attendee.EmailEqualFold(r.Attendee), attendee.HasUserWith(user.EmailEqualFold(r.Attendee)))).First(ctx)
	if ent.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("scheduling: %w", err)
	}
	response := attendee.Response(r.PartStat)
	if r.RecurrenceID != nil && e.Rrule != "" {
		return true, p.answerOccurrence(ctx, a, *r.RecurrenceID, response)
	}
	_, err = p.answer(ctx, a, response)
	return err == nil, err
}
