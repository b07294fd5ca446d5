package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/emersion/go-ical"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/viewer"
)

// Feeds serve each user's meetings as an iCalendar feed at a secret
// address, which calendar apps poll, so meetings made in Convene show up in
// the calendar people already use.
type Feeds struct {
	client *ent.Client
	now    func() time.Time
}

// NewFeeds returns the feeds over client.
func NewFeeds(client *ent.Client) *Feeds { return &Feeds{client: client, now: time.Now} }

// feedHistory is how far back a feed reaches; calendars keep what they saw.
const feedHistory = 90 * 24 * time.Hour

// Reset gives the user a new feed token, which stops the old one, and
// returns it: only its hash is kept.
func (f *Feeds) Reset(ctx context.Context, userID int) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	hash := sha256.Sum256([]byte(token))
	err := f.client.User.UpdateOneID(userID).SetCalendarFeedTokenHash(hash[:]).
		Exec(viewer.NewSystemContext(ctx, viewer.SystemCalendarFeed))
	if err != nil {
		return "", fmt.Errorf("notify: calendar feed: %w", err)
	}
	return token, nil
}

// Calendar is the feed of the user whose token this is; ent.IsNotFound
// for a token that is wrong or was reset.
func (f *Feeds) Calendar(ctx context.Context, token string) ([]byte, error) {
	ctx = viewer.NewSystemContext(ctx, viewer.SystemCalendarFeed)
	hash := sha256.Sum256([]byte(token))
	u, err := f.client.User.Query().Where(user.CalendarFeedTokenHash(hash[:]), user.Active(true)).Only(ctx)
	if err != nil {
		return nil, err
	}
	since := f.now().Add(-feedHistory)
	mine := event.Or(event.OrganizerID(u.ID),
		event.HasAttendeesWith(attendee.UserID(u.ID), attendee.Hidden(false), attendee.ResponseNEQ(attendee.ResponseDECLINED)))
	recent := event.Or(event.StartAtGTE(since), event.And(event.RruleNEQ(""), event.Or(event.SeriesEndIsNil(), event.SeriesEndGTE(since))))
	events, err := withMeeting(f.client.Event.Query().Where(event.CompanyID(u.CompanyID), event.StatusEQ(event.StatusCONFIRMED), mine, recent)).
		Order(event.ByStartAt()).Limit(5000).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("notify: calendar feed: %w", err)
	}
	return f.render(events)
}

// render writes the events as one PUBLISH calendar: a VEVENT each (a
// series once, with its rule; a moved occurrence under the series' UID),
// and a VTIMEZONE per zone used.
func (f *Feeds) render(events []*ent.Event) ([]byte, error) {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//Convene//Meetings//EN")
	cal.Props.SetText(ical.PropMethod, "PUBLISH")
	name := ical.NewProp("X-WR-CALNAME") // an extension: no VALUE parameter
	name.Value = "Convene"
	cal.Props.Set(name)
	zones := map[string]bool{}
	var vevents []*ical.Component
	for _, e := range events {
		m := meetingOf(e)
		if loc := m.Start.Location(); !m.AllDay && loc != time.UTC && !zones[loc.String()] {
			zones[loc.String()] = true
			cal.Children = append(cal.Children, vtimezone(loc, m.Start.Year()))
		}
		vevents = append(vevents, vevent(m, "PUBLISH", f.now()).Component)
	}
	cal.Children = append(cal.Children, vevents...)
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("notify: calendar feed: %w", err)
	}
	return buf.Bytes(), nil
}
