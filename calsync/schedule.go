package calsync

import (
	"context"
	"fmt"
	"time"

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
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			_ = s.Round(ctx, now.Truncate(interval)) // a failed round is the next round's
		}
	}
}

// Round enqueues the syncs of the round starting at slot.
func (s *Syncer) Round(ctx context.Context, slot time.Time) error {
	ctx = viewer.NewSystemContext(ctx, viewer.SystemCalendarSync)
	states, err := s.client.SyncState.Query().Where(syncstate.StatusNEQ(schematype.StatusNeedsAuth)).All(ctx)
	if err != nil {
		return err
	}
	round := make([]jobs.New, len(states))
	for i, st := range states {
		run := slot.UTC().Format(time.RFC3339)
		round[i] = jobs.New{CompanyID: st.CompanyID, Kind: KindSync, Payload: syncJob{st.UserID, st.Provider, run},
			Key: fmt.Sprintf("calendar-sync:%d:%s:%s", st.UserID, st.Provider, run)}
	}
	if err := jobs.Enqueue(ctx, s.client, round...); err != nil {
		return err
	}
	s.wake()
	return nil
}
