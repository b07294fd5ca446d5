package calsync

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/externallink"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/internal/zone"
	"github.com/convene/convene/scheduling"
)

// importer writes one page of remote changes into the employee's calendar.
type importer struct {
	tx    *ent.Tx
	state *ent.SyncState
	// byOccurrence: the listing shows series only as their occurrences.
	byOccurrence bool
}

// apply brings one remote event here: a new one becomes the employee's
// event, a changed one changes it, a cancelled one goes. It reports whether
// anything here changed.
func (in importer) apply(ctx context.Context, r RemoteEvent) (bool, error) {
	if r.SeriesID != "" {
		return in.applyException(ctx, r)
	}
	return in.applyEvent(ctx, r, nil)
}

// override places an event as an occurrence of a series.
type override struct {
	seriesID      int
	originalStart time.Time
}

// linkTo is the employee's link to the remote event with id.
func (in importer) linkTo(ctx context.Context, id string) (*ent.ExternalLink, error) {
	return in.tx.ExternalLink.Query().Where(externallink.UserID(in.state.UserID),
		externallink.ProviderEQ(in.state.Provider), externallink.ExternalID(id)).Only(ctx)
}

// applyEvent brings in a single event, a series, or (with of) an
// occurrence that differs from its series.
func (in importer) applyEvent(ctx context.Context, r RemoteEvent, of *override) (bool, error) {
	link, err := in.linkTo(ctx, r.ID)
	switch {
	case ent.IsNotFound(err) && r.Cancelled:
		return false, nil
	case ent.IsNotFound(err):
		return true, in.create(ctx, r, of)
	case err != nil:
		return false, err
	case link.Pushed: // our copy: its echo, or an edit or deletion of it there
		return false, in.noteCopy(ctx, link, r)
	case r.Cancelled:
		return true, in.cancel(ctx, link)
	case link.Etag == r.ETag && r.ETag != "":
		return false, nil // our own copy already, or seen in an earlier run
	}
	return in.changed(ctx, link, r)
}

// changed brings in an imported event's change there. When it changed
// here too since the last sync, the newer change wins and the other is
// logged; a change here that wins goes there in this run's push.
func (in importer) changed(ctx context.Context, link *ent.ExternalLink, r RemoteEvent) (bool, error) {
	e, err := in.tx.Event.Get(ctx, link.EventID)
	if err != nil {
		return false, err
	}
	if e.Sequence > link.PushedSequence && e.UpdatedAt.After(r.Updated) {
		if err := in.lost(ctx, e, schematype.SideHere, "the change there: "+describe(r.Title, r.Start, r.TimeZone)); err != nil {
			return false, err
		}
		return false, link.Update().SetEtag(r.ETag).Exec(ctx)
	}
	if e.Sequence > link.PushedSequence {
		if err := in.lost(ctx, e, schematype.SideThere, "the change here: "+describe(e.Title, e.StartAt, e.TimeZone)); err != nil {
			return false, err
		}
	}
	return true, in.update(ctx, link, r, e.Sequence)
}

// lost records a change that lost to the newer one on the other side.
func (in importer) lost(ctx context.Context, e *ent.Event, kept schematype.SyncSide, what string) error {
	return in.tx.SyncLogEntry.Create().SetCompanyID(in.state.CompanyID).SetUserID(in.state.UserID).SetProvider(in.state.Provider).
		SetEventID(e.ID).SetTitle(e.Title).SetKept(kept).SetLost(what).Exec(ctx)
}

// describe says what an event version was, for the sync log.
func describe(title string, start time.Time, tz string) string {
	loc := zone.OrUTC(tz)
	return fmt.Sprintf("%q at %s (%s)", title, start.In(loc).Format("Mon 2 Jan 2006 15:04"), loc)
}

// applyException brings in an exception of a series: a cancelled
// occurrence leaves the series (an exdate), a changed one becomes an
// override of it. A page brings its series before their exceptions; one
// whose series has not come at all is kept as an event of its own rather
// than lost.
func (in importer) applyException(ctx context.Context, r RemoteEvent) (bool, error) {
	series, err := in.linkTo(ctx, r.SeriesID)
	if ent.IsNotFound(err) {
		return in.applyEvent(ctx, r, nil)
	}
	if err != nil {
		return false, err
	}
	if series.Pushed { // an occurrence of our copy
		return false, in.noteOccurrenceOfCopy(ctx, r)
	}
	switch {
	case r.Occurrence:
		return false, in.linkOccurrence(ctx, series.EventID, r)
	case !r.Cancelled:
		return in.applyEvent(ctx, r, &override{series.EventID, r.OriginalStart})
	}
	overridden, err := in.applyEvent(ctx, r, nil) // an override of the occurrence goes
	if err != nil {
		return false, err
	}
	gap, err := in.leaveGap(ctx, series.EventID, r.OriginalStart)
	return overridden || gap, err
}

// linkOccurrence ties an occurrence a calendar view lists to its series
// here, so that its removal later leaves a gap in the series.
func (in importer) linkOccurrence(ctx context.Context, seriesID int, r RemoteEvent) error {
	return in.tx.ExternalLink.Create().SetEventID(seriesID).SetUserID(in.state.UserID).SetProvider(in.state.Provider).
		SetExternalID(r.ID).SetIcalUID(r.ICalUID).SetEtag(r.ETag).SetOriginalStart(r.OriginalStart).
		OnConflictColumns(externallink.FieldUserID, externallink.FieldProvider, externallink.FieldExternalID).Ignore().Exec(ctx)
}

// leaveGap takes the occurrence at start out of the series, and reports
// whether it was still in.
func (in importer) leaveGap(ctx context.Context, seriesID int, start time.Time) (bool, error) {
	master, err := in.tx.Event.Get(ctx, seriesID)
	if err != nil || slices.ContainsFunc(master.Exdates, start.Equal) {
		return false, err
	}
	return true, master.Update().AppendExdates([]time.Time{start.UTC()}).Exec(ctx)
}

// cancel takes away here what went there: an occurrence or an exception
// leaves a gap in its series (which, in a listing by occurrence, goes
// with its last one); anything else goes as remove says.
func (in importer) cancel(ctx context.Context, link *ent.ExternalLink) error {
	e, err := in.tx.Event.Get(ctx, link.EventID)
	if err != nil {
		return err
	}
	seriesID, start := e.SeriesID, e.OriginalStart
	if link.OriginalStart != nil {
		seriesID, start = &e.ID, link.OriginalStart
		err = in.tx.ExternalLink.DeleteOne(link).Exec(ctx)
	} else {
		err = in.remove(ctx, link)
	}
	if err != nil || seriesID == nil {
		return err
	}
	if _, err := in.leaveGap(ctx, *seriesID, *start); err != nil || !in.byOccurrence {
		return err
	}
	return in.dropIfEmpty(ctx, *seriesID)
}

// fillGaps ends a full listing by occurrence: an occurrence of a series
// that the listing did not show was deleted there, and leaves a gap. A day
// at each edge of the span is left alone, as the listing's own edges may
// differ from it by the time the run took.
func (in importer) fillGaps(ctx context.Context, shown Span) error {
	links, err := in.tx.ExternalLink.Query().Where(externallink.UserID(in.state.UserID), externallink.ProviderEQ(in.state.Provider),
		externallink.OriginalStartNotNil()).All(ctx)
	if err != nil {
		return err
	}
	listed := map[int][]time.Time{} // series → occurrences listed
	for _, l := range links {
		listed[l.EventID] = append(listed[l.EventID], *l.OriginalStart)
	}
	masters, err := in.tx.Event.Query().Where(event.IDIn(slices.Collect(maps.Keys(listed))...)).WithOverrides().All(ctx)
	if err != nil {
		return err
	}
	for _, master := range masters {
		for _, at := range unlisted(master, listed[master.ID], shown) {
			if _, err := in.leaveGap(ctx, master.ID, at); err != nil {
				return err
			}
		}
	}
	return nil
}

// unlisted are the occurrences a series makes a day or more inside shown
// that neither a listed occurrence nor an override stands for.
func unlisted(master *ent.Event, listed []time.Time, shown Span) []time.Time {
	for _, o := range master.Edges.Overrides {
		listed = append(listed, *o.OriginalStart)
	}
	loc, err := zone.Load(master.TimeZone)
	if err != nil {
		return nil
	}
	rule, err := scheduling.ParseRule(master.Rrule, master.StartAt, loc)
	if err != nil {
		return nil
	}
	var out []time.Time
	for _, at := range rule.Between(shown.From.Add(24*time.Hour), shown.To.Add(-24*time.Hour)) {
		if !slices.ContainsFunc(listed, at.Equal) {
			out = append(out, at)
		}
	}
	return out
}

// dropIfEmpty removes a series none of whose occurrences a listing by
// occurrence still shows: it was deleted there.
func (in importer) dropIfEmpty(ctx context.Context, seriesID int) error {
	mine := externallink.And(externallink.UserID(in.state.UserID), externallink.ProviderEQ(in.state.Provider))
	left, err := in.tx.ExternalLink.Query().Where(mine, externallink.Or(
		externallink.And(externallink.EventID(seriesID), externallink.OriginalStartNotNil()),
		externallink.HasEventWith(event.SeriesID(seriesID)))).Exist(ctx)
	if err != nil || left {
		return err
	}
	master, err := in.tx.ExternalLink.Query().Where(mine, externallink.EventID(seriesID), externallink.OriginalStartIsNil()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return in.remove(ctx, master)
}

// noteCopy takes in what became of a copy there: Convene's meeting stays
// as it is here, and a copy deleted there is not made again.
func (in importer) noteCopy(ctx context.Context, link *ent.ExternalLink, r RemoteEvent) error {
	u := link.Update().SetEtag(r.ETag).SetRemoteGone(r.Cancelled)
	if !r.Cancelled && r.ETag != link.Etag { // edited there: the copy is put back, and the edit logged
		e, err := in.tx.Event.Get(ctx, link.EventID)
		if err != nil {
			return err
		}
		words := "an edit of the copy there (the meeting is changed in Convene, where its attendees are told): " + describe(r.Title, r.Start, r.TimeZone)
		if err := in.lost(ctx, e, schematype.SideHere, words); err != nil {
			return err
		}
		u.SetPushedSequence(-1) // the copy shows none of ours
	}
	return u.Exec(ctx)
}

// noteOccurrenceOfCopy is noteCopy for an occurrence of a copied series:
// one Convene moved has a link of its own; one changed only there has none
// and changes nothing here.
func (in importer) noteOccurrenceOfCopy(ctx context.Context, r RemoteEvent) error {
	link, err := in.linkTo(ctx, r.ID)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return in.noteCopy(ctx, link, r)
}

// create makes the remote event the employee's own, or, when the same
// meeting (by iCalUID) came from their other calendar, links it to that.
func (in importer) create(ctx context.Context, r RemoteEvent, of *override) error {
	eventID := 0
	if of == nil { // an occurrence shares its series' iCalUID: only a whole event is the same meeting
		var err error
		if eventID, err = in.sameMeeting(ctx, r.ICalUID); err != nil {
			return err
		}
	}
	if eventID == 0 {
		create := in.tx.Event.Create().SetOrganizerID(in.state.UserID).SetIcalUID(uuid.NewString() + "@convene")
		if of != nil {
			create.SetSeriesID(of.seriesID).SetOriginalStart(of.originalStart)
		}
		e, err := fill(create, r).Save(ctx)
		if err != nil {
			return err
		}
		eventID = e.ID
		if err := in.setGuests(ctx, e.ID, r.Guests); err != nil {
			return err
		}
	}
	return in.tx.ExternalLink.Create().SetEventID(eventID).SetUserID(in.state.UserID).SetProvider(in.state.Provider).
		SetExternalID(r.ID).SetIcalUID(r.ICalUID).SetEtag(r.ETag).Exec(ctx)
}

// sameMeeting is the employee's event already linked to iCalUID through
// another of their calendars, or 0.
func (in importer) sameMeeting(ctx context.Context, iCalUID string) (int, error) {
	if iCalUID == "" {
		return 0, nil
	}
	l, err := in.tx.ExternalLink.Query().Where(externallink.UserID(in.state.UserID), externallink.IcalUID(iCalUID)).First(ctx)
	if ent.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return l.EventID, nil
}

// update makes the event what the remote one is now; sequence is the
// event's, which the link then counts as in step.
func (in importer) update(ctx context.Context, link *ent.ExternalLink, r RemoteEvent, sequence int) error {
	if err := fill(in.tx.Event.UpdateOneID(link.EventID), r).Exec(ctx); err != nil {
		return err
	}
	if _, err := in.tx.Attendee.Delete().Where(attendee.EventID(link.EventID), attendee.UserIDIsNil()).Exec(ctx); err != nil {
		return err
	}
	if err := in.setGuests(ctx, link.EventID, r.Guests); err != nil {
		return err
	}
	return link.Update().SetEtag(r.ETag).SetPushedSequence(sequence).Exec(ctx)
}

// remove unlinks the event the remote one was, and takes it away unless
// the same meeting is still in another of the employee's calendars.
func (in importer) remove(ctx context.Context, link *ent.ExternalLink) error {
	if err := in.tx.ExternalLink.DeleteOne(link).Exec(ctx); err != nil {
		return err
	}
	elsewhere, err := in.tx.ExternalLink.Query().Where(externallink.EventID(link.EventID)).Exist(ctx)
	if err != nil || elsewhere {
		return err
	}
	if _, err := in.tx.Attendee.Delete().Where(attendee.EventID(link.EventID)).Exec(ctx); err != nil {
		return err
	}
	return in.tx.Event.DeleteOneID(link.EventID).Exec(ctx)
}

// eventFields are the setters create and update share.
type eventFields[T any] interface {
	SetTitle(string) T
	SetDescription(string) T
	SetStartAt(time.Time) T
	SetDurationMinutes(int) T
	SetAllDay(bool) T
	SetTimeZone(string) T
	SetKind(event.Kind) T
	SetRrule(string) T
}

// fill sets what a remote event says on our event: a meeting when it has
// guests, else a personal event.
func fill[T eventFields[T]](m T, r RemoteEvent) T {
	kind := event.KindPERSONAL
	if len(r.Guests) > 0 {
		kind = event.KindMEETING
	}
	title := strings.TrimSpace(r.Title)
	if title == "" {
		title = "(no title)"
	}
	minutes := max(int(r.End.Sub(r.Start).Minutes()), 1)
	return m.SetTitle(title).SetDescription(r.Description).SetStartAt(r.Start).SetDurationMinutes(minutes).
		SetAllDay(r.AllDay).SetTimeZone(r.TimeZone).SetKind(kind).SetRrule(ruleOf(r))
}

// ruleOf is a remote series' rule if Convene can follow it; one it cannot
// (hourly, say) leaves the series its first occurrence.
func ruleOf(r RemoteEvent) string {
	loc, err := zone.Load(r.TimeZone)
	if r.Rule == "" || err != nil {
		return ""
	}
	if _, err := scheduling.ParseRule(r.Rule, r.Start, loc); err != nil {
		return ""
	}
	return r.Rule
}

func (in importer) setGuests(ctx context.Context, eventID int, guests []Guest) error {
	return in.tx.Attendee.MapCreateBulk(guests, func(a *ent.AttendeeCreate, i int) {
		a.SetEventID(eventID).SetEmail(strings.ToLower(guests[i].Email)).SetResponse(cmp.Or(guests[i].Response, attendee.ResponseNEEDS_ACTION))
	}).Exec(ctx)
}
