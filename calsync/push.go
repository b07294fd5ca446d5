package calsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/externallink"
	"github.com/convene/convene/ent/predicate"
)

// maxPushes bounds one run's writes; the next run goes on.
const maxPushes = 500

// push writes the employee's Convene meetings to come into their remote
// calendar as copies, brings changed copies and imported events changed
// here up to date there, and deletes the copies of meetings they no longer
// have and the events cancelled here. Past meetings are never copied. It
// returns how many it wrote.
func (s *Syncer) push(ctx context.Context, state *ent.SyncState, w Writer) (int, error) {
	if state.ImportOnly {
		return 0, nil
	}
	changed, err := s.refreshCopies(ctx, state, w)
	if err != nil {
		return changed, err
	}
	made, err := s.newCopies(ctx, state, w)
	return changed + made, err
}

// attends picks the events that are the employee's: organised by them, or
// attended and neither declined nor hidden.
func attends(userID int) predicate.Event {
	return event.Or(event.OrganizerID(userID),
		event.HasAttendeesWith(attendee.UserID(userID), attendee.ResponseNEQ(attendee.ResponseDECLINED), attendee.Hidden(false)))
}

// newCopies creates copies of the employee's meetings to come that have
// none at this provider and were not imported from any calendar: single
// meetings and series first, then the occurrences moved or changed alone
// of the series copied.
func (s *Syncer) newCopies(ctx context.Context, state *ent.SyncState, w Writer) (int, error) {
	since := event.CreatedAtGT(time.Time{})
	if state.PushAfter != nil { // after a reset to NEW_ONLY
		since = event.CreatedAtGT(*state.PushAfter)
	}
	now := time.Now()
	uncopiedMine := s.client.Event.Query().Where(attends(state.UserID), uncopied(state), event.StatusEQ(event.StatusCONFIRMED))
	events, err := uncopiedMine.Clone().Where(since, event.SeriesIDIsNil(), event.Or(event.StartAtGTE(now), seriesGoesOn(now))).
		Order(ent.Asc(event.FieldStartAt)).Limit(maxPushes).All(ctx)
	if err != nil {
		return 0, err
	}
	for i, e := range events {
		err := s.newCopy(ctx, state, w, e, "")
		if errors.Is(err, ErrCannotSay) {
			s.log.Warn("calendar sync: a series stays here only", "event", e.ID, "provider", state.Provider, "err", err)
			continue
		}
		if err != nil {
			return i, err
		}
	}
	overrides, err := uncopiedMine.Where(event.StartAtGTE(now), event.HasSeriesWith(copiedHere(state))).
		Limit(maxPushes).All(ctx)
	if err != nil {
		return len(events), err
	}
	copies, err := s.seriesCopies(ctx, state, overrides)
	if err != nil {
		return len(events), err
	}
	for i, o := range overrides {
		if err := s.newCopy(ctx, state, w, o, copies[*o.SeriesID]); err != nil {
			return len(events) + i, err
		}
	}
	return len(events) + len(overrides), nil
}

// seriesCopies are the remote ids of the copies of the overrides' series,
// by series.
func (s *Syncer) seriesCopies(ctx context.Context, state *ent.SyncState, overrides []*ent.Event) (map[int]string, error) {
	ids := make([]int, len(overrides))
	for i, o := range overrides {
		ids[i] = *o.SeriesID
	}
	links, err := s.client.ExternalLink.Query().Where(externallink.EventIDIn(ids...), externallink.UserID(state.UserID),
		externallink.ProviderEQ(state.Provider), externallink.Pushed(true)).All(ctx)
	copies := map[int]string{}
	for _, l := range links {
		copies[l.EventID] = l.ExternalID
	}
	return copies, err
}

// seriesGoesOn picks the series that have occurrences after now.
func seriesGoesOn(now time.Time) predicate.Event {
	return event.And(event.RruleNotNil(), event.RruleNEQ(""), event.Or(event.SeriesEndIsNil(), event.SeriesEndGT(now)))
}

// newCopy writes e into the remote calendar and links it; series is the
// remote id of the series' copy when e is one of its occurrences.
func (s *Syncer) newCopy(ctx context.Context, state *ent.SyncState, w Writer, e *ent.Event, series string) error {
	made, err := writeNew(ctx, w, e, copyOf(e, state), series)
	if err != nil {
		return err
	}
	return s.client.ExternalLink.Create().SetEventID(e.ID).SetUserID(state.UserID).SetProvider(state.Provider).
		SetExternalID(made.ID).SetIcalUID(made.ICalUID).SetEtag(made.ETag).SetPushed(true).SetPushedSequence(e.Sequence).Exec(ctx)
}

// writeNew makes e's copy c there: a new event, or for an occurrence of
// a copied series, that occurrence there changed.
func writeNew(ctx context.Context, w Writer, e *ent.Event, c Copy, series string) (Written, error) {
	if series == "" {
		return w.Create(ctx, c)
	}
	id, err := w.Occurrence(ctx, series, *e.OriginalStart)
	if err != nil {
		return Written{}, err
	}
	return w.Update(ctx, id, c)
}

// uncopied picks the events with no link of the employee's that rules a
// copy out: one at this provider already, or an import from any calendar.
func uncopied(state *ent.SyncState) predicate.Event {
	return event.Not(linked(state, func(t *sql.SelectTable) *sql.Predicate {
		return sql.Or(sql.EQ(t.C(externallink.FieldProvider), state.Provider), sql.EQ(t.C(externallink.FieldPushed), false))
	}))
}

// copiedHere picks the events with a live copy at this provider.
func copiedHere(state *ent.SyncState) predicate.Event {
	return linked(state, func(t *sql.SelectTable) *sql.Predicate {
		return sql.And(sql.EQ(t.C(externallink.FieldProvider), state.Provider), sql.EQ(t.C(externallink.FieldPushed), true),
			sql.EQ(t.C(externallink.FieldRemoteGone), false))
	})
}

// linked picks the events with a link of the employee's that matches.
// ExternalLink has no edge back from Event, so this is a subquery.
func linked(state *ent.SyncState, matches func(*sql.SelectTable) *sql.Predicate) predicate.Event {
	return func(s *sql.Selector) {
		t := sql.Table(externallink.Table)
		s.Where(sql.In(s.C(event.FieldID), sql.Select(t.C(externallink.FieldEventID)).From(t).
			Where(sql.And(sql.EQ(t.C(externallink.FieldUserID), state.UserID), matches(t)))))
	}
}

// refreshCopies updates the copies whose meetings changed since they were
// written, and deletes those of meetings cancelled or no longer the
// employee's.
func (s *Syncer) refreshCopies(ctx context.Context, state *ent.SyncState, w Writer) (int, error) {
	copies := s.client.ExternalLink.Query().Where(externallink.UserID(state.UserID), externallink.ProviderEQ(state.Provider),
		externallink.RemoteGone(false), externallink.OriginalStartIsNil())
	stillMine := externallink.HasEventWith(attends(state.UserID), event.StatusEQ(event.StatusCONFIRMED))
	gone, err := copies.Clone().Where(externallink.Not(stillMine)).All(ctx)
	if err != nil {
		return 0, err
	}
	for i, l := range gone {
		if err := s.deleteCopy(ctx, w, l); err != nil {
			return i, err
		}
	}
	changed, err := copies.Clone().Where(stillMine, changedHere()).WithEvent().All(ctx)
	if err != nil {
		return len(gone), err
	}
	for i, l := range changed {
		if err := s.updateCopy(ctx, w, l, l.Edges.Event, state); err != nil {
			return len(gone) + i, err
		}
	}
	return len(gone) + len(changed), nil
}

// changedHere picks the links whose events changed here since the remote
// side was last in step with them.
func changedHere() predicate.ExternalLink {
	return func(s *sql.Selector) {
		t := sql.Table(event.Table)
		s.Where(sql.In(s.C(externallink.FieldEventID), sql.Select(t.C(event.FieldID)).From(t).
			Where(sql.ColumnsGT(t.C(event.FieldSequence), s.C(externallink.FieldPushedSequence)))))
	}
}

func (s *Syncer) updateCopy(ctx context.Context, w Writer, l *ent.ExternalLink, e *ent.Event, state *ent.SyncState) error {
	now, err := w.Update(ctx, l.ExternalID, copyOf(e, state))
	if err != nil {
		return err
	}
	return l.Update().SetEtag(now.ETag).SetPushedSequence(e.Sequence).Exec(ctx)
}

func (s *Syncer) deleteCopy(ctx context.Context, w Writer, l *ent.ExternalLink) error {
	if err := w.Delete(ctx, l.ExternalID); err != nil && !isGone(err) {
		return err
	}
	return s.client.ExternalLink.DeleteOne(l).Exec(ctx)
}

// isGone reports a provider's "not there": already deleted is deleted.
func isGone(err error) bool {
	var gone interface{ Gone() bool }
	return errors.As(err, &gone) && gone.Gone()
}

// copyOf is e as the copy in state's calendar shows it. Its key is the
// same for every try of one create, and new after a reset.
func copyOf(e *ent.Event, state *ent.SyncState) Copy {
	return Copy{Key: fmt.Sprintf("convene%du%dg%d", e.ID, state.UserID, state.Generation), Title: e.Title, Description: e.Description,
		Start: e.StartAt, End: e.StartAt.Add(time.Duration(e.DurationMinutes) * time.Minute), AllDay: e.AllDay, TimeZone: e.TimeZone,
		Rule: e.Rrule, Exdates: e.Exdates}
}
