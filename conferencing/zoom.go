package conferencing

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/convene/convene/connectors/zoom"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/provideraccount"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/internal/zone"
	"github.com/convene/convene/jobs"
	"github.com/teambition/rrule-go"
)

// zoomMeetings are conferences at the company's Zoom account.
type zoomMeetings struct {
	client *ent.Client
	apps   Apps
}

// create schedules the meeting at Zoom, hosted by the organizer's mapped
// Zoom user, or the Zoom user with the organizer's address. Zoom has no
// idempotency key, so the new meeting's id is recorded as soon as Zoom
// answers, and a retry reads that meeting rather than making another.
func (m zoomMeetings) create(ctx context.Context, c *ent.Conference) (details, error) {
	e := c.Edges.Event
	z, err := m.app(ctx, c.CompanyID)
	if err != nil {
		return details{}, err
	}
	if made, ok, err := m.madeBefore(ctx, z, c); ok || err != nil {
		return made, err
	}
	host := e.Edges.Organizer.Email
	if mapped, err := m.client.ProviderAccount.Query().Where(provideraccount.ProviderEQ(schematype.ProviderZoom),
		provideraccount.UserID(e.OrganizerID)).Only(ctx); err == nil {
		host = mapped.ExternalUserID
	}
	req, err := zoomMeeting(ctx, m.client, e)
	if err != nil {
		return details{}, err
	}
	made, err := z.CreateMeeting(ctx, host, req)
	if err != nil {
		return details{}, refusal("the Zoom meeting was refused", err)
	}
	if err := m.client.Conference.UpdateOne(c).SetExternalID(fmt.Sprint(made.ID)).Exec(ctx); err != nil {
		return details{}, err
	}
	return zoomDetails(made), nil
}

// madeBefore reads the meeting an earlier try made and recorded, if Zoom
// still has it.
func (m zoomMeetings) madeBefore(ctx context.Context, z *zoom.Client, c *ent.Conference) (details, bool, error) {
	id, err := strconv.ParseInt(c.ExternalID, 10, 64)
	if err != nil {
		return details{}, false, nil // nothing recorded
	}
	made, err := z.GetMeeting(ctx, id)
	var r refused
	if errors.As(err, &r) && r.Gone() {
		return details{}, false, nil // deleted at Zoom meanwhile: make a new one
	}
	if err != nil {
		return details{}, false, refusal("Zoom refused to show the meeting made before", err)
	}
	return zoomDetails(made), true, nil
}

func zoomDetails(made zoom.Meeting) details {
	return details{externalID: fmt.Sprint(made.ID), joinURL: made.JoinURL, hostURL: made.StartURL, password: made.Password}
}

func (m zoomMeetings) update(ctx context.Context, c *ent.Conference) error {
	return m.call(ctx, c, func(z *zoom.Client, id int64) error {
		req, err := zoomMeeting(ctx, m.client, c.Edges.Event)
		if err != nil {
			return err
		}
		req.Password = "" // a change keeps the meeting's password
		return z.UpdateMeeting(ctx, id, req)
	})
}

func (m zoomMeetings) remove(ctx context.Context, c *ent.Conference) error {
	return m.call(ctx, c, func(z *zoom.Client, id int64) error {
		return ignoreGone(z.DeleteMeeting(ctx, id))
	})
}

// call runs f on c's Zoom meeting.
func (m zoomMeetings) call(ctx context.Context, c *ent.Conference, f func(*zoom.Client, int64) error) error {
	id, err := strconv.ParseInt(c.ExternalID, 10, 64)
	if err != nil {
		return jobs.Permanent(fmt.Errorf("%q is not a Zoom meeting id", c.ExternalID))
	}
	z, err := m.app(ctx, c.CompanyID)
	if err != nil {
		return err
	}
	return refusal("Zoom refused the change", f(z, id))
}

// app reaches Zoom through the company's app; without one, retrying cannot
// help.
func (m zoomMeetings) app(ctx context.Context, companyID int) (*zoom.Client, error) {
	z, err := m.apps.Zoom(ctx, companyID)
	if errors.Is(err, credentials.ErrNotConnected) {
		return nil, jobs.Permanent(errors.New("the company has no Zoom app: an admin connects one with configureZoom"))
	}
	return z, err
}

// zoomMeeting is the Zoom meeting of e, scheduled at its local time: a
// series Zoom can say is a recurring meeting (type 8), any other a
// rolling one (see rolling) set for its nearest occurrence.
func zoomMeeting(ctx context.Context, client *ent.Client, e *ent.Event) (zoom.MeetingRequest, error) {
	loc, err := zone.Load(e.TimeZone)
	if err != nil {
		return zoom.MeetingRequest{}, jobs.Permanent(err)
	}
	req := zoom.MeetingRequest{Topic: e.Title, Type: 2, StartTime: zoom.LocalTime(e.StartAt.In(loc)),
		Timezone: e.TimeZone, Duration: e.DurationMinutes, Agenda: e.Description}
	if e.Rrule != "" {
		if r, ok := zoomRecurrence(e.Rrule, e.StartAt.In(loc)); ok {
			req.Type, req.Recurrence = 8, r
		} else {
			req.StartTime = zoom.LocalTime(nextOccurrence(e, time.Now()).In(loc))
		}
	}
	co, err := client.Company.Get(ctx, e.CompanyID)
	if err != nil {
		return zoom.MeetingRequest{}, err
	}
	if co.RandomMeetingPassword {
		req.Password = randomDigits(8)
	}
	return req, nil
}

func randomDigits(n int) string {
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, _ := rand.Int(rand.Reader, max)
	return fmt.Sprintf("%0*d", n, v)
}

// zoomRecurrence is rule as Zoom's recurrence, if Zoom can say it: daily,
// weekly or monthly (on a day, or on the nth weekday), within Zoom's
// intervals, ending after at most 50 occurrences or on a date. Zoom ends a
// rule without an end after one occurrence, so an endless rule does not fit.
func zoomRecurrence(rule string, start time.Time) (*zoom.Recurrence, bool) {
	o, err := rrule.StrToROption(rule)
	if err != nil || len(o.Bysetpos) > 0 || len(o.Bymonth) > 0 || len(o.Bymonthday) > 1 || len(o.Bymonthday) == 1 && o.Bymonthday[0] < 1 {
		return nil, false
	}
	r := &zoom.Recurrence{RepeatInterval: max(o.Interval, 1)}
	switch {
	case o.Count > 0 && o.Count <= 50:
		r.EndTimes = o.Count
	case o.Count == 0 && !o.Until.IsZero():
		r.EndDateTime = o.Until.UTC().Format("2006-01-02T15:04:05Z")
	default:
		return nil, false
	}
	switch {
	case o.Freq == rrule.DAILY && len(o.Byweekday) == 0 && r.RepeatInterval <= 90:
		r.Type = 1
	case o.Freq == rrule.WEEKLY && r.RepeatInterval <= 12:
		r.Type, r.WeeklyDays = 2, strconv.Itoa(int(start.Weekday())+1)
		if len(o.Byweekday) > 0 {
			days := make([]string, len(o.Byweekday))
			for i, d := range o.Byweekday {
				days[i] = strconv.Itoa((d.Day()+1)%7 + 1) // rrule's Monday is 0; Zoom's Sunday is 1
			}
			r.WeeklyDays = strings.Join(days, ",")
		}
	case o.Freq == rrule.MONTHLY && r.RepeatInterval <= 3 && len(o.Byweekday) == 0:
		r.Type, r.MonthlyDay = 3, start.Day()
		if len(o.Bymonthday) == 1 {
			r.MonthlyDay = o.Bymonthday[0]
		}
	case o.Freq == rrule.MONTHLY && r.RepeatInterval <= 3 && len(o.Byweekday) == 1 && o.Byweekday[0].N() != 0:
		d := o.Byweekday[0]
		r.Type, r.MonthlyWeek, r.MonthlyWeekDay = 3, d.N(), (d.Day()+1)%7+1
	default:
		return nil, false
	}
	return r, true
}
