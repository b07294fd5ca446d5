package conferencing

import (
	"context"
	"errors"
	"time"

	"github.com/convene/convene/connectors/microsoft"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/internal/zone"
	"github.com/convene/convene/jobs"
)

// teamsMeetings are Microsoft Teams conferences: an event in the mailbox
// the company's Microsoft app was authorized for, with its Teams link.
type teamsMeetings struct{ apps Apps }

// create makes the event with a transactionId of the conference's own, so
// a retried create returns the event the first try made.
func (m teamsMeetings) create(ctx context.Context, c *ent.Conference) (details, error) {
	graph, err := m.graph(ctx, c.CompanyID)
	if err != nil {
		return details{}, err
	}
	ev := teamsEvent(c.Edges.Event)
	ev.TransactionID = chosenID(c)
	made, err := graph.Create(ctx, ev)
	if err != nil {
		return details{}, oauthRefusal(ctx, m.apps, c, "Microsoft refused the meeting", err)
	}
	if made.OnlineMeeting == nil || made.OnlineMeeting.JoinURL == "" {
		return details{}, jobs.Permanent(errors.New("microsoft made the event without a Teams link: Teams may be off for this mailbox"))
	}
	return details{externalID: made.ID, joinURL: made.OnlineMeeting.JoinURL}, nil
}

func (m teamsMeetings) update(ctx context.Context, c *ent.Conference) error {
	graph, err := m.graph(ctx, c.CompanyID)
	if err != nil {
		return err
	}
	return oauthRefusal(ctx, m.apps, c, "Microsoft refused the change", graph.Update(ctx, c.ExternalID, teamsEvent(c.Edges.Event)))
}

func (m teamsMeetings) remove(ctx context.Context, c *ent.Conference) error {
	graph, err := m.graph(ctx, c.CompanyID)
	if err != nil {
		return err
	}
	return oauthRefusal(ctx, m.apps, c, "Microsoft refused to delete the meeting", ignoreGone(graph.Delete(ctx, c.ExternalID)))
}

func (m teamsMeetings) graph(ctx context.Context, companyID int) (*microsoft.Graph, error) {
	graph, err := m.apps.MicrosoftGraph(ctx, companyID)
	if errors.Is(err, credentials.ErrNotConnected) {
		return nil, jobs.Permanent(errors.New("the company has no Microsoft app: an admin connects one with configureMicrosoft"))
	}
	return graph, err
}

// teamsEvent is e as Graph holds it: local times in e's zone, and its rule
// as Graph's recurrence where Graph can say it.
func teamsEvent(e *ent.Event) microsoft.Event {
	loc := zone.OrUTC(e.TimeZone)
	start := e.StartAt.In(loc)
	ev := microsoft.Event{Subject: e.Title, Body: &microsoft.Body{ContentType: "text", Content: e.Description},
		Start: microsoft.At(start, loc.String()), End: microsoft.At(start.Add(time.Duration(e.DurationMinutes)*time.Minute), loc.String())}
	if r, ok := microsoft.RecurrenceOf(e.Rrule, start); ok {
		ev.Recurrence = r
	}
	return ev
}
