package conferencing

import (
	"context"
	"errors"
	"time"

	"github.com/convene/convene/connectors/trueconf"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/jobs"
)

// trueconfMeetings are conferences on the company's own TrueConf Server,
// which schedules one time at a conference: a series' conference is set
// for its nearest occurrence to come.
type trueconfMeetings struct{ apps Apps }

// create makes the conference under an id of ours, looking first for the
// one an earlier try may have made under it.
func (m trueconfMeetings) create(ctx context.Context, c *ent.Conference) (details, error) {
	tc, err := m.server(ctx, c.CompanyID)
	if err != nil {
		return details{}, err
	}
	id := chosenID(c)
	made, err := tc.Get(ctx, id)
	var r refused
	if errors.As(err, &r) && r.Gone() {
		conf := trueconfConference(c.Edges.Event, time.Now())
		conf.ID = id
		made, err = tc.Create(ctx, conf)
	}
	if err != nil {
		return details{}, refusal("TrueConf refused the conference", err)
	}
	link := made.URL
	if link == "" {
		link = made.WebclientURL
	}
	return details{externalID: made.ID, joinURL: link, hostURL: made.WebclientURL}, nil
}

func (m trueconfMeetings) update(ctx context.Context, c *ent.Conference) error {
	tc, err := m.server(ctx, c.CompanyID)
	if err != nil {
		return err
	}
	return refusal("TrueConf refused the change", tc.Update(ctx, c.ExternalID, trueconfConference(c.Edges.Event, time.Now())))
}

func (m trueconfMeetings) remove(ctx context.Context, c *ent.Conference) error {
	tc, err := m.server(ctx, c.CompanyID)
	if err != nil {
		return err
	}
	return refusal("TrueConf refused to delete the conference", ignoreGone(tc.Delete(ctx, c.ExternalID)))
}

func (m trueconfMeetings) server(ctx context.Context, companyID int) (*trueconf.Client, error) {
	tc, err := m.apps.TrueConf(ctx, companyID)
	if errors.Is(err, credentials.ErrNotConnected) {
		return nil, jobs.Permanent(errors.New("the company has no TrueConf Server: an admin connects one with configureTrueConf"))
	}
	return tc, err
}

// trueconfConference is e's conference, scheduled once for its nearest
// occurrence that has not ended by now, in all-on-screen mode.
func trueconfConference(e *ent.Event, now time.Time) trueconf.Conference {
	allOnScreen := 0
	start := nextOccurrence(e, now)
	return trueconf.Conference{Topic: e.Title, Description: e.Description, Type: &allOnScreen,
		Schedule: &trueconf.Schedule{Type: 1, StartTime: start.Unix(), Duration: e.DurationMinutes * 60}}
}
