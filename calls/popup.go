package calls

import (
	"context"
	"time"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/call"
	"github.com/convene/convene/ent/event"
)

// maxPopupRows bounds what the popup lists of a contact.
const maxPopupRows = 20

// RecentCalls are a contact's latest calls, newest first.
func RecentCalls(ctx context.Context, client *ent.Client, c *ent.Contact, n int) ([]*ent.Call, error) {
	return client.Call.Query().Where(call.ContactID(c.ID)).
		Order(ent.Desc(call.FieldStartedAt), ent.Desc(call.FieldID)).Limit(min(max(n, 0), maxPopupRows)).All(ctx)
}

// UpcomingMeetings are the meetings to come that a contact attends by
// email, soonest first; a series counts while it has occurrences ahead.
func UpcomingMeetings(ctx context.Context, client *ent.Client, c *ent.Contact, n int) ([]*ent.Event, error) {
	if c.Email == "" {
		return []*ent.Event{}, nil
	}
	now := time.Now()
	return client.Event.Query().Where(
		event.StatusEQ(event.StatusCONFIRMED),
		event.HasAttendeesWith(attendee.EmailEqualFold(c.Email)),
		event.Or(event.StartAtGTE(now),
			event.And(event.RruleNEQ(""), event.Or(event.SeriesEndIsNil(), event.SeriesEndGTE(now)))),
	).Order(ent.Asc(event.FieldStartAt)).Limit(min(max(n, 0), maxPopupRows)).All(ctx)
}
