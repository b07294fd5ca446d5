package calls

import (
	"context"
	"fmt"
	"time"

	"github.com/convene/convene/db"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/call"
	"github.com/convene/convene/jobs"
)

// KindRingTimeout ends an in-app call nobody picked up.
const KindRingTimeout = "calls.ring-timeout"

// RingTimeout is how long an in-app call rings before it ends as missed,
// as a phone stops ringing; the center ends its own calls.
const RingTimeout = 45 * time.Second

type ringing struct {
	CallID int `json:"callId"`
}

// startRinging saves an in-app call with the job that ends it if nobody
// picks up, both or neither.
func (c *Calls) startRinging(ctx context.Context, create func(*ent.Client) *ent.CallCreate) (*ent.Call, error) {
	var cl *ent.Call
	err := db.WithTx(ctx, c.client, func(tx *ent.Tx) error {
		var err error
		if cl, err = create(tx.Client()).Save(ctx); err != nil {
			return err
		}
		return jobs.Enqueue(ctx, tx.Client(), jobs.New{CompanyID: cl.CompanyID, Kind: KindRingTimeout,
			Key: fmt.Sprintf("ring-timeout:%d", cl.ID), Payload: ringing{cl.ID}, RunAt: time.Now().Add(RingTimeout)})
	})
	if err != nil {
		return nil, err
	}
	cl = cl.Unwrap() // its edges load outside the transaction
	c.publish(ctx, cl, Ringing)
	return cl, nil
}

// RingTimedOut is the job that ends a call still ringing; one picked up or
// ended meanwhile is left alone.
func (c *Calls) RingTimedOut(ctx context.Context, j *jobs.Job) error {
	var r ringing
	if err := j.Decode(&r); err != nil {
		return err
	}
	cl, err := c.client.Call.Get(ctx, r.CallID)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if cl.State != call.StateRINGING {
		return nil
	}
	_, err = c.move(ctx, cl, End, time.Now(), Ended)
	return err
}
