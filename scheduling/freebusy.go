package scheduling

import (
	"context"
	"slices"
	"time"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/room"
	"github.com/convene/convene/ent/user"
)

// Interval is a span of busy time.
type Interval struct{ Start, End time.Time }

// Busy is when one person or one room is taken.
type Busy struct {
	User      *ent.User
	Room      *ent.Room
	Intervals []Interval
}

// FreeBusy returns the busy intervals of each user and room in the window.
// A meeting a person declined or hid does not make them busy.
func (c *Calendar) FreeBusy(ctx context.Context, w Window) ([]*Busy, error) {
	if err := w.check(); err != nil {
		return nil, err
	}
	occ, err := occurrencesIn(ctx, c.client, w, 0)
	if err != nil {
		return nil, err
	}
	users, err := c.client.User.Query().Where(user.IDIn(w.Users...)).All(ctx)
	if err != nil {
		return nil, err
	}
	rooms, err := c.client.Room.Query().Where(room.IDIn(w.Rooms...)).All(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Busy
	for _, u := range users {
		out = append(out, &Busy{User: u, Intervals: merge(occ, func(o *Occurrence) bool { return o.keepsBusy(u.ID) })})
	}
	for _, r := range rooms {
		out = append(out, &Busy{Room: r, Intervals: merge(occ, func(o *Occurrence) bool {
			return o.Event.RoomID != nil && *o.Event.RoomID == r.ID
		})})
	}
	return out, nil
}

// keepsBusy reports whether an occurrence keeps a user busy: they organise
// it, or they are invited and neither declined it (or this occurrence) nor
// hid it.
func (o *Occurrence) keepsBusy(userID int) bool {
	if o.Event.OrganizerID == userID {
		return true
	}
	for _, a := range o.Event.Edges.Attendees {
		if a.UserID != nil && *a.UserID == userID {
			return *o.responseOf(userID) != attendee.ResponseDECLINED && !a.Hidden
		}
	}
	return false
}

// merge joins the overlapping or touching occurrences that keep into
// intervals, in order. occ is sorted by start.
func merge(occ []*Occurrence, keep func(*Occurrence) bool) []Interval {
	out := []Interval{}
	for _, o := range occ {
		if !keep(o) {
			continue
		}
		if n := len(out); n > 0 && !o.Start.After(out[n-1].End) {
			if o.End.After(out[n-1].End) {
				out[n-1].End = o.End
			}
			continue
		}
		out = append(out, Interval{Start: o.Start, End: o.End})
	}
	return slices.Clip(out)
}
