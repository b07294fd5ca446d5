package scheduling

import (
	"context"
	"fmt"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/conferencing"
	"github.com/convene/convene/db"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/conference"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/jobs"
)

// RemoveConference takes an online meeting's link away: the conference is
// REMOVED at once, its provider's meeting deleted by a job, and the
// meeting goes on in person with its attendees told.
func (p *Planner) RemoveConference(ctx context.Context, eventID int) (*ent.Event, error) {
	var out *ent.Event
	err := db.WithTx(ctx, p.client, func(tx *ent.Tx) error {
		e, c, err := p.lockConference(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if c.State == conference.StateREMOVED {
			return apperr.Invalid("event", "this meeting's link was removed already")
		}
		if err := tx.Conference.UpdateOne(c).SetState(conference.StateREMOVED).Exec(ctx); err != nil {
			return err
		}
		if c.ExternalID != "" {
			if err := jobs.Enqueue(ctx, tx.Client(), conferencing.DeleteJob(c)); err != nil {
				return err
			}
		}
		if out, err = e.Update().SetKind(event.KindMEETING).AddSequence(1).Save(ctx); err != nil {
			return err
		}
		return p.followUp(ctx, tx.Client(), out, nil)
	})
	if err != nil {
		return nil, err
	}
	out = out.Unwrap()
	return out, p.announce(ctx, Updated, out, nil)
}

// RetryConference tries again to create a conference that FAILED.
func (p *Planner) RetryConference(ctx context.Context, eventID int) (*ent.Event, error) {
	var out *ent.Event
	err := db.WithTx(ctx, p.client, func(tx *ent.Tx) error {
		e, c, err := p.lockConference(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if c.State != conference.StateFAILED {
			return apperr.Invalid("event", "only a conference that failed can be tried again; this one is %s", c.State)
		}
		if c, err = tx.Conference.UpdateOne(c).SetState(conference.StatePENDING).SetLastError("").Save(ctx); err != nil {
			return err
		}
		out = e
		return jobs.Enqueue(ctx, tx.Client(), conferencing.CreateJob(c))
	})
	if err != nil {
		return nil, err
	}
	out = out.Unwrap()
	return out, p.announce(ctx, Updated, out, nil)
}

// lockConference locks an event the viewer may change, with its conference.
func (p *Planner) lockConference(ctx context.Context, tx *ent.Tx, eventID int) (*ent.Event, *ent.Conference, error) {
	e, err := lockToChange(ctx, tx.Client(), eventID)
	if err != nil {
		return nil, nil, err
	}
	c, err := tx.Conference.Query().Where(conference.EventID(e.ID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, apperr.Invalid("event", "this meeting has no online conference")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("scheduling: %w", err)
	}
	return e, c, nil
}
