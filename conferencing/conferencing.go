// Package conferencing creates an online meeting's conference at its
// provider, after the meeting is saved: a job per conference, so a provider
// that is down or slow never loses the meeting or holds up the person who
// made it.
package conferencing

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"time"

	"github.com/convene/convene/connectors/zoom"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/db"
	"github.com/convene/convene/discussion"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/conference"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/provideraccount"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/jobs"
	"github.com/convene/convene/notify"
)

// KindCreate is the job that creates one conference at its provider.
const KindCreate = "conference.create"

// CreateJob is the job for a conference just saved PENDING, to enqueue in
// the same transaction. Its key names the save, so a retried conference
// gets a job of its own.
func CreateJob(c *ent.Conference) jobs.New {
	return jobs.New{CompanyID: c.CompanyID, Kind: KindCreate, Payload: c.ID,
		Key: fmt.Sprintf("conference:%d:create:%d", c.ID, c.UpdatedAt.UnixNano())}
}

// ZoomApps gives a client of a company's Zoom app, or
// credentials.ErrNotConnected.
type ZoomApps interface {
	Zoom(ctx context.Context, companyID int) (*zoom.Client, error)
}

// Conferences runs the conference jobs.
type Conferences struct {
	client *ent.Client
	zoom   ZoomApps
	// ready tells the meeting's people, after commit, that its link is there.
	ready func(context.Context, *ent.Event)
}

// New returns the conference jobs' handlers.
func New(client *ent.Client, apps ZoomApps, ready func(context.Context, *ent.Event)) *Conferences {
	return &Conferences{client: client, zoom: apps, ready: ready}
}

// details are what a provider gives back for a conference.
type details struct {
	externalID, joinURL, hostURL, password string
}

// Create is the KindCreate job's handler. A refusal no retry can mend
// leaves the conference FAILED with the provider's words; anything else is
// retried by the queue.
func (s *Conferences) Create(ctx context.Context, j *jobs.Job) error {
	var id int
	if err := j.Decode(&id); err != nil {
		return err
	}
	c, err := s.client.Conference.Query().Where(conference.ID(id)).WithEvent(func(q *ent.EventQuery) { q.WithOrganizer() }).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.State != conference.StatePENDING {
		return nil // removed meanwhile, or made already
	}
	var got details
	switch c.Provider {
	case schematype.ConferenceZoom:
		got, err = s.createZoom(ctx, c)
	default:
		err = jobs.Permanent(fmt.Errorf("creating %s conferences is not built yet", c.Provider))
	}
	if jobs.IsPermanent(err) {
		return s.fail(ctx, j, c, err)
	}
	if err != nil {
		return err
	}
	return s.save(ctx, j, c, got)
}

// createZoom schedules the meeting at Zoom, hosted by the organizer's
// mapped Zoom user, or the Zoom user with the organizer's address.
func (s *Conferences) createZoom(ctx context.Context, c *ent.Conference) (details, error) {
	e := c.Edges.Event
	z, err := s.zoomApp(ctx, c.CompanyID)
	if err != nil {
		return details{}, err
	}
	host := e.Edges.Organizer.Email
	if mapped, err := s.client.ProviderAccount.Query().Where(provideraccount.ProviderEQ(schematype.ProviderZoom),
		provideraccount.UserID(e.OrganizerID)).Only(ctx); err == nil {
		host = mapped.ExternalUserID
	}
	req, err := zoomMeeting(ctx, s.client, e)
	if err != nil {
		return details{}, err
	}
	m, err := z.CreateMeeting(ctx, host, req)
	var refused *zoom.Error
	if errors.As(err, &refused) && !refused.Retryable() {
		return details{}, jobs.Permanent(fmt.Errorf("the Zoom meeting was refused: %s", refused.Words()))
	}
	if err != nil {
		return details{}, err
	}
	return details{externalID: fmt.Sprint(m.ID), joinURL: m.JoinURL, hostURL: m.StartURL, password: m.Password}, nil
}

// zoomApp reaches Zoom through the company's app; without one, retrying
// cannot help.
func (s *Conferences) zoomApp(ctx context.Context, companyID int) (*zoom.Client, error) {
	z, err := s.zoom.Zoom(ctx, companyID)
	if errors.Is(err, credentials.ErrNotConnected) {
		return nil, jobs.Permanent(errors.New("the company has no Zoom app: an admin connects one with configureZoom"))
	}
	return z, err
}

// zoomMeeting is the Zoom meeting of e: scheduled at its local time, or,
// for a series, one link for every occurrence (type 3).
func zoomMeeting(ctx context.Context, client *ent.Client, e *ent.Event) (zoom.MeetingRequest, error) {
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil {
		return zoom.MeetingRequest{}, jobs.Permanent(err)
	}
	req := zoom.MeetingRequest{Topic: e.Title, Type: 2, StartTime: zoom.LocalTime(e.StartAt.In(loc)),
		Timezone: e.TimeZone, Duration: e.DurationMinutes, Agenda: e.Description}
	if e.Rrule != "" {
		req.Type = 3
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

// save records the conference READY and, in the same transaction, what
// its link changes: a new version of the meeting mailed to its attendees,
// and its channel posts shown anew. Then its people are told.
func (s *Conferences) save(ctx context.Context, j *jobs.Job, c *ent.Conference, got details) error {
	var e *ent.Event
	err := db.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		err := tx.Conference.UpdateOne(c).SetExternalID(got.externalID).SetJoinURL(got.joinURL).SetHostURL(got.hostURL).
			SetPassword(got.password).SetState(conference.StateREADY).SetLastError("").Exec(ctx)
		if err != nil {
			return err
		}
		if e, err = tx.Event.UpdateOneID(c.EventID).AddSequence(1).Save(ctx); err != nil {
			return err
		}
		if err := notify.MailAttendees(ctx, tx.Client(), e, nil); err != nil {
			return err
		}
		if e.ChannelID != nil {
			if err := jobs.Enqueue(ctx, tx.Client(), discussion.RefreshMeetingPosts(e)); err != nil {
				return err
			}
		}
		return j.DoneWith(ctx, tx)
	})
	if err != nil {
		return err
	}
	s.ready(ctx, e.Unwrap())
	return nil
}

// fail records why the conference cannot be made; the meeting stays.
func (s *Conferences) fail(ctx context.Context, j *jobs.Job, c *ent.Conference, why error) error {
	return db.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		err := tx.Conference.UpdateOne(c).SetState(conference.StateFAILED).SetLastError(why.Error()).Exec(ctx)
		if err != nil {
			return err
		}
		return j.DoneWith(ctx, tx)
	})
}

// Kinds of the jobs that keep a provider's meeting in step with ours.
const (
	KindUpdate = "conference.update"
	KindDelete = "conference.delete"
)

// DeleteJob deletes a conference's meeting at its provider.
func DeleteJob(c *ent.Conference) jobs.New {
	return jobs.New{CompanyID: c.CompanyID, Kind: KindDelete, Key: fmt.Sprintf("conference:%d:delete", c.ID), Payload: c.ID}
}

// FollowJob is what a change of e owes its conference c at the provider:
// a cancelled meeting's is deleted, a changed one's updated. Nothing is
// owed before the conference exists there: its creation reads e as it is.
func FollowJob(c *ent.Conference, e *ent.Event) (jobs.New, bool) {
	if c.State != conference.StateREADY || c.ExternalID == "" {
		return jobs.New{}, false
	}
	if e.Status == event.StatusCANCELLED {
		return DeleteJob(c), true
	}
	return jobs.New{CompanyID: c.CompanyID, Kind: KindUpdate, Key: fmt.Sprintf("conference:%d:update:%d", c.ID, e.Sequence), Payload: c.ID}, true
}

// Update is the KindUpdate job's handler: the provider's meeting takes the
// event's title, time and length as they are now.
func (s *Conferences) Update(ctx context.Context, j *jobs.Job) error {
	return s.atZoom(ctx, j, func(ctx context.Context, z *zoom.Client, c *ent.Conference, id int64) error {
		req, err := zoomMeeting(ctx, s.client, c.Edges.Event)
		if err != nil {
			return err
		}
		req.Password = "" // a change keeps the meeting's password
		return z.UpdateMeeting(ctx, id, req)
	})
}

// Delete is the KindDelete job's handler; a meeting already gone at the
// provider counts as deleted.
func (s *Conferences) Delete(ctx context.Context, j *jobs.Job) error {
	return s.atZoom(ctx, j, func(ctx context.Context, z *zoom.Client, c *ent.Conference, id int64) error {
		err := z.DeleteMeeting(ctx, id)
		var refused *zoom.Error
		if err != nil && !(errors.As(err, &refused) && refused.Status == http.StatusNotFound) {
			return err
		}
		if c.State == conference.StateREMOVED { // the link was taken away; it is gone now
			return nil
		}
		return s.client.Conference.UpdateOne(c).SetState(conference.StateREMOVED).Exec(ctx)
	})
}

// atZoom runs call on the Zoom meeting of the job's conference; a refusal
// no retry can mend is kept in the conference's lastError.
func (s *Conferences) atZoom(ctx context.Context, j *jobs.Job, call func(context.Context, *zoom.Client, *ent.Conference, int64) error) error {
	var id int
	if err := j.Decode(&id); err != nil {
		return err
	}
	c, err := s.client.Conference.Query().Where(conference.ID(id)).WithEvent().Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	meetingID, err := strconv.ParseInt(c.ExternalID, 10, 64)
	if c.Provider != schematype.ConferenceZoom || err != nil {
		return nil // not a Zoom meeting: nothing to keep in step
	}
	z, err := s.zoomApp(ctx, c.CompanyID)
	if err != nil {
		return err
	}
	err = call(ctx, z, c, meetingID)
	var refused *zoom.Error
	if errors.As(err, &refused) && !refused.Retryable() {
		return s.client.Conference.UpdateOne(c).SetLastError("Zoom refused the change: " + refused.Words()).Exec(ctx)
	}
	return err
}
