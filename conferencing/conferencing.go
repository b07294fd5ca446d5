// Package conferencing creates an online meeting's conference at its
// provider, after the meeting is saved: a job per conference, so a provider
// that is down or slow never loses the meeting or holds up the person who
// made it.
package conferencing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/convene/convene/connectors/google"
	"github.com/convene/convene/connectors/microsoft"
	"github.com/convene/convene/connectors/trueconf"
	"github.com/convene/convene/connectors/zoom"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/db"
	"github.com/convene/convene/discussion"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/conference"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/notification"
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

// Apps gives clients of a company's provider apps: credentials.
// ErrNotConnected without one, credentials.ErrNeedsAuth when its consent
// is missing or withdrawn.
type Apps interface {
	Zoom(ctx context.Context, companyID int) (*zoom.Client, error)
	GoogleCalendar(ctx context.Context, companyID int) (*google.Calendar, error)
	MicrosoftGraph(ctx context.Context, companyID int) (*microsoft.Graph, error)
	TrueConf(ctx context.Context, companyID int) (*trueconf.Client, error)
	ForgetToken(ctx context.Context, companyID int, provider schematype.Provider) error
}

// People are told, after commit, what became of a meeting's conference.
type People interface {
	// ConferenceReady: its link is there.
	ConferenceReady(ctx context.Context, e *ent.Event)
	// ConferenceFailed: it cannot be made; notice tells the organizer why.
	ConferenceFailed(ctx context.Context, e *ent.Event, notice *ent.Notification)
}

// Conferences runs the conference jobs.
type Conferences struct {
	client    *ent.Client
	providers map[schematype.ConferenceProvider]meetings
	people    People
}

// New returns the conference jobs' handlers.
func New(client *ent.Client, apps Apps, people People) *Conferences {
	return &Conferences{client: client, people: people, providers: map[schematype.ConferenceProvider]meetings{
		schematype.ConferenceZoom:       zoomMeetings{client: client, apps: apps},
		schematype.ConferenceGoogleMeet: googleMeetings{apps: apps},
		schematype.ConferenceTeams:      teamsMeetings{apps: apps},
		schematype.ConferenceTrueConf:   trueconfMeetings{apps: apps},
	}}
}

// meetings is one provider's side of a conference. Each returns a refusal
// no retry can mend as jobs.Permanent, in words a person can act on.
type meetings interface {
	// create makes the meeting of c (its event and organizer loaded). A
	// retry after a crash must find what the first try made.
	create(ctx context.Context, c *ent.Conference) (details, error)
	// update gives the provider's meeting the event's title, time and rule.
	update(ctx context.Context, c *ent.Conference) error
	// remove deletes it; one already gone counts as deleted.
	remove(ctx context.Context, c *ent.Conference) error
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
	got, err := s.providers[c.Provider].create(ctx, c)
	switch {
	case errors.Is(err, credentials.ErrNeedsAuth):
		return s.wait(ctx, j, c, err)
	case jobs.IsPermanent(err):
		return s.fail(ctx, j, c, err)
	case err != nil:
		return s.retrying(ctx, c, err)
	}
	return s.save(ctx, j, c, got)
}

// retrying shows why the conference is not made yet, while the job tries
// again: the organizer sees the provider's trouble, not just a wait.
func (s *Conferences) retrying(ctx context.Context, c *ent.Conference, why error) error {
	if err := s.client.Conference.UpdateOne(c).SetLastError(fmt.Sprintf("trying again: %v", why)).Exec(ctx); err != nil {
		return err
	}
	return why
}

// wait leaves the conference PENDING until an admin authorizes its
// provider again; Resume then makes it.
func (s *Conferences) wait(ctx context.Context, j *jobs.Job, c *ent.Conference, why error) error {
	return db.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		err := tx.Conference.UpdateOne(c).SetLastError(fmt.Sprintf("waiting for an admin to authorize %s again: %v", c.Provider, why)).Exec(ctx)
		if err != nil {
			return err
		}
		return j.DoneWith(ctx, tx)
	})
}

// Resume makes the conferences that waited for a credential's consent.
func (s *Conferences) Resume(ctx context.Context, cred *ent.Credential) error {
	var waiting []schematype.ConferenceProvider
	for conf, via := range credentials.ConferenceVia {
		if slices.Contains(via, cred.Provider) {
			waiting = append(waiting, conf)
		}
	}
	return db.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		pending, err := tx.Conference.Query().Where(conference.CompanyID(cred.CompanyID), conference.StateEQ(conference.StatePENDING),
			conference.ProviderIn(waiting...)).All(ctx)
		if err != nil || len(pending) == 0 {
			return err
		}
		now := time.Now()
		ids := make([]int, len(pending))
		again := make([]jobs.New, len(pending))
		for i, c := range pending {
			c.UpdatedAt, ids[i] = now, c.ID // a new save: a new job
			again[i] = CreateJob(c)
		}
		if err := tx.Conference.Update().Where(conference.IDIn(ids...)).SetLastError("").SetUpdatedAt(now).Exec(ctx); err != nil {
			return err
		}
		return jobs.Enqueue(ctx, tx.Client(), again...)
	})
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
		if next, ok := advanceJob(c, e, time.Now()); ok {
			if err := jobs.Enqueue(ctx, tx.Client(), next); err != nil {
				return err
			}
		}
		return j.DoneWith(ctx, tx)
	})
	if err != nil {
		return err
	}
	s.people.ConferenceReady(ctx, e.Unwrap())
	return nil
}

// fail records why the conference cannot be made, and tells the
// organizer, who can retry it; the meeting stays.
func (s *Conferences) fail(ctx context.Context, j *jobs.Job, c *ent.Conference, why error) error {
	var notice *ent.Notification
	err := db.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		err := tx.Conference.UpdateOne(c).SetState(conference.StateFAILED).SetLastError(why.Error()).Exec(ctx)
		if err != nil {
			return err
		}
		e := c.Edges.Event
		if err := mailIfWaiting(ctx, tx, e); err != nil {
			return err
		}
		notice, err = tx.Notification.Create().SetCompanyID(c.CompanyID).SetUserID(e.OrganizerID).
			SetKind(notification.KindCONFERENCE_FAILED).SetEventID(e.ID).
			SetTitle("No meeting link for " + e.Title).
			SetBody(fmt.Sprintf("%s could not make the link: %v. The meeting stands; fix the cause, then retry the link (retryConference).", c.Provider, why)).
			Save(ctx)
		if err != nil {
			return err
		}
		return j.DoneWith(ctx, tx)
	})
	if err != nil {
		return err
	}
	s.people.ConferenceFailed(ctx, c.Edges.Event, notice.Unwrap())
	return nil
}

// mailIfWaiting sends, in tx, the invitations that waited for the link, if
// the company holds them back: without a link they go now.
func mailIfWaiting(ctx context.Context, tx *ent.Tx, e *ent.Event) error {
	co, err := tx.Company.Get(ctx, e.CompanyID)
	if err != nil || !co.InvitationsWaitForLink {
		return err
	}
	e, err = tx.Event.UpdateOneID(e.ID).AddSequence(1).Save(ctx)
	if err != nil {
		return err
	}
	return notify.MailAttendees(ctx, tx.Client(), e, nil)
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

// Update is the KindUpdate and KindAdvance jobs' handler: the provider's
// meeting takes the event's title, time, length and rule as they are now
// (for TrueConf, its coming occurrence, and the job to move on after it).
func (s *Conferences) Update(ctx context.Context, j *jobs.Job) error {
	return s.atProvider(ctx, j, func(m meetings, ctx context.Context, c *ent.Conference) error {
		if c.State != conference.StateREADY {
			return nil // removed meanwhile
		}
		if err := m.update(ctx, c); err != nil {
			return err
		}
		if next, ok := advanceJob(c, c.Edges.Event, time.Now()); ok {
			return jobs.Enqueue(ctx, s.client, next)
		}
		return nil
	})
}

// Delete is the KindDelete job's handler.
func (s *Conferences) Delete(ctx context.Context, j *jobs.Job) error {
	return s.atProvider(ctx, j, func(m meetings, ctx context.Context, c *ent.Conference) error {
		if err := m.remove(ctx, c); err != nil {
			return err
		}
		if c.State == conference.StateREMOVED { // the link was taken away; it is gone now
			return nil
		}
		return s.client.Conference.UpdateOne(c).SetState(conference.StateREMOVED).Exec(ctx)
	})
}

// atProvider runs call on the provider's meeting of the job's conference; a
// refusal no retry can mend is kept in the conference's lastError.
func (s *Conferences) atProvider(ctx context.Context, j *jobs.Job, call func(meetings, context.Context, *ent.Conference) error) error {
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
	if c.ExternalID == "" {
		return nil // nothing at the provider to keep in step
	}
	err = call(s.providers[c.Provider], ctx, c)
	if jobs.IsPermanent(err) || errors.Is(err, credentials.ErrNeedsAuth) {
		return s.client.Conference.UpdateOne(c).SetLastError(err.Error()).Exec(ctx)
	}
	return err
}

// refused is a provider's refusal as each connector reports it.
type refused interface {
	error
	Retryable() bool
	Wait() time.Duration // the provider's Retry-After
	Words() string
	Gone() bool // what the call was about is not there
}

// refusal makes a refusal no retry can mend permanent, in the provider's
// words, and a throttled call wait as long as the provider asks.
func refusal(what string, err error) error {
	var r refused
	switch {
	case !errors.As(err, &r):
		return err
	case !r.Retryable():
		return jobs.Permanent(fmt.Errorf("%s: %s", what, r.Words()))
	case r.Wait() > 0:
		return jobs.RetryAfter(err, r.Wait())
	}
	return err
}

// ignoreGone counts what is already gone at the provider as deleted.
func ignoreGone(err error) error {
	var r refused
	if errors.As(err, &r) && r.Gone() {
		return nil
	}
	return err
}

// oauthRefusal is refusal for the providers reached with a consent's
// access token, which they may refuse before it expires: a 401 forgets the
// token, and the retry refreshes it.
func oauthRefusal(ctx context.Context, apps Apps, c *ent.Conference, what string, err error) error {
	var stale interface{ Unauthorized() bool }
	if !errors.As(err, &stale) || !stale.Unauthorized() {
		return refusal(what, err)
	}
	if ferr := apps.ForgetToken(ctx, c.CompanyID, credentials.ConferenceVia[c.Provider][0]); ferr != nil {
		return ferr
	}
	return err
}
