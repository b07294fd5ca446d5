package notify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/conference"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/internal/zone"
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
	return recipientsIn(e, attendees), nil
}

// recipientsIn are the people of attendees, loaded with their users, that
// e's mails go to.
func recipientsIn(e *ent.Event, attendees []*ent.Attendee) []Person {
	var out []Person
	for _, a := range attendees {
		if p, ok := personOf(a); ok && (a.UserID == nil || *a.UserID != e.OrganizerID) {
			out = append(out, p)
		}
	}
	return out
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
	if method == MethodRequest {
		host, err := hostMail(ctx, client, e)
		if err != nil {
			return err
		}
		mails = append(mails, host...)
	}
	return jobs.Enqueue(ctx, client, mails...)
}

// methodHost is a plain mail to the organizer from the company's host
// template, sent with each invitation when the company has one.
const methodHost = "HOST"

func hostMail(ctx context.Context, client *ent.Client, e *ent.Event) ([]jobs.New, error) {
	co, err := client.Company.Get(ctx, e.CompanyID)
	if err != nil || co.HostTemplate == "" {
		return nil, err
	}
	organizer, err := client.User.Get(ctx, e.OrganizerID)
	if err != nil {
		return nil, err
	}
	return []jobs.New{mailJob(e, methodHost, Person{Name: organizer.Name, Email: organizer.Email}, 0)}, nil
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
	// replyAddress, when set, stands as every meeting's ORGANIZER address,
	// so the replies of mail clients' own Accept/Decline buttons come to a
	// mailbox piped into Convene rather than to the organizer.
	replyAddress string
	now          func() time.Time
}

// NewInvitations returns the sender of invitation mails.
func NewInvitations(client *ent.Client, mailer *Mailer, links *AnswerLinks, replyAddress string) *Invitations {
	return &Invitations{client: client, mailer: mailer, links: links, replyAddress: replyAddress, now: time.Now}
}

// Mail is the KindInvitationMail job's handler.
func (s *Invitations) Mail(ctx context.Context, j *jobs.Job) error {
	var p invitationMail
	if err := j.Decode(&p); err != nil {
		return err
	}
	e, err := withMeeting(s.client.Event.Query().Where(event.ID(p.EventID))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil // deleted: there is nothing left to tell
	}
	if err != nil {
		return err
	}
	if e.Sequence > p.Sequence && p.Method == MethodRequest {
		return nil // a later change has its own mail on the way
	}
	co, err := s.client.Company.Get(ctx, e.CompanyID)
	if err != nil {
		return err
	}
	if p.Method == MethodRequest && co.InvitationsWaitForLink {
		if linkPending(e) {
			return nil // the link's arrival, or its failure, sends the next version
		}
		// The conference was read after the event: if the link came or
		// failed in between, its newer version is on its way instead.
		seq, err := s.client.Event.Query().Where(event.ID(e.ID)).Select(event.FieldSequence).Int(ctx)
		if err != nil || seq > p.Sequence {
			return err
		}
	}
	mail, err := s.compose(meetingOf(e), p, co)
	if err != nil {
		return jobs.Permanent(err)
	}
	return jobs.Once(ctx, s.client, j, "EMAIL", p.To.Email, func(ctx context.Context) error {
		return s.mailer.Send(ctx, mail)
	})
}

// withMeeting loads with events what meetingOf reads of them.
func withMeeting(q *ent.EventQuery) *ent.EventQuery {
	return q.WithOrganizer().WithRoom().WithConference().WithSeries().
		WithAttendees(func(q *ent.AttendeeQuery) { q.WithUser() })
}

// linkPending reports whether e's conference link is still being made.
func linkPending(e *ent.Event) bool {
	c := e.Edges.Conference
	return c != nil && c.State == conference.StatePENDING
}

// meetingOf is what a mail or a feed shows of e, loaded withMeeting.
func meetingOf(e *ent.Event) Meeting {
	loc := zone.OrUTC(e.TimeZone)
	people := recipientsIn(e, e.Edges.Attendees)
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
	if c := e.Edges.Conference; c != nil && c.State == conference.StateREADY {
		m.JoinURL, m.Password, m.HostURL, m.Provider = c.JoinURL, c.Password, c.HostURL, string(c.Provider)
	}
	return m
}

func ptr[T any](v T) *T { return &v }

// compose writes the mail for one recipient. Someone taken off a meeting
// that goes on gets a CANCEL naming only them (RFC 5546 §3.2.5).
func (s *Invitations) compose(m Meeting, p invitationMail, co *ent.Company) (Mail, error) {
	id := fmt.Sprintf("%s.%d.%s@convene", strings.NewReplacer("@", ".", "<", "", ">", "").Replace(m.UID), m.Sequence, strings.ToLower(p.Method))
	if p.Method == methodHost {
		text := schematype.FillTemplate(co.HostTemplate, shortcodes(m))
		return Mail{ID: id, From: Person{Name: "Convene"}, To: p.To, Subject: "Your meeting: " + m.Title + " @ " + when(m),
			Text: text, HTML: textToHTML(text)}, nil
	}
	if p.Method == MethodCancel && !m.Cancelled {
		m.Attendees = []Person{p.To}
	}
	var answers []Answer
	var err error
	if p.Method == MethodRequest && p.AttendeeID != 0 {
		if answers, err = s.links.For(p.AttendeeID, p.EventID, m.ends()); err != nil {
			return Mail{}, err
		}
	}
	text, html, err := render(m, p.Method, answers, schematype.FillTemplate(co.InvitationTemplate, shortcodes(m)))
	if err != nil {
		return Mail{}, err
	}
	invitation := m
	if s.replyAddress != "" {
		invitation.Organizer.Email = s.replyAddress
	}
	cal, err := Calendar(invitation, p.Method, s.now())
	if err != nil {
		return Mail{}, err
	}
	return Mail{ID: id, From: m.Organizer, To: p.To, Subject: subject(m, p.Method), Text: text, HTML: html, Calendar: cal, Method: p.Method}, nil
}

// subject says what a mail about m is.
func subject(m Meeting, method string) string {
	what := "Invitation: "
	switch {
	case method == MethodCancel:
		what = "Cancelled: "
	case m.Sequence > 0:
		what = "Updated invitation: "
	}
	return what + m.Title + " @ " + when(m)
}

// shortcodes are the values of the company templates' shortcodes for m.
func shortcodes(m Meeting) map[string]string {
	v := map[string]string{
		"title": m.Title, "start": when(m), "duration": fmt.Sprintf("%d minutes", int(m.Duration.Minutes())),
		"organizer": m.Organizer.Name, "meeting_url": m.JoinURL, "meeting_password": m.Password,
	}
	if m.Provider == "ZOOM" || m.Provider == "ZOOM_JWT" {
		v["zoom_meeting_url"], v["zoom_meeting_url_host"], v["zoom_meeting_password"] = m.JoinURL, m.HostURL, m.Password
	}
	return v
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
