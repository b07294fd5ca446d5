package calls

import (
	"context"
	"errors"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/connectors/vcc"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/call"
	"github.com/convene/convene/ent/user"
)

// ErrStale says a report came for a call that is already over; it is
// acknowledged and changes nothing.
var ErrStale = errors.New("calls: the call is already over")

// Report applies one event the call center reported, in the reporting
// company's context. A repeated event is no news; one for a call that is
// over is ErrStale; one that cannot happen yet (held before answered) is a
// CONFLICT, and one for a call never seen ringing is NOT_FOUND: the center
// sends those again later, and nothing is written meanwhile.
func (c *Calls) Report(ctx context.Context, r vcc.Report) error {
	if err := r.Check(); err != nil {
		return apperr.Invalid("report", "%v", err)
	}
	cl, err := c.reportedCall(ctx, r)
	if err != nil {
		return err
	}
	if r.Event == vcc.EventMuted || r.Event == vcc.EventUnmuted {
		if Final(cl.State) {
			return ErrStale
		}
		_, err := c.setMuted(ctx, cl, r.Event == vcc.EventMuted)
		return err
	}
	a, change, failure := reported(r)
	switch {
	case r.Event == vcc.EventRinging || Reached(cl.State, a):
		return nil
	case Final(cl.State):
		return ErrStale
	}
	_, err = c.move(ctx, cl, a, r.At, change, func(u *ent.CallUpdate) {
		if failure != nil {
			u.SetErrorCode(failure.Code).SetSipCode(r.SIPCode)
		}
	})
	return err
}

// reported is the action an event stands for, its change, and for a failed
// callout why.
func reported(r vcc.Report) (Action, Change, *Failure) {
	switch r.Event {
	case vcc.EventAnswered:
		if r.Inbound() {
			return Accept, Accepted, nil
		}
		return Accept, CustomerAnswered, nil
	case vcc.EventCalloutResult:
		if r.Error == "" && (r.SIPCode == 0 || r.SIPCode/100 == 2) {
			return Accept, CustomerAnswered, nil
		}
		f := FailureOf(r.Error, r.SIPCode)
		return Fail, Failed, &f
	case vcc.EventHeld:
		return Hold, Held, nil
	case vcc.EventResumed:
		return Resume, Resumed, nil
	case vcc.EventEnded:
		return End, Ended, nil
	}
	return "", Ringing, nil // ringing: the call's creation is the change
}

// reportedCall is the call a report is about: one seen before by the
// center's id, a callout the agent placed here and the center now names, or
// a new one when a customer's call rings or an agent dialled on their own.
func (c *Calls) reportedCall(ctx context.Context, r vcc.Report) (*ent.Call, error) {
	cl, err := c.client.Call.Query().Where(call.ExternalID(r.CallID)).Only(ctx)
	if !ent.IsNotFound(err) {
		return cl, err
	}
	agent, err := c.client.User.Query().Where(user.Extension(r.IPPhone)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("ipphone", "no employee has extension %s", r.IPPhone)
	}
	if err != nil {
		return nil, err
	}
	number, err := c.normalize(ctx, "number", r.Number)
	if err != nil {
		return nil, err
	}
	switch {
	case !r.Inbound():
		return c.namedCallout(ctx, agent, number, r)
	case r.Event == vcc.EventRinging:
		return c.customerCall(ctx, agent, number, r)
	}
	return nil, apperr.New(apperr.NotFound, "call %s never rang here", r.CallID)
}

// namedCallout ties the agent's latest unnamed callout to number to the
// center's id for it, or records a callout dialled outside the app.
func (c *Calls) namedCallout(ctx context.Context, agent *ent.User, number string, r vcc.Report) (*ent.Call, error) {
	placed, err := c.client.Call.Query().Where(call.CallerID(agent.ID), call.DirectionEQ(call.DirectionOUTBOUND),
		call.CalleeNumber(number), call.ExternalIDIsNil(), call.StateEQ(call.StateRINGING)).
		Order(ent.Desc(call.FieldStartedAt)).First(ctx)
	if ent.IsNotFound(err) {
		dialled, err := newCall(c.client, call.DirectionOUTBOUND, agent).SetCalleeNumber(number).SetExternalID(r.CallID).
			SetStartedAt(r.At).SetNillableContactID(c.contactOf(ctx, number)).Save(ctx)
		if err == nil {
			c.publish(ctx, dialled, CalloutInfo)
		}
		return dialled, err
	}
	if err != nil {
		return nil, err
	}
	named, err := placed.Update().SetExternalID(r.CallID).Save(ctx)
	if err == nil {
		c.publish(ctx, named, CurrentCall)
	}
	return named, err
}

// customerCall records a customer's call ringing for agent, with the
// contact whose number it is, and pops it up.
func (c *Calls) customerCall(ctx context.Context, agent *ent.User, number string, r vcc.Report) (*ent.Call, error) {
	cl, err := c.client.Call.Create().SetDirection(call.DirectionINBOUND).SetCalleeID(agent.ID).
		SetCallerNumber(number).SetNillableContactID(c.contactOf(ctx, number)).SetExternalID(r.CallID).
		SetStartedAt(r.At).SetDevice(call.Device(agent.CallDevice)).Save(ctx)
	if ent.IsConstraintError(err) { // the same ringing, reported twice at once
		return c.client.Call.Query().Where(call.ExternalID(r.CallID)).Only(ctx)
	}
	if err != nil {
		return nil, err
	}
	c.publish(ctx, cl, Ringing)
	return cl, nil
}
