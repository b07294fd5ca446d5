package scheduling

import (
	"context"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/db"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/notify"
)

// EventChanges are the fields to change; nil leaves a field as it is.
type EventChanges struct {
	Title           *string
	Description     *string
	Start           *time.Time
	DurationMinutes *int
	AllDay          *bool
	TimeZone        *string
	Attendees       []int
	Responsible     *int
	Preparers       []int
	Room            *int
	Reminders       []schematype.Reminder
	Recurrence      *Recurrence
}

// Update changes an event, one occurrence of a series (occurrence is its
// original start), or a series from an occurrence on. The same rules as for
// a new event apply, and only the organizer, the person responsible or an
// admin may. A past start may stay; a new start must be in the future.
func (p *Planner) Update(ctx context.Context, eventID int, scope Scope, occurrence *time.Time, ch EventChanges) (*ent.Event, error) {
	var out *ent.Event
	var before []int // whose calendars showed the event before the change
	err := db.WithTx(ctx, p.client, func(tx *ent.Tx) (err error) {
		client := tx.Client()
		e, err := client.Event.Query().Where(event.ID(eventID)).
			WithAttendees().WithConference().Modify(db.ForUpdate).Only(ctx)
		if err != nil {
			return err
		}
		before = people(e, e.Edges.Attendees, nil)
		if err := mayChange(ctx, e); err != nil {
			return err
		}
		var mailedBefore []notify.Person // who may need a cancellation
		if e.SendInvitations {
			if mailedBefore, err = notify.Recipients(ctx, client, e); err != nil {
				return err
			}
		}
		defer func() {
			if err == nil {
				err = p.followUpChanged(ctx, client, e, out, mailedBefore)
			}
		}()
		if e.Rrule == "" || scope == ScopeAll || occurrence != nil && occurrence.Equal(e.StartAt) && scope == ScopeThisAndFollowing {
			out, err = p.updateAll(ctx, client, e, ch)
			return err
		}
		if occurrence == nil {
			return apperr.Invalid("occurrence", "name the occurrence (its original start) to change with scope %s", scope)
		}
		if err := isOccurrence(e, *occurrence); err != nil {
			return err
		}
		if scope == ScopeThis {
			out, err = p.updateOne(ctx, client, e, *occurrence, ch)
		} else {
			out, err = p.updateFollowing(ctx, client, e, *occurrence, ch)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out = out.Unwrap()
	return out, p.announce(ctx, Updated, out, before)
}

// followUpChanged follows up a change (see followUp) in its transaction:
// of the changed event (a whole one, one moved occurrence, or the later
// part of a split series), and of the series it came from when that
// changed too.
func (p *Planner) followUpChanged(ctx context.Context, client *ent.Client, e, changed *ent.Event, before []notify.Person) error {
	changed, err := client.Event.Get(ctx, changed.ID) // as stored: sequence and all
	if err != nil {
		return err
	}
	if changed.ID == e.ID {
		return p.followUp(ctx, client, changed, before)
	}
	if err := p.followUp(ctx, client, changed, nil); err != nil {
		return err
	}
	series, err := client.Event.Get(ctx, e.ID)
	if err != nil {
		return err
	}
	if changed.SeriesID != nil { // one moved occurrence: the series' mail did not change for anyone
		return scheduleReminders(ctx, client, series, p.now())
	}
	return p.followUp(ctx, client, series, nil)
}

// updateAll changes an event, or every occurrence of a series, in place.
func (p *Planner) updateAll(ctx context.Context, client *ent.Client, e *ent.Event, ch EventChanges) (*ent.Event, error) {
	pl := &plan{NewEvent: ch.apply(current(e)), keepsStart: ch.Start == nil}
	pl.replaces = func(o *Occurrence) bool { return o.Event.ID == e.ID }
	if err := p.checkAndBook(ctx, client, pl); err != nil {
		return nil, err
	}
	upd := e.Update().SetTitle(pl.Title).SetNillableDescription(pl.Description).
		SetStartAt(pl.Start).SetDurationMinutes(pl.DurationMinutes).SetNillableAllDay(pl.AllDay).
		SetTimeZone(*pl.TimeZone).SetReminders(pl.Reminders).SetNillableRoomID(pl.Room).AddSequence(1)
	if pl.rule != nil {
		upd.SetRrule(pl.rule.String())
	}
	if pl.seriesEnd != nil {
		upd.SetSeriesEnd(*pl.seriesEnd)
	} else {
		upd.ClearSeriesEnd()
	}
	if err := syncAttendees(ctx, client, e, pl.roles()); err != nil {
		return nil, err
	}
	return upd.Save(ctx)
}

// updateOne moves or edits one occurrence: it becomes an event of its own
// that points at its series and the original start it replaces.
func (p *Planner) updateOne(ctx context.Context, client *ent.Client, e *ent.Event, occurrence time.Time, ch EventChanges) (*ent.Event, error) {
	if ch.Recurrence != nil {
		return nil, apperr.Invalid("recurrence", "one occurrence has no repeat rule of its own; use scope THIS_AND_FOLLOWING")
	}
	base := current(e)
	base.Start, base.Recurrence = occurrence, nil
	pl := &plan{NewEvent: ch.apply(base), keepsStart: ch.Start == nil,
		overrides: &override{seriesID: e.ID, originalStart: occurrence}}
	pl.replaces = func(o *Occurrence) bool {
		return o.Event.ID == e.ID && o.RecurrenceID != nil && o.RecurrenceID.Equal(occurrence)
	}
	if err := p.checkAndBook(ctx, client, pl); err != nil {
		return nil, err
	}
	if err := e.Update().AddSequence(1).Exec(ctx); err != nil {
		return nil, err
	}
	return save(ctx, client, pl)
}

// updateFollowing splits a series: the first part ends before occurrence,
// a new series with the changes starts there, and occurrences already moved
// in the later part follow it. Earlier occurrences stay as they were.
func (p *Planner) updateFollowing(ctx context.Context, client *ent.Client, e *ent.Event, occurrence time.Time, ch EventChanges) (*ent.Event, error) {
	rule, err := seriesRule(e)
	if err != nil {
		return nil, err
	}
	rest := rule.From(occurrence)
	base := current(e)
	base.Start, base.Recurrence = occurrence, &Recurrence{Rrule: &rest}
	pl := &plan{NewEvent: ch.apply(base), keepsStart: ch.Start == nil}
	pl.replaces = func(o *Occurrence) bool { return o.Event.ID == e.ID && !o.Start.Before(occurrence) }
	if err := p.checkAndBook(ctx, client, pl); err != nil {
		return nil, err
	}
	upd := e.Update().AddSequence(1)
	if err := endBefore(upd, e, occurrence); err != nil {
		return nil, err
	}
	if err := upd.Exec(ctx); err != nil {
		return nil, err
	}
	next, err := save(ctx, client, pl)
	if err != nil {
		return nil, err
	}
	err = client.Event.Update().Where(event.SeriesID(e.ID), event.OriginalStartGTE(occurrence)).
		SetSeriesID(next.ID).Exec(ctx)
	return next, err
}

// checkAndBook applies the rules to a plan and checks its room.
func (p *Planner) checkAndBook(ctx context.Context, client *ent.Client, pl *plan) error {
	if err := p.check(ctx, pl); err != nil {
		return err
	}
	return roomIsFree(ctx, client, pl)
}

// current is an event as the NewEvent that would make it.
func current(e *ent.Event) NewEvent {
	in := NewEvent{
		Kind: &e.Kind, Title: e.Title, Description: &e.Description, Start: e.StartAt,
		DurationMinutes: e.DurationMinutes, AllDay: &e.AllDay, TimeZone: &e.TimeZone,
		Room: e.RoomID, Channel: e.ChannelID, Reminders: e.Reminders, SendInvitations: &e.SendInvitations,
	}
	if e.Rrule != "" {
		in.Recurrence = &Recurrence{Rrule: &e.Rrule}
	}
	if c := e.Edges.Conference; c != nil {
		in.Provider = &c.Provider
	}
	for _, a := range e.Edges.Attendees {
		if a.UserID == nil {
			continue
		}
		switch a.Role {
		case attendee.RoleRESPONSIBLE:
			in.Responsible = a.UserID
		case attendee.RolePREPARER:
			in.Preparers = append(in.Preparers, *a.UserID)
		default:
			in.Attendees = append(in.Attendees, *a.UserID)
		}
	}
	return in
}

// apply lays the changes over an event's fields.
func (ch EventChanges) apply(in NewEvent) NewEvent {
	set := func(dst **string, src *string) {
		if src != nil {
			*dst = src
		}
	}
	if ch.Title != nil {
		in.Title = *ch.Title
	}
	set(&in.Description, ch.Description)
	set(&in.TimeZone, ch.TimeZone)
	if ch.Start != nil {
		in.Start = *ch.Start
	}
	if ch.DurationMinutes != nil {
		in.DurationMinutes = *ch.DurationMinutes
	}
	if ch.AllDay != nil {
		in.AllDay = ch.AllDay
	}
	if ch.Attendees != nil {
		in.Attendees = ch.Attendees
	}
	if ch.Responsible != nil {
		in.Responsible = ch.Responsible
	}
	if ch.Preparers != nil {
		in.Preparers = ch.Preparers
	}
	if ch.Room != nil {
		in.Room = ch.Room
	}
	if ch.Reminders != nil {
		in.Reminders = ch.Reminders
	}
	if ch.Recurrence != nil {
		in.Recurrence = ch.Recurrence
	}
	in.Channel = nil // the channel was checked when the meeting was made
	return in
}

// syncAttendees makes an event's invited employees match roles, keeping the
// answers of those who stay.
func syncAttendees(ctx context.Context, client *ent.Client, e *ent.Event, roles map[int]attendee.Role) error {
	for _, a := range e.Edges.Attendees {
		if a.UserID == nil {
			continue
		}
		role, stays := roles[*a.UserID]
		switch {
		case !stays:
			if err := client.Attendee.DeleteOne(a).Exec(ctx); err != nil {
				return err
			}
		case role != a.Role:
			if err := a.Update().SetRole(role).Exec(ctx); err != nil {
				return err
			}
		}
		delete(roles, *a.UserID)
	}
	var added []*ent.AttendeeCreate
	for id, role := range roles {
		added = append(added, client.Attendee.Create().SetEventID(e.ID).SetUserID(id).SetRole(role))
	}
	return client.Attendee.CreateBulk(added...).Exec(ctx)
}
