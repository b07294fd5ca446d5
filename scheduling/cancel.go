package scheduling

import (
	"context"
	"fmt"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/db"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/internal/zone"
	"github.com/convene/convene/viewer"
)

// Scope is which occurrences of a series a change applies to.
type Scope string

const (
	ScopeThis             Scope = "THIS"
	ScopeThisAndFollowing Scope = "THIS_AND_FOLLOWING"
	ScopeAll              Scope = "ALL"
)

// Cancel cancels an event, one occurrence of a series (occurrence is its
// original start), or a series from an occurrence on. Only the organizer,
// the person responsible or an admin may.
func (p *Planner) Cancel(ctx context.Context, eventID int, scope Scope, occurrence *time.Time) (*ent.Event, error) {
	var out *ent.Event
	err := db.WithTx(ctx, p.client, func(tx *ent.Tx) error {
		e, err := lockToChange(ctx, tx.Client(), eventID)
		if err != nil {
			return err
		}
		upd := e.Update().AddSequence(1)
		switch {
		case scope == ScopeAll || e.Rrule == "":
			upd.SetStatus(event.StatusCANCELLED)
		case occurrence == nil:
			return apperr.Invalid("occurrence", "name the occurrence (its original start) to cancel with scope %s", scope)
		case scope == ScopeThis:
			if err := isOccurrence(e, *occurrence); err != nil {
				return err
			}
			upd.AppendExdates([]time.Time{*occurrence})
		case scope == ScopeThisAndFollowing:
			if err := endBefore(upd, e, *occurrence); err != nil {
				return err
			}
		}
		if out, err = upd.Save(ctx); err != nil {
			return err
		}
		return p.followUp(ctx, tx.Client(), out, nil)
	})
	if err != nil {
		return nil, err
	}
	out = out.Unwrap()
	kind := Updated // a series cut short, or one occurrence gone
	if out.Status == event.StatusCANCELLED {
		kind = Cancelled
	}
	return out, p.announce(ctx, kind, out, nil)
}

// lockToChange loads an event with its attendees, locked for the change the
// viewer may make to it.
func lockToChange(ctx context.Context, client *ent.Client, eventID int) (*ent.Event, error) {
	e, err := client.Event.Query().Where(event.ID(eventID)).WithAttendees().Modify(db.ForUpdate).Only(ctx)
	if err != nil {
		return nil, err
	}
	return e, mayChange(ctx, e)
}

// mayChange allows the organizer, the person responsible and admins.
func mayChange(ctx context.Context, e *ent.Event) error {
	v, _ := viewer.FromContext(ctx)
	if v.IsAdmin() || e.OrganizerID == v.UserID {
		return nil
	}
	for _, a := range e.Edges.Attendees {
		if a.Role == attendee.RoleRESPONSIBLE && a.UserID != nil && *a.UserID == v.UserID {
			return nil
		}
	}
	return apperr.New(apperr.Forbidden, "only the organizer, the person responsible or an admin can change this meeting")
}

// isOccurrence checks that start is an occurrence of the series.
func isOccurrence(e *ent.Event, start time.Time) error {
	rule, err := seriesRule(e)
	if err != nil {
		return err
	}
	for _, t := range rule.Between(start, start.Add(time.Second)) {
		if t.Equal(start) {
			return nil
		}
	}
	return apperr.Invalid("occurrence", "the series has no occurrence starting at %s", start.Format(time.RFC3339))
}

// endBefore ends the series just before the occurrence at start; the
// earlier occurrences stay as they were.
func endBefore(upd *ent.EventUpdateOne, e *ent.Event, start time.Time) error {
	if err := isOccurrence(e, start); err != nil {
		return err
	}
	if !start.After(e.StartAt) {
		upd.SetStatus(event.StatusCANCELLED) // from the first occurrence on: all of it
		return nil
	}
	rule, err := seriesRule(e)
	if err != nil {
		return err
	}
	ended, err := rule.EndingBefore(start)
	if err != nil {
		return err
	}
	upd.SetRrule(ended.String())
	if last, ok := ended.Last(); ok {
		upd.SetSeriesEnd(last.Add(time.Duration(e.DurationMinutes) * time.Minute))
	}
	return nil
}

func seriesRule(e *ent.Event) (*Rule, error) {
	loc, err := zone.Load(e.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("scheduling: event %d: %w", e.ID, err)
	}
	return ParseRule(e.Rrule, e.StartAt, loc)
}
