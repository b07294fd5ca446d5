package notify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/jobs"
)

// KindInvitationMail is the job that mails one person about one version
// of a meeting.
const KindInvitationMail = "mail.invitation"

// invitationMail is its payload.
type invitationMail struct {
	EventID    int
	Sequence   int
	Method     string
	To         Person
	AttendeeID int // for the answer links; 0 for someone taken off the meeting
}

// Recipients are the people an event's mails go to: its attendees with an
// address, the organizer aside. Load them inside the change's transaction.
func Recipients(ctx context.Context, client *ent.Client, e *ent.Event) ([]Person, error) {
	attendees, err := client.Attendee.Query().Where(attendee.EventID(e.ID)).WithUser().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("notify: attendees: %w", err)
	}
	var out []Person
	for _, a := range attendees {
		if p, ok := personOf(a); ok && (a.UserID == nil || *a.UserID != e.OrganizerID) {
			out = append(out, p)
		}
	}
	return out, nil
}

func personOf(a *ent.Attendee) (Person, bool) {
	if u := a.Edges.User; u != nil {
		return Person{Name: u.Name, Email: u.Email}, true
	}
	return Person{Email: a.Email}, a.Email != ""
}

// MailAttendees enqueues, in client's transaction, the mails that bring
// everyone up to date with e as it now is: the invitation or update
// (REQUEST) to its attendees, or the cancellation once it is cancelled, and
// a cancellation to those of before who are no longer invited. Each mail's
// key names the meeting's sequence, so nobody gets the same mail twice. An
// event that does not send invitations sends nothing.
func MailAttendees(ctx context.Context, client *ent.Client, e *ent.Event, before []Person) error {
	if !e.SendInvitations {
		return nil
	}
	attendees, err := client.Attendee.Query().Where(attendee.EventID(e.ID)).WithUser().All(ctx)
	if err != nil {
		return fmt.Errorf("notify: attendees: %w", err)
	}
	method := MethodRequest
	if e.Status == event.StatusCANCELLED {
		method = MethodCancel
	}
	var mails []jobs.New
	invited := map[string]bool{}
	for _, a := range attendees {
		p, ok := personOf(a)
		if !ok || a.UserID != nil && *a.UserID == e.OrganizerID {
			continue
		}
		invited[strings.ToLower(p.Email)] = true
		mails = append(mails, mailJob(e, method, p, a.ID))
	}
	for _, p := range before {
		if !invited[strings.ToLower(p.Email)] {
			mails = append(mails, mailJob(e, MethodCancel, p, 0))
		}
	}
	return jobs.Enqueue(ctx, client, mails...)
}

func mailJob(e *ent.Event, method string, to Person, attendeeID int) jobs.New {
	return jobs.New{
		CompanyID: e.CompanyID,
		Kind:      KindInvitationMail,
		Key:       fmt.Sprintf("mail:%d:%d:%s:%s", e.ID, e.Sequence, method, strings.ToLower(to.Email)),
		Payload:   invitationMail{EventID: e.ID, Sequence: e.Sequence, Method: method, To: to, AttendeeID: attendeeID},
	}
}

// Invitations sends the invitation mails.
type Invitations struct {
	client *ent.Client
	mailer *Mailer
	links  *AnswerLinks
	now    func() time.Time
}

// NewInvitations returns the sender of invitation mails.
func NewInvitations(client *ent.Client, mailer *Mailer, links *AnswerLinks) *Invitations {
	return &Invitations{client: client, mailer: mailer, links: links, now: time.Now}
}

// Mail is the KindInvitationMail job's handler.
func (s *Invitations) Mail(ctx context.Context, j *jobs.Job) error {
	var p invitationMail
	if err := j.Decode(&p); err != nil {
		return err
	}
	e, err := s.client.Event.Query().Where(event.ID(p.EventID)).
		WithOrganizer().WithRoom().WithConference().WithSeries().Only(ctx)
	if ent.IsNotFound(err) {
		return nil // deleted: there is nothing left to tell
	}
	if err != nil {
		return err
	}
	if e.Sequence > p.Sequence && p.Method == MethodRequest {
		return nil // a later change has its own mail on the way
	}
	m, err := s.meeting(ctx, e)
	if err != nil {
		return err
	}
	mail, err := s.compose(m, p)
	if err != nil {
		return jobs.Permanent(err)
	}
	return jobs.Once(ctx, s.client, j.Key, "EMAIL", p.To.Email, func(ctx context.Context) error {
		return s.mailer.Send(ctx, mail)
	})
}

// meeting loads what a mail about e shows.
func (s *Invitations) meeting(ctx context.Context, e *ent.Event) (Meeting, error) {
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	people, err := Recipients(ctx, s.client, e)
	if err != nil {
		return Meeting{}, err
	}
	m := Meeting{
		UID: e.IcalUID, Sequence: e.Sequence, Title: e.Title, Description: e.Description,
		Start: e.StartAt.In(loc), Duration: time.Duration(e.DurationMinutes) * time.Minute, AllDay: e.AllDay,
		RRule: e.Rrule, ExDates: e.Exdates, Attendees: people, Cancelled: e.Status == event.StatusCANCELLED,
	}
	if o := e.Edges.Organizer; o != nil {
		m.Organizer = Person{Name: o.Name, Email: o.Email}
	}
	if series := e.Edges.Series; series != nil && e.OriginalStart != nil {
		// One moved occurrence: the series' UID, and which occurrence it is.
		m.UID, m.RecurrenceID = series.IcalUID, ptr(e.OriginalStart.In(loc))
	}
	if r := e.Edges.Room; r != nil {
		m.Location = strings.TrimSpace(r.Name + " " + r.Location)
	}
	if c := e.Edges.Conference; c != nil {
		m.JoinURL, m.Password = c.JoinURL, c.Password
	}
	return m, nil
}

func ptr[T any](v T) *T { return &v }

// compose writes the mail for one recipient.
func (s *Invitations) compose(m Meeting, p invitationMail) (Mail, error) {
	cal, err := Calendar(m, p.Method, s.now())
	if err != nil {
		return Mail{}, err
	}
	var answers []Answer
	if p.Method == MethodRequest && p.AttendeeID != 0 {
		if answers, err = s.links.For(p.AttendeeID, p.EventID, m.ends()); err != nil {
			return Mail{}, err
		}
	}
	subject := "Invitation: "
	switch {
	case p.Method == MethodCancel:
		subject = "Cancelled: "
	case m.Sequence > 0:
		subject = "Updated invitation: "
	}
	subject += m.Title + " @ " + when(m)
	text, html, err := render(m, p.Method, answers)
	if err != nil {
		return Mail{}, err
	}
	return Mail{
		ID:   fmt.Sprintf("%s.%d.%s@convene", strings.NewReplacer("@", ".", "<", "", ">", "").Replace(m.UID), m.Sequence, strings.ToLower(p.Method)),
		From: m.Organizer, To: p.To, Subject: subject, Text: text, HTML: html, Calendar: cal, Method: p.Method,
	}, nil
}

// ends is when answering stops making sense: the meeting's (or its
// series') end, or a year on for a series without one.
func (m Meeting) ends() time.Time {
	end := m.Start.Add(m.Duration)
	if m.RRule != "" {
		end = time.Now().AddDate(1, 0, 0)
	}
	return end
}

// when is the meeting's time as the mail's subject shows it.
func when(m Meeting) string {
	if m.AllDay {
		return m.Start.Format("Mon 2 Jan 2006")
	}
	return m.Start.Format("Mon 2 Jan 2006 15:04") + " (" + m.Start.Location().String() + ")"
}
