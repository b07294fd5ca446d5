// Package calsync keeps an employee's own Outlook or Google calendar and
// their Convene calendar in step, through jobs: what changed there comes
// here, incrementally by the provider's sync token.
package calsync

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/convene/convene/connectors/google"
	"github.com/convene/convene/connectors/microsoft"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/internal/zone"
)

// ErrTokenExpired says the provider no longer knows the sync token: list
// everything again.
var ErrTokenExpired = errors.New("calsync: the sync token expired: a full sync is needed")

// RemoteEvent is one event of a remote calendar, as a listing shows it.
type RemoteEvent struct {
	ID, ICalUID, ETag string
	Updated           time.Time // when it last changed there
	Cancelled         bool
	Title             string
	Description       string
	Start             time.Time
	End               time.Time
	AllDay            bool
	TimeZone          string
	Guests            []Guest // the attendees other than the calendar's owner
	// A series: its RRULE (without "RRULE:"); an exception of one: the
	// series' remote id and the start of the occurrence it replaces.
	Rule          string
	SeriesID      string
	OriginalStart time.Time
	// Occurrence marks an occurrence just as its series makes it, which
	// a calendar view lists on its own (Graph's "occurrence").
	Occurrence bool
}

// Guest is an attendee of a remote event and their answer.
type Guest struct {
	Email    string
	Response attendee.Response
}

// Page is one page of a listing: its events, and where the listing goes on
// (NextPage), or on its last page the token of the next sync.
type Page struct {
	Events   []RemoteEvent
	NextPage string
	NextSync string
	// Shown is, for a listing that shows series only as their occurrences
	// (Graph's calendar view), the span it shows: an occurrence it does
	// not list there was deleted, and a series none of whose occurrences
	// are left is gone.
	Shown *Span
}

// Span is a stretch of time.
type Span struct{ From, To time.Time }

// Remote is an employee's calendar at a provider.
type Remote interface {
	// Page lists a page of changes since syncToken ("" for everything),
	// continuing at pageToken if given.
	Page(ctx context.Context, syncToken, pageToken string) (*Page, error)
}

// googleCalendar is a Google primary calendar.
type googleCalendar struct{ cal *google.Calendar }

func (g googleCalendar) Page(ctx context.Context, syncToken, pageToken string) (*Page, error) {
	p, err := g.cal.List(ctx, syncToken, pageToken)
	var refused *google.Error
	if errors.As(err, &refused) && refused.FullSyncRequired() {
		return nil, ErrTokenExpired
	}
	if err != nil {
		return nil, err
	}
	out := &Page{NextPage: p.NextPageToken, NextSync: p.NextSyncToken}
	for _, e := range p.Items {
		out.Events = append(out.Events, fromGoogle(e))
	}
	return out, nil
}

func fromGoogle(e google.Event) RemoteEvent {
	r := RemoteEvent{ID: e.ID, ICalUID: e.ICalUID, ETag: e.ETag, Cancelled: e.Status == "cancelled",
		Title: e.Summary, Description: e.Description}
	r.Updated, _ = time.Parse(time.RFC3339, e.Updated)
	if e.Start != nil && e.End != nil {
		r.Start, r.AllDay, r.TimeZone = googleTime(e.Start)
		r.End, _, _ = googleTime(e.End)
	}
	for _, a := range e.Attendees {
		if !a.Self {
			r.Guests = append(r.Guests, Guest{a.Email, googleResponses[a.ResponseStatus]})
		}
	}
	for _, line := range e.Recurrence {
		if rule, ok := strings.CutPrefix(line, "RRULE:"); ok {
			r.Rule = rule
		}
	}
	if e.RecurringEventID != "" && e.OriginalStartTime != nil {
		r.SeriesID = e.RecurringEventID
		r.OriginalStart, _, _ = googleTime(e.OriginalStartTime)
	}
	return r
}

// googleResponses are Google's answers as Convene's; a missing one is
// needsAction.
var googleResponses = map[string]attendee.Response{"": attendee.ResponseNEEDS_ACTION, "needsAction": attendee.ResponseNEEDS_ACTION,
	"accepted": attendee.ResponseACCEPTED, "tentative": attendee.ResponseTENTATIVE, "declined": attendee.ResponseDECLINED}

// graphResponses are Graph's answers as Convene's.
var graphResponses = map[string]attendee.Response{"": attendee.ResponseNEEDS_ACTION, "none": attendee.ResponseNEEDS_ACTION,
	"notResponded": attendee.ResponseNEEDS_ACTION, "organizer": attendee.ResponseACCEPTED, "accepted": attendee.ResponseACCEPTED,
	"tentativelyAccepted": attendee.ResponseTENTATIVE, "declined": attendee.ResponseDECLINED}

// googleTime reads a start or end: a time in a zone, or an all-day date.
func googleTime(t *google.Time) (time.Time, bool, string) {
	if t.Date != "" {
		d, _ := time.Parse(time.DateOnly, t.Date)
		return d, true, "UTC"
	}
	at, _ := time.Parse(time.RFC3339, t.DateTime)
	zone := t.TimeZone
	if zone == "" {
		zone = "UTC"
	}
	return at, false, zone
}

// Window is the span of an Outlook calendar that syncs: Graph's delta
// query works on a calendar view, which has one.
const (
	windowBack  = 30 * 24 * time.Hour
	windowAhead = 365 * 24 * time.Hour
)

// graphCalendar is an Outlook calendar through Graph's delta query; its
// "sync token" is the deltaLink and its "page token" the nextLink.
type graphCalendar struct{ graph *microsoft.Graph }

func (g graphCalendar) Page(ctx context.Context, syncToken, pageToken string) (*Page, error) {
	link := cmp.Or(pageToken, syncToken)
	now := time.Now()
	shown := &Span{now.Add(-windowBack), now.Add(windowAhead)}
	p, err := g.graph.Delta(ctx, link, shown.From, shown.To)
	var refused *microsoft.Error
	if errors.As(err, &refused) && refused.SyncStateNotFound() {
		return nil, ErrTokenExpired
	}
	if err != nil {
		return nil, err
	}
	out := &Page{NextPage: p.NextLink, NextSync: p.DeltaLink, Shown: shown}
	masters := map[string]bool{}
	for _, e := range p.Value {
		if id := e.SeriesMasterID; id != "" && !masters[id] { // the series first, read once a page
			masters[id] = true
			master, err := g.graph.Get(ctx, id)
			if err != nil {
				return nil, err
			}
			out.Events = append(out.Events, fromGraph(*master))
		}
		out.Events = append(out.Events, fromGraph(e))
	}
	return out, nil
}

func fromGraph(e microsoft.Event) RemoteEvent {
	r := RemoteEvent{ID: e.ID, ICalUID: e.ICalUID, ETag: e.ChangeKey, Cancelled: e.Removed != nil || e.IsCancelled,
		Title: e.Subject, AllDay: e.IsAllDay}
	r.Updated, _ = time.Parse(time.RFC3339, e.LastModifiedDateTime)
	if e.Body != nil {
		r.Description = e.Body.Content
	}
	if e.Start != nil && e.End != nil {
		r.Start, r.TimeZone = graphTime(e.Start)
		r.End, _ = graphTime(e.End)
	}
	if rec := e.Recurrence; rec != nil { // a series repeats in its own zone
		loc := zone.OrUTC(rec.Range.RecurrenceTimeZone)
		r.Rule, _ = rec.Rule(loc)
		r.TimeZone = loc.String()
	}
	if e.SeriesMasterID != "" {
		r.SeriesID, r.Occurrence = e.SeriesMasterID, e.Type == "occurrence"
		r.OriginalStart, _ = time.Parse(time.RFC3339, e.OriginalStart)
	}
	for _, a := range e.Attendees {
		if a.Type != "resource" {
			var answer string
			if a.Status != nil {
				answer = a.Status.Response
			}
			r.Guests = append(r.Guests, Guest{a.EmailAddress.Address, graphResponses[answer]})
		}
	}
	return r
}

// graphTime reads a wall time in a zone, which Graph writes in UTC unless
// asked otherwise; a zone this server does not know is read as UTC.
func graphTime(t *microsoft.Time) (time.Time, string) {
	loc := zone.OrUTC(t.TimeZone)
	at, _ := time.ParseInLocation("2006-01-02T15:04:05.9999999", t.DateTime, loc)
	return at, loc.String()
}

// Copy is a Convene meeting as written into an employee's own calendar:
// without its attendees, so the provider mails no one (Convene invites
// them), and under a key that makes a repeated create one.
type Copy struct {
	Key         string // letters a–v and digits, as Google takes a client's event id
	Title       string
	Description string
	Start, End  time.Time
	AllDay      bool
	TimeZone    string
	// A series: its RRULE and the occurrences taken out of it.
	Rule    string
	Exdates []time.Time
}

// Written is a copy as the provider holds it.
type Written struct{ ID, ICalUID, ETag string }

// Writer writes copies into a remote calendar.
type Writer interface {
	Create(ctx context.Context, c Copy) (Written, error)
	Update(ctx context.Context, id string, c Copy) (Written, error)
	Delete(ctx context.Context, id string) error
	// Occurrence is the id of a series' occurrence whose original start
	// is at: changing that event changes the occurrence alone.
	Occurrence(ctx context.Context, seriesID string, at time.Time) (string, error)
}

func (g googleCalendar) Create(ctx context.Context, c Copy) (Written, error) {
	ev := googleCopy(c)
	ev.ID = c.Key
	made, err := g.cal.Insert(ctx, ev)
	var refused *google.Error
	if errors.As(err, &refused) && refused.Duplicate() { // made before, its answer lost
		made, err = g.cal.Get(ctx, c.Key)
	}
	if err != nil {
		return Written{}, err
	}
	return Written{made.ID, made.ICalUID, made.ETag}, nil
}

func (g googleCalendar) Update(ctx context.Context, id string, c Copy) (Written, error) {
	now, err := g.cal.PatchEvent(ctx, id, googleCopy(c))
	if err != nil {
		return Written{}, err
	}
	return Written{now.ID, now.ICalUID, now.ETag}, nil
}

func (g googleCalendar) Delete(ctx context.Context, id string) error { return g.cal.Delete(ctx, id) }

func (g googleCalendar) Occurrence(ctx context.Context, seriesID string, at time.Time) (string, error) {
	e, err := g.cal.Instance(ctx, seriesID, at)
	if err != nil {
		return "", err
	}
	return e.ID, nil
}

func googleCopy(c Copy) google.Event {
	loc := zone.OrUTC(c.TimeZone)
	ev := google.Event{Summary: c.Title, Description: c.Description, Start: google.At(c.Start.In(loc), loc.String()), End: google.At(c.End.In(loc), loc.String())}
	if c.AllDay {
		ev.Start = &google.Time{Date: c.Start.Format(time.DateOnly)}
		ev.End = &google.Time{Date: c.End.Format(time.DateOnly)}
	}
	if c.Rule != "" {
		ev.Recurrence = google.Recurrence(c.Rule, c.Exdates, loc)
	}
	return ev
}

func (g graphCalendar) Create(ctx context.Context, c Copy) (Written, error) {
	ev, err := graphCopy(c)
	if err != nil {
		return Written{}, err
	}
	ev.TransactionID = c.Key // a repeated create returns the first event
	made, err := g.graph.Add(ctx, ev)
	if err != nil {
		return Written{}, err
	}
	return Written{made.ID, made.ICalUID, made.ChangeKey}, g.leaveGaps(ctx, made.ID, c)
}

func (g graphCalendar) Update(ctx context.Context, id string, c Copy) (Written, error) {
	ev, err := graphCopy(c)
	if err != nil {
		return Written{}, err
	}
	now, err := g.graph.UpdateEvent(ctx, id, ev)
	if err != nil {
		return Written{}, err
	}
	return Written{now.ID, now.ICalUID, now.ChangeKey}, g.leaveGaps(ctx, id, c)
}

// leaveGaps deletes the occurrences a series' copy has no more: Graph's
// recurrence has no EXDATE.
func (g graphCalendar) leaveGaps(ctx context.Context, seriesID string, c Copy) error {
	for _, x := range c.Exdates {
		if x.Before(time.Now()) {
			continue
		}
		id, err := g.Occurrence(ctx, seriesID, x)
		if err == nil {
			err = g.graph.Delete(ctx, id)
		}
		if err != nil && !isGone(err) {
			return err
		}
	}
	return nil
}

func (g graphCalendar) Delete(ctx context.Context, id string) error { return g.graph.Delete(ctx, id) }

func (g graphCalendar) Occurrence(ctx context.Context, seriesID string, at time.Time) (string, error) {
	e, err := g.graph.Occurrence(ctx, seriesID, at)
	if err != nil {
		return "", err
	}
	return e.ID, nil
}

// ErrCannotSay refuses a copy of a series whose rule the provider cannot
// say: it stays here only.
var ErrCannotSay = errors.New("calsync: Outlook cannot repeat a meeting by this rule")

func graphCopy(c Copy) (microsoft.Event, error) {
	loc := zone.OrUTC(c.TimeZone)
	ev := microsoft.Event{Subject: c.Title, Body: &microsoft.Body{ContentType: "text", Content: c.Description},
		Start: microsoft.At(c.Start.In(loc), loc.String()), End: microsoft.At(c.End.In(loc), loc.String()), IsAllDay: c.AllDay}
	if c.Rule != "" {
		var ok bool
		if ev.Recurrence, ok = microsoft.RecurrenceOf(c.Rule, c.Start.In(loc)); !ok {
			return ev, ErrCannotSay
		}
	}
	return ev, nil
}
