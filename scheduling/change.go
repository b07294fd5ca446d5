package scheduling

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/convene/convene/ent"
)

// ChangeKind says what happened to an event.
type ChangeKind string

const (
	Created   ChangeKind = "CREATED"
	Updated   ChangeKind = "UPDATED"
	Cancelled ChangeKind = "CANCELLED"
	// ConferenceReady: the online meeting's link has arrived.
	ConferenceReady ChangeKind = "CONFERENCE_READY"
)

// Change tells that an event changed, and whose calendars show it: its
// organizer and invited employees, and its room.
type Change struct {
	Kind      ChangeKind
	EventID   int
	Version   int64 // when the event last changed, in Unix nanoseconds
	CompanyID int
	Users     []int
	Rooms     []int
	Channel   *int // where the meeting was posted
	// Notices are the in-app notices stored with the change, to push.
	Notices []*ent.Notification
}

// Publisher receives every change after it is committed. The realtime layer
// routes changes to eventChanged subscribers.
type Publisher func(ctx context.Context, c Change)

// announce publishes a committed change of e to the people it concerns now,
// read back with its attendees, and to those it concerned before (someone
// taken off the meeting must see it leave their calendar), with the notices
// stored with it.
func (p *Planner) announce(ctx context.Context, kind ChangeKind, e *ent.Event, before []int, notices ...*ent.Notification) error {
	attendees, err := e.QueryAttendees().All(ctx)
	if err != nil {
		return fmt.Errorf("scheduling: announcing a change: %w", err)
	}
	c := Change{Kind: kind, EventID: e.ID, Version: e.UpdatedAt.UnixNano(), CompanyID: e.CompanyID,
		Users: people(e, attendees, before), Channel: e.ChannelID, Notices: notices}
	if e.RoomID != nil {
		c.Rooms = []int{*e.RoomID}
	}
	p.publish(ctx, c)
	return nil
}

// people are an event's organizer and invited employees, and the others
// given, each once.
func people(e *ent.Event, attendees []*ent.Attendee, others []int) []int {
	users := append([]int{e.OrganizerID}, others...)
	for _, a := range attendees {
		if a.UserID != nil {
			users = append(users, *a.UserID)
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(users)))
}

// ConferenceFailed tells the people and rooms of e that its conference
// failed, with the organizer's notice; the conference job calls it once
// that is committed.
func (p *Planner) ConferenceFailed(ctx context.Context, e *ent.Event, notice *ent.Notification) {
	if err := p.announce(ctx, Updated, e, nil, notice); err != nil {
		slog.WarnContext(ctx, "announcing a failed conference", "event", e.ID, "err", err)
	}
}

// ConferenceReady tells the people and rooms of e that its conference link
// has arrived; the conference job calls it once that is committed.
func (p *Planner) ConferenceReady(ctx context.Context, e *ent.Event) {
	if err := p.announce(ctx, ConferenceReady, e, nil); err != nil {
		slog.WarnContext(ctx, "announcing a conference", "event", e.ID, "err", err)
	}
}
