package calls

import (
	"context"
	"errors"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/calls/media"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/call"
	"github.com/convene/convene/viewer"
)

// JoinMedia answers the WebRTC offer of a participant of an in-app call
// with the SFU's answer; everyone else's audio and video follow in an offer
// through MediaSignals.
func (c *Calls) JoinMedia(ctx context.Context, id int, offer string) (string, error) {
	cl, me, err := c.mediaCall(ctx, id)
	if err != nil {
		return "", err
	}
	if Final(cl.State) {
		return "", apperr.New(apperr.Conflict, "the call is %s", stateWords[cl.State])
	}
	answer, err := c.media.Join(id, me, offer)
	if err != nil {
		return "", apperr.Invalid("offer", "%v", err)
	}
	return answer, nil
}

// AnswerMedia takes a participant's answer to the SFU's latest offer.
func (c *Calls) AnswerMedia(ctx context.Context, id int, answer string) error {
	_, me, err := c.mediaCall(ctx, id)
	if err != nil {
		return err
	}
	return mediaError("answer", c.media.Answer(id, me, answer))
}

// AddCandidate adds one of a participant's ICE candidates.
func (c *Calls) AddCandidate(ctx context.Context, id int, candidate string) error {
	_, me, err := c.mediaCall(ctx, id)
	if err != nil {
		return err
	}
	return mediaError("candidate", c.media.Candidate(id, me, candidate))
}

// MediaSignals are the SFU's signals for the viewer on call id.
func (c *Calls) MediaSignals(ctx context.Context, id int) (<-chan media.Signal, func(), error) {
	_, me, err := c.mediaCall(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	signals, cancel := c.media.Signals(id, me)
	return signals, cancel, nil
}

// LeaveMedia takes the viewer's media off the call; the call ends when the
// last participant leaves.
func (c *Calls) LeaveMedia(ctx context.Context, id int) (*ent.Call, error) {
	cl, me, err := c.mediaCall(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.media.Leave(id, me) > 0 || cl.State == call.StateRINGING || Final(cl.State) {
		return cl, nil
	}
	return c.move(ctx, cl, End, time.Now(), Ended)
}

// hangUp ends an in-app call for the viewer: a channel call goes on while
// others are in it; any other call ends, and its media with it.
func (c *Calls) hangUp(ctx context.Context, cl *ent.Call) (*ent.Call, error) {
	v, _ := viewer.FromContext(ctx)
	if cl.ChannelID != nil && !Final(cl.State) && c.media.Leave(cl.ID, v.UserID) > 0 {
		return cl, nil
	}
	return c.move(ctx, cl, End, time.Now(), Ended)
}

// mediaCall is an in-app call the viewer is on, and the viewer.
func (c *Calls) mediaCall(ctx context.Context, id int) (*ent.Call, int, error) {
	cl, err := c.participantsCall(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	if cl.Direction != call.DirectionINTERNAL {
		return nil, 0, apperr.New(apperr.Conflict, "a phone call's audio goes through the call center, not the app")
	}
	v, _ := viewer.FromContext(ctx)
	return cl, v.UserID, nil
}

func mediaError(field string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, media.ErrNotJoined):
		return apperr.New(apperr.Conflict, "%v", err)
	}
	return apperr.Invalid(field, "%v", err)
}
