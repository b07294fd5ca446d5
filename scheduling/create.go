package scheduling

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/conferencing"
	"github.com/convene/convene/db"
	"github.com/convene/convene/directory"
	"github.com/convene/convene/discussion"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/channel"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/notification"
	"github.com/convene/convene/ent/post"
	"github.com/convene/convene/ent/room"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/internal/zone"
	"github.com/convene/convene/jobs"
	"github.com/convene/convene/viewer"
)

// Rules on a new event.
const (
	maxDuration       = 24 * time.Hour
	maxReminderBefore = 4 * 7 * 24 * time.Hour
	// roomHorizon is how far ahead a series without end is checked for room
	// clashes: its first year, the same span as the longest calendar view.
	roomHorizon = MaxWindow
)

// NewEvent is a meeting to create.
type NewEvent struct {
	Kind            *event.Kind
	Provider        *schematype.ConferenceProvider
	Title           string
	Description     *string
	Start           time.Time
	DurationMinutes int
	AllDay          *bool
	TimeZone        *string
	Attendees       []int
	Responsible     *int
	Preparers       []int
	Room            *int
	Channel         *int
	Reminders       []schematype.Reminder
	Recurrence      *Recurrence
	SendInvitations *bool
}

// Providers tells which conference providers the viewer's company has connected.
type Providers interface {
	ConferenceProviders(ctx context.Context) ([]schematype.ConferenceProvider, error)
}

// Planner creates and changes events.
type Planner struct {
	client    *ent.Client
	providers Providers
	publish   Publisher
	now       func() time.Time
}

// NewPlanner returns a Planner that tells publish of every change.
func NewPlanner(client *ent.Client, providers Providers, publish Publisher) *Planner {
	return &Planner{client: client, providers: providers, publish: publish, now: time.Now}
}

// plan is a checked NewEvent, ready to write.
type plan struct {
	NewEvent
	kind      event.Kind
	loc       *time.Location
	rule      *Rule
	seriesEnd *time.Time
	length    time.Duration
	// keepsStart is set when a change leaves a (possibly past) start as it was.
	keepsStart bool
	// replaces tells which booked occurrences the plan takes the place of,
	// so a changed meeting does not clash with itself.
	replaces func(*Occurrence) bool
	// overrides links the plan, as one moved occurrence, to its series.
	overrides *override
}

// override names the occurrence of a series a plan takes the place of.
type override struct {
	seriesID      int
	originalStart time.Time
}

// Create checks and saves a new event with its attendees, refusing a room
// that is taken at any of its occurrences.
func (p *Planner) Create(ctx context.Context, in NewEvent) (*ent.Event, error) {
	pl := &plan{NewEvent: in}
	if err := p.check(ctx, pl); err != nil {
		return nil, err
	}
	var created *ent.Event
	var invited []*ent.Notification
	err := db.WithTx(ctx, p.client, func(tx *ent.Tx) error {
		if err := roomIsFree(ctx, tx.Client(), pl); err != nil {
			return err
		}
		var err error
		if created, err = save(ctx, tx.Client(), pl); err != nil {
			return err
		}
		if pl.SendInvitations != nil && *pl.SendInvitations {
			if invited, err = invite(ctx, tx.Client(), created, pl); err != nil {
				return err
			}
		}
		return p.followUp(ctx, tx.Client(), created, nil)
	})
	if err != nil {
		return nil, err
	}
	created = created.Unwrap() // bound to the client again: the transaction is over
	return created, p.announce(ctx, Created, created, nil, invited...)
}

// invite stores an in-app invitation for everyone invited but the organizer,
// in the meeting's own transaction: the notice exists before it is pushed,
// so nobody misses it while offline.
func invite(ctx context.Context, client *ent.Client, e *ent.Event, pl *plan) ([]*ent.Notification, error) {
	loc := pl.loc
	var notices []*ent.NotificationCreate
	for id := range pl.roles() {
		if id == e.OrganizerID {
			continue
		}
		notices = append(notices, client.Notification.Create().SetUserID(id).SetKind(notification.KindINVITATION).
			SetEventID(e.ID).SetTitle("Invitation: "+e.Title).
			SetBody(e.StartAt.In(loc).Format("Mon 2 Jan 2006 15:04 MST")))
	}
	if len(notices) == 0 {
		return nil, nil
	}
	return client.Notification.CreateBulk(notices...).Save(ctx)
}

// check applies every rule that needs no lock, naming the field at fault.
func (p *Planner) check(ctx context.Context, pl *plan) error {
	in := pl.NewEvent
	pl.kind, pl.length = event.KindMEETING, time.Duration(in.DurationMinutes)*time.Minute
	if in.Kind != nil {
		pl.kind = *in.Kind
	} else if in.Channel != nil {
		pl.kind = event.KindONLINE_MEETING
	}
	allDay := in.AllDay != nil && *in.AllDay
	switch {
	case !pl.keepsStart && !in.Start.After(p.now()):
		return apperr.Invalid("start", "must be later than now")
	case in.DurationMinutes <= 0:
		return apperr.Invalid("durationMinutes", "must be more than zero")
	case pl.length > maxDuration && !allDay:
		return apperr.Invalid("durationMinutes", "can be at most 24 hours unless the event is all-day")
	case pl.kind == event.KindONLINE_MEETING && allDay:
		return apperr.Invalid("allDay", "an online meeting cannot be all-day")
	case pl.kind == event.KindONLINE_MEETING && in.Provider == nil:
		return apperr.Invalid("provider", "an online meeting needs a provider: ZOOM, GOOGLE_MEET, TEAMS or TRUECONF")
	case pl.kind != event.KindONLINE_MEETING && in.Provider != nil:
		return apperr.Invalid("provider", "only an online meeting has a provider")
	}
	for _, r := range in.Reminders {
		if before := time.Duration(r.MinutesBefore) * time.Minute; before < 0 || before > maxReminderBefore {
			return apperr.Invalid("reminders", "a reminder is between 0 minutes and 4 weeks before the start")
		}
		if len(r.Channels) == 0 {
			return apperr.Invalid("reminders", "a reminder needs at least one channel: IN_APP, EMAIL or SMS")
		}
	}
	if err := p.checkProvider(ctx, pl); err != nil {
		return err
	}
	if err := p.placeInTime(ctx, pl); err != nil {
		return err
	}
	return p.checkPeople(ctx, pl)
}

// checkProvider refuses an online meeting on a provider the company has not
// connected.
func (p *Planner) checkProvider(ctx context.Context, pl *plan) error {
	if pl.Provider == nil {
		return nil
	}
	have, err := p.providers.ConferenceProviders(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(have, *pl.Provider) {
		return apperr.Invalid("provider", "%s is not connected for your company; an admin can connect it under company settings", *pl.Provider)
	}
	return nil
}

// placeInTime resolves the time zone and the repeat rule, and works out
// when the series ends.
func (p *Planner) placeInTime(ctx context.Context, pl *plan) error {
	name, err := p.defaultZone(ctx, pl.TimeZone)
	if err != nil {
		return err
	}
	if pl.loc, err = zone.Load(name); err != nil || name == "Local" {
		return apperr.Invalid("timeZone", "%q is not an IANA time zone such as Europe/Helsinki", name)
	}
	pl.TimeZone = &name
	end := pl.Start.Add(pl.length)
	pl.seriesEnd = &end
	if pl.Recurrence == nil {
		return nil
	}
	value, err := pl.Recurrence.Format()
	if err != nil {
		return err
	}
	if pl.rule, err = ParseRule(value, pl.Start, pl.loc); err != nil {
		return apperr.Invalid("recurrence", "%s", err.Error())
	}
	pl.seriesEnd = nil
	if last, ok := pl.rule.Last(); ok {
		end := last.Add(pl.length)
		pl.seriesEnd = &end
	}
	return nil
}

// defaultZone is the given zone, else the organizer's, else the company's.
func (p *Planner) defaultZone(ctx context.Context, given *string) (string, error) {
	if given != nil {
		return *given, nil
	}
	v, _ := viewer.FromContext(ctx)
	me, err := p.client.User.Query().Where(user.ID(v.UserID)).WithCompany().Only(ctx)
	if err != nil {
		return "", fmt.Errorf("scheduling: %w", err)
	}
	if me.TimeZone != "" {
		return me.TimeZone, nil
	}
	return me.Edges.Company.TimeZone, nil
}

// checkPeople refuses anyone who is not an active employee of the company,
// and takes a channel's members as attendees when none are given.
func (p *Planner) checkPeople(ctx context.Context, pl *plan) error {
	if pl.Channel != nil {
		members, err := p.client.Channel.Query().Where(channel.ID(*pl.Channel)).QueryMembers().IDs(ctx)
		if err != nil {
			return fmt.Errorf("scheduling: %w", err)
		}
		if len(members) == 0 {
			return apperr.Invalid("channel", "no such channel in your company, or it has no members")
		}
		if len(pl.Attendees) == 0 {
			v, _ := viewer.FromContext(ctx)
			pl.Attendees = slices.DeleteFunc(members, func(id int) bool { return id == v.UserID })
		}
	}
	fields := map[string][]int{"attendees": pl.Attendees, "preparers": pl.Preparers}
	if pl.Responsible != nil {
		fields["responsible"] = []int{*pl.Responsible}
	}
	missing, err := directory.NotEmployees(ctx, p.client, slices.Concat(fields["attendees"], fields["responsible"], fields["preparers"]))
	if err != nil || len(missing) == 0 {
		return err
	}
	for _, field := range []string{"attendees", "responsible", "preparers"} {
		if slices.Contains(fields[field], missing[0]) {
			return apperr.Invalid(field, "%d is not an active employee of your company", missing[0])
		}
	}
	return nil
}

// roomIsFree locks the room and refuses the plan if any of its occurrences
// overlaps one already booked there. The lock (a row lock on Postgres, the
// write lock of an IMMEDIATE transaction on SQLite) makes racing bookings of
// one slot take turns, so only the first wins.
func roomIsFree(ctx context.Context, client *ent.Client, pl *plan) error {
	if pl.Room == nil {
		return nil
	}
	r, err := client.Room.Query().Where(room.ID(*pl.Room)).Modify(db.ForUpdate).Only(ctx)
	if ent.IsNotFound(err) {
		return apperr.Invalid("room", "no such room in your company")
	}
	if err != nil {
		return fmt.Errorf("scheduling: room: %w", err)
	}
	from, to := pl.Start, pl.Start.Add(roomHorizon)
	if pl.seriesEnd != nil && pl.seriesEnd.Before(to) {
		to = *pl.seriesEnd
	}
	mine := []time.Time{pl.Start}
	if pl.rule != nil {
		mine = pl.rule.Between(from, to)
	}
	booked, err := occurrencesIn(ctx, client, Window{From: from, To: to, Rooms: []int{r.ID}}, 0)
	if err != nil {
		return err
	}
	for _, start := range mine {
		end := start.Add(pl.length)
		for _, b := range booked {
			if pl.replaces != nil && pl.replaces(b) {
				continue
			}
			if b.Start.Before(end) && start.Before(b.End) {
				return &apperr.Error{Code: apperr.Conflict, Field: "room", Message: fmt.Sprintf(
					"%s is booked by %q from %s to %s", r.Name, b.Event.Title,
					b.Start.In(pl.loc).Format("Mon 2 Jan 2006 15:04"), b.End.In(pl.loc).Format("15:04 MST"))}
			}
		}
	}
	return nil
}

// save writes the event, its attendees and, for an online meeting, its
// conference waiting to be created at the provider.
func save(ctx context.Context, client *ent.Client, pl *plan) (*ent.Event, error) {
	v, _ := viewer.FromContext(ctx)
	create := client.Event.Create().
		SetKind(pl.kind).SetTitle(pl.Title).SetNillableDescription(pl.Description).
		SetStartAt(pl.Start).SetDurationMinutes(pl.DurationMinutes).SetNillableAllDay(pl.AllDay).
		SetTimeZone(*pl.TimeZone).SetOrganizerID(v.UserID).SetNillableRoomID(pl.Room).
		SetNillableChannelID(pl.Channel).SetReminders(pl.Reminders).SetNillableSeriesEnd(pl.seriesEnd).
		SetNillableSendInvitations(pl.SendInvitations).
		SetIcalUID(uuid.NewString() + "@convene")
	if pl.rule != nil {
		create.SetRrule(pl.rule.String())
	}
	if pl.overrides != nil {
		create.SetSeriesID(pl.overrides.seriesID).SetOriginalStart(pl.overrides.originalStart)
	}
	e, err := create.Save(ctx)
	if err != nil {
		return nil, err
	}
	var people []*ent.AttendeeCreate
	for id, role := range pl.roles() {
		people = append(people, client.Attendee.Create().SetEventID(e.ID).SetUserID(id).SetRole(role))
	}
	if err := client.Attendee.CreateBulk(people...).Exec(ctx); err != nil {
		return nil, err
	}
	// A moved occurrence keeps its series' conference and post; anything
	// else gets its own.
	if pl.overrides != nil {
		return e, nil
	}
	var conf *ent.Conference
	if pl.kind == event.KindONLINE_MEETING {
		if conf, err = client.Conference.Create().SetEventID(e.ID).SetProvider(*pl.Provider).Save(ctx); err != nil {
			return nil, err
		}
		if err := jobs.Enqueue(ctx, client, conferencing.CreateJob(conf)); err != nil {
			return nil, err
		}
		// The answer shows the conference as saved, PENDING: its job may
		// run before the answer is written.
		e.Edges.Conference = conf
	}
	if pl.Channel != nil {
		err = client.Post.Create().SetChannelID(*pl.Channel).SetAuthorID(v.UserID).SetKind(post.KindMEETING).
			SetEventID(e.ID).SetBody(discussion.MeetingText(e, conf)).Exec(ctx)
	}
	return e, err
}

// roles gives each invited person one role: responsible first, then
// preparer, then attendee.
func (pl *plan) roles() map[int]attendee.Role {
	roles := map[int]attendee.Role{}
	for _, id := range pl.Attendees {
		roles[id] = attendee.RoleATTENDEE
	}
	for _, id := range pl.Preparers {
		roles[id] = attendee.RolePREPARER
	}
	if pl.Responsible != nil {
		roles[*pl.Responsible] = attendee.RoleRESPONSIBLE
	}
	return roles
}
