package calls

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/calls/media"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/call"
	"github.com/convene/convene/ent/channel"
	"github.com/convene/convene/ent/notification"
	"github.com/convene/convene/realtime"
	"github.com/convene/convene/viewer"
)

// Change is what a published call update says happened.
type Change string

// The changes callUpdated carries, named as the call center's softphone
// names its events.
const (
	Ringing             Change = "RINGING"
	Accepted            Change = "ACCEPTED"
	CustomerAnswered    Change = "CUSTOMER_ANSWERED"
	Ended               Change = "ENDED"
	Failed              Change = "FAILED"
	Muted               Change = "MUTED"
	Unmuted             Change = "UNMUTED"
	Held                Change = "HELD"
	Resumed             Change = "RESUMED"
	CalloutInfo         Change = "CALLOUT_INFO"
	CurrentCall         Change = "CURRENT_CALL"
	DeviceChanged       Change = "DEVICE_CHANGED"
	VoiceSessionChanged Change = "VOICE_SESSION_CHANGED"
	AvailabilityChanged Change = "AVAILABILITY_CHANGED"
)

// changeOf is what each action is called once it happened.
var changeOf = map[Action]Change{Accept: Accepted, Hold: Held, Resume: Resumed, End: Ended, Fail: Failed}

// Calls places, answers, holds and ends calls, and tells everyone on a call
// of each change.
type Calls struct {
	client *ent.Client
	broker realtime.Broker
	media  *media.SFU
	tell   func(context.Context, *ent.Notification)
	log    *slog.Logger
}

// Options are what Calls work with.
type Options struct {
	Client *ent.Client
	Broker realtime.Broker                          // carries call changes to subscribers
	Media  *media.SFU                               // in-app calls' audio and video
	Tell   func(context.Context, *ent.Notification) // pushes a stored notice, such as a missed call
	Log    *slog.Logger
}

// New returns the calls of o.Client's companies.
func New(o Options) *Calls {
	return &Calls{client: o.Client, broker: o.Broker, media: o.Media, tell: o.Tell, log: o.Log}
}

// Act does a to call id for one of its participants.
func (c *Calls) Act(ctx context.Context, id int, a Action) (*ent.Call, error) {
	cl, err := c.participantsCall(ctx, id)
	if err != nil {
		return nil, err
	}
	if v, _ := viewer.FromContext(ctx); a == Accept && (isCaller(cl, v.UserID) || cl.Direction == call.DirectionOUTBOUND) {
		return nil, apperr.New(apperr.Forbidden, "only whom a call rings picks it up")
	}
	if a == End && cl.Direction == call.DirectionINTERNAL {
		return c.hangUp(ctx, cl)
	}
	return c.move(ctx, cl, a, time.Now(), changeOf[a])
}

// SetMuted mutes or unmutes an inbound call of the center, as the center
// does: it mutes the agent's side of a customer's call.
func (c *Calls) SetMuted(ctx context.Context, id int, muted bool) (*ent.Call, error) {
	cl, err := c.participantsCall(ctx, id)
	if err != nil {
		return nil, err
	}
	if cl.Direction != call.DirectionINBOUND {
		return nil, apperr.New(apperr.Conflict, "only a customer's call to you can be muted")
	}
	return c.setMuted(ctx, cl, muted)
}

func (c *Calls) setMuted(ctx context.Context, cl *ent.Call, muted bool) (*ent.Call, error) {
	if cl.State != call.StateACTIVE && cl.State != call.StateHELD {
		return nil, apperr.New(apperr.Conflict, "a call that is %s cannot be muted or unmuted", stateWords[cl.State])
	}
	if cl.Muted == muted {
		return cl, nil
	}
	cl, err := cl.Update().SetMuted(muted).Save(ctx)
	if err != nil {
		return nil, err
	}
	c.publish(ctx, cl, map[bool]Change{true: Muted, false: Unmuted}[muted])
	return cl, nil
}

// participantsCall is call id if the viewer is on it.
func (c *Calls) participantsCall(ctx context.Context, id int) (*ent.Call, error) {
	cl, err := c.client.Call.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	v, _ := viewer.FromContext(ctx)
	users, err := c.participants(ctx, cl)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(users, v.UserID) {
		return nil, apperr.New(apperr.Forbidden, "you are not on this call")
	}
	return cl, nil
}

// move takes cl from its state through a, unless someone moved it first,
// and publishes change.
func (c *Calls) move(ctx context.Context, cl *ent.Call, a Action, at time.Time, change Change, set ...func(*ent.CallUpdate)) (*ent.Call, error) {
	to, err := Next(cl.State, a)
	if err != nil {
		return nil, err
	}
	u := c.client.Call.Update().Where(call.ID(cl.ID), call.StateEQ(cl.State)).SetState(to)
	switch {
	case a == Accept:
		u.SetAnsweredAt(at)
	case Final(to):
		u.SetEndedAt(at)
	}
	for _, s := range set {
		s(u)
	}
	n, err := u.Save(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 { // another tab or the center's report moved it first
		return nil, apperr.New(apperr.Conflict, "the call changed meanwhile: look again")
	}
	moved, err := c.client.Call.Get(ctx, cl.ID)
	if err != nil {
		return nil, err
	}
	if cl.State == call.StateRINGING && to == call.StateENDED {
		c.missed(ctx, moved)
	}
	if Final(to) {
		c.media.Close(cl.ID) // an in-app call's peers, if any
	}
	c.publish(ctx, moved, change)
	return moved, nil
}

// missed leaves a notice for whoever a call rang and nobody picked up.
func (c *Calls) missed(ctx context.Context, cl *ent.Call) {
	if cl.CalleeID == nil || cl.Direction == call.DirectionOUTBOUND {
		return
	}
	from := cl.CallerNumber
	if cl.CallerID != nil {
		if u, err := c.client.User.Get(ctx, *cl.CallerID); err == nil {
			from = u.Name
		}
	}
	n, err := c.client.Notification.Create().SetCompanyID(cl.CompanyID).SetUserID(*cl.CalleeID).
		SetKind(notification.KindCALL_MISSED).SetTitle("Missed call from " + from).SetCallID(cl.ID).Save(ctx)
	if err != nil { // the call is saved and shows as missed; only the notice is lost
		c.log.WarnContext(ctx, "storing a missed call's notice", "call", cl.ID, "err", err)
		return
	}
	c.tell(ctx, n)
}

// participants are the employees a call concerns: its two ends, or a
// channel call's members.
func (c *Calls) participants(ctx context.Context, cl *ent.Call) ([]int, error) {
	var users []int
	for _, id := range []*int{cl.CallerID, cl.CalleeID} {
		if id != nil {
			users = append(users, *id)
		}
	}
	if cl.ChannelID != nil {
		members, err := c.client.Channel.Query().Where(channel.ID(*cl.ChannelID)).QueryMembers().IDs(ctx)
		if err != nil {
			return nil, err
		}
		users = append(users, members...)
	}
	return slices.Compact(slices.Sorted(slices.Values(users))), nil
}

// publish tells the call's own subscribers, each participant's agent
// stream and the company's integrators of change; a ringing call also pops
// up for whoever it rings.
func (c *Calls) publish(ctx context.Context, cl *ent.Call, change Change) {
	topics := []string{realtime.CallTopic(cl.ID), realtime.CompanyTopic(cl.CompanyID, "calls")}
	users, err := c.participants(ctx, cl)
	if err != nil { // the call is saved; its own and the company's subscribers still hear
		c.log.WarnContext(ctx, "finding a call's participants", "call", cl.ID, "err", err)
	}
	for _, u := range users {
		topics = append(topics, realtime.AgentTopic(u))
		if change == Ringing && !isCaller(cl, u) {
			topics = append(topics, realtime.IncomingCallTopic(u))
		}
	}
	if err := realtime.PublishJSON(ctx, c.broker, realtime.CallChanged{Kind: string(change), CallID: cl.ID}, topics...); err != nil {
		c.log.WarnContext(ctx, "publishing a call's change", "call", cl.ID, "change", change, "err", err)
	}
}

func isCaller(cl *ent.Call, userID int) bool { return cl.CallerID != nil && *cl.CallerID == userID }

// publishAgent tells an employee's tabs their call settings changed.
func (c *Calls) publishAgent(ctx context.Context, userID int, change Change) {
	if err := realtime.PublishJSON(ctx, c.broker, realtime.CallChanged{Kind: string(change)}, realtime.AgentTopic(userID)); err != nil {
		c.log.WarnContext(ctx, "publishing an agent's change", "user", userID, "change", change, "err", err)
	}
}

// Update is one change of a call, or of an agent's settings, as a
// subscriber sees it.
type Update struct {
	Change Change
	Call   *ent.Call // nil when only the agent's settings changed
	Agent  *Agent    // the subscriber's; nil for an integrator
}
