package calsync

import (
	"context"
	"fmt"
	"time"

	"github.com/convene/convene/internal/tick"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/ent/syncstate"
	"github.com/convene/convene/jobs"
	"github.com/convene/convene/viewer"
)

// DefaultInterval is how often every connected calendar syncs when nothing
// asks sooner.
const DefaultInterval = 5 * time.Minute

// Every enqueues a sync of every connected calendar each interval until
// ctx ends. Each round's jobs are keyed by the round, so replicas that all
// run this make one job per calendar and round.
func (s *Syncer) Every(ctx context.Context, interval time.Duration) {
	tick.Every(ctx, interval, func(now time.Time) {
		if err := s.Round(ctx, now.Truncate(interval)); err != nil { // the next round makes up for it
			s.log.WarnContext(ctx, "enqueueing a round of calendar syncs", "err", err)
		}
	})
}

// Round enqueues the syncs of the round starting at slot.
func (s *Syncer) Round(ctx context.Context, slot time.Time) error {
	ctx = viewer.NewSystemContext(ctx, viewer.SystemCalendarSync)
	states, err := s.client.SyncState.Query().Where(syncstate.StatusNEQ(schematype.StatusNeedsAuth)).All(ctx)
	if err != nil {
		return err
	}
	if err := s.enqueue(ctx, states, slot.UTC().Format(time.RFC3339), time.Time{}); err != nil {
		return err
	}
	s.wake()
	return nil
}

// enqueue writes a sync job of each state, named run, to start at at.
func (s *Syncer) enqueue(ctx context.Context, states []*ent.SyncState, run string, at time.Time) error {
	runs := make([]jobs.New, len(states))
	for i, st := range states {
		runs[i] = jobs.New{CompanyID: st.CompanyID, Kind: KindSync, Payload: syncJob{st.UserID, st.Provider, run}, RunAt: at,
			Key: fmt.Sprintf("calendar-sync:%d:%s:%s", st.UserID, st.Provider, run)}
	}
	return jobs.Enqueue(ctx, s.client, runs...)
}

// soonAfter is how long a change waits for the changes that come with it
// before the employee's calendars sync.
const soonAfter = 2 * time.Second

// Soon syncs the calendars of users shortly after a change of theirs:
// changes within one slot of soonAfter share one run, at the slot's end.
func (s *Syncer) Soon(ctx context.Context, users []int) error {
	if len(users) == 0 {
		return nil
	}
	ctx = viewer.NewSystemContext(ctx, viewer.SystemCalendarSync)
	states, err := s.client.SyncState.Query().Where(syncstate.UserIDIn(users...), syncstate.StatusNEQ(schematype.StatusNeedsAuth)).All(ctx)
	if err != nil || len(states) == 0 {
		return err
	}
	slot := time.Now().Truncate(soonAfter).Add(soonAfter)
	return s.enqueue(ctx, states, "soon-"+slot.UTC().Format(time.RFC3339), slot)
}
