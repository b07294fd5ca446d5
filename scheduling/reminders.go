package scheduling

import (
	"context"
	"fmt"
	"time"

	"github.com/convene/convene/conferencing"
	"github.com/convene/convene/db"
	"github.com/convene/convene/discussion"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/conference"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/job"
	"github.com/convene/convene/ent/occurrenceresponse"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/jobs"
	"github.com/convene/convene/notify"
	"github.com/convene/convene/viewer"
)

// Reminders are scheduled one occurrence at a time: a "reminder due" job
// per reminder for the next occurrence; when it fires it hands one "send"
// job per person and channel to notify, and queues the next occurrence's.
const KindReminderDue = "reminder.due"

// ReminderDue is the payload of a KindReminderDue job.
type ReminderDue struct {
	EventID       int
	Start         time.Time // the occurrence's start
	MinutesBefore int
}

// key names one reminder of one occurrence; a send job adds the person
// and channel, so each goes out once.
func (d ReminderDue) key() string {
	return fmt.Sprintf("remind:%d:%d:%d", d.EventID, d.Start.Unix(), d.MinutesBefore)
}

// followUp queues, in a change's transaction, what the change owes the
// world outside: mail to the attendees, its channel posts shown anew, the
// provider's meeting changed or deleted, and the reminders of e as it now is.
func (p *Planner) followUp(ctx context.Context, client *ent.Client, e *ent.Event, before []notify.Person) error {
	if err := notify.MailAttendees(ctx, client, e, before); err != nil {
		return err
	}
	if e.ChannelID != nil && e.Sequence > 0 { // a new meeting's post is written with it
		if err := jobs.Enqueue(ctx, client, discussion.RefreshMeetingPosts(e)); err != nil {
			return err
		}
	}
	if err := followConference(ctx, client, e); err != nil {
		return err
	}
	return scheduleReminders(ctx, client, e, p.now())
}

// followConference keeps the provider's meeting in step with e.
func followConference(ctx context.Context, client *ent.Client, e *ent.Event) error {
	if e.Kind != event.KindONLINE_MEETING {
		return nil
	}
	c, err := client.Conference.Query().Where(conference.EventID(e.ID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("scheduling: conference: %w", err)
	}
	if follow, ok := conferencing.FollowJob(c, e); ok {
		return jobs.Enqueue(ctx, client, follow)
	}
	return nil
}

// scheduleReminders replaces, in client's transaction, the event's waiting
// reminders with those of its next occurrences as it now is: moved with
// it, gone once it is cancelled.
func scheduleReminders(ctx context.Context, client *ent.Client, e *ent.Event, now time.Time) error {
	ctx = viewer.NewSystemContext(ctx, viewer.SystemJobs)
	_, err := client.Job.Delete().Where(job.Kind(KindReminderDue), job.StateEQ(job.StatePENDING),
		job.IdempotencyKeyHasPrefix(fmt.Sprintf("remind:%d:", e.ID))).Exec(ctx)
	if err != nil || e.Status == event.StatusCANCELLED {
		return err
	}
	var due []jobs.New
	for _, r := range e.Reminders {
		next, ok, err := nextStart(ctx, client, e, now.Add(time.Duration(r.MinutesBefore)*time.Minute))
		if err != nil {
			return err
		}
		if ok {
			due = append(due, dueJob(e, ReminderDue{EventID: e.ID, Start: next, MinutesBefore: r.MinutesBefore}))
		}
	}
	return jobs.Enqueue(ctx, client, due...)
}

func dueJob(e *ent.Event, d ReminderDue) jobs.New {
	return jobs.New{CompanyID: e.CompanyID, Kind: KindReminderDue, Key: d.key(), Payload: d,
		RunAt: d.Start.Add(-time.Duration(d.MinutesBefore) * time.Minute)}
}

// nextStart is the start of e's first own occurrence (not cancelled, not
// moved away) starting at or after t.
func nextStart(ctx context.Context, client *ent.Client, e *ent.Event, t time.Time) (time.Time, bool, error) {
	if e.Rrule == "" {
		return e.StartAt, !e.StartAt.Before(t), nil
	}
	rule, err := seriesRule(e)
	if err != nil {
		return time.Time{}, false, err
	}
	for span := 31 * 24 * time.Hour; span < 20*366*24*time.Hour; span *= 4 {
		w := Window{From: t, To: t.Add(span)}
		moved, err := movedOccurrences(ctx, client, []*ent.Event{e}, w)
		if err != nil {
			return time.Time{}, false, err
		}
		occurrences, err := expand(e, w.From, w.To, moved[e.ID])
		if err != nil {
			return time.Time{}, false, err
		}
		for _, o := range occurrences {
			if !o.Start.Before(t) {
				return o.Start, true, nil
			}
		}
		if last, ok := rule.Last(); ok && last.Before(w.To) {
			break // the series is over
		}
	}
	return time.Time{}, false, nil
}

// Reminders runs the reminder jobs.
type Reminders struct{ client *ent.Client }

// NewReminders returns the handler of KindReminderDue jobs.
func NewReminders(client *ent.Client) *Reminders { return &Reminders{client: client} }

// Due fires one reminder of one occurrence, if the occurrence is still
// there at that time and the reminder still asked for: one send job per
// person who has not declined and per channel, and the next occurrence's
// reminder, all in one transaction.
func (r *Reminders) Due(ctx context.Context, j *jobs.Job) error {
	var d ReminderDue
	if err := j.Decode(&d); err != nil {
		return err
	}
	e, err := r.client.Event.Query().Where(event.ID(d.EventID)).WithAttendees().Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	reminder, still := reminderOf(e, d.MinutesBefore)
	if !still || e.Status == event.StatusCANCELLED {
		return nil // changed since: scheduleReminders queued what applies now
	}
	return db.WithTx(ctx, r.client, func(tx *ent.Tx) error {
		client := tx.Client()
		at, ok, err := nextStart(ctx, client, e, d.Start)
		if err != nil {
			return err
		}
		var work []jobs.New
		if ok && at.Equal(d.Start) { // the occurrence is still its own
			if work, err = r.sends(ctx, client, e, d, reminder); err != nil {
				return err
			}
		}
		if next, ok, err := nextStart(ctx, client, e, d.Start.Add(time.Second)); err != nil {
			return err
		} else if ok {
			work = append(work, dueJob(e, ReminderDue{EventID: e.ID, Start: next, MinutesBefore: d.MinutesBefore}))
		}
		return jobs.Enqueue(ctx, client, work...)
	})
}

func reminderOf(e *ent.Event, minutes int) (schematype.Reminder, bool) {
	for _, r := range e.Reminders {
		if r.MinutesBefore == minutes {
			return r, true
		}
	}
	return schematype.Reminder{}, false
}

// sends is one send job per channel for the organizer and every attendee
// who neither declined this occurrence nor hid the meeting.
func (r *Reminders) sends(ctx context.Context, client *ent.Client, e *ent.Event, d ReminderDue, reminder schematype.Reminder) ([]jobs.New, error) {
	declined, err := declinedOccurrence(ctx, client, e, d.Start)
	if err != nil {
		return nil, err
	}
	people := []int{e.OrganizerID}
	for _, a := range e.Edges.Attendees {
		if a.UserID == nil || *a.UserID == e.OrganizerID || a.Hidden || declined[a.ID] ||
			a.Response == attendee.ResponseDECLINED {
			continue
		}
		people = append(people, *a.UserID)
	}
	var out []jobs.New
	for _, user := range people {
		for _, ch := range reminder.Channels {
			s := notify.ReminderSend{EventID: e.ID, Start: d.Start, MinutesBefore: d.MinutesBefore, UserID: user, Channel: ch}
			out = append(out, jobs.New{CompanyID: e.CompanyID, Kind: notify.KindReminderSend, Payload: s,
				Key: fmt.Sprintf("%s:%d:%s", d.key(), user, ch)})
		}
	}
	return out, nil
}

// declinedOccurrence is which attendees declined this one occurrence of a
// series, by attendee id.
func declinedOccurrence(ctx context.Context, client *ent.Client, e *ent.Event, start time.Time) (map[int]bool, error) {
	out := map[int]bool{}
	if e.Rrule == "" {
		return out, nil
	}
	rows, err := client.OccurrenceResponse.Query().Where(occurrenceresponse.OriginalStart(start),
		occurrenceresponse.ResponseEQ(occurrenceresponse.ResponseDECLINED),
		occurrenceresponse.HasAttendeeWith(attendee.EventID(e.ID))).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("scheduling: answers of an occurrence: %w", err)
	}
	for _, row := range rows {
		out[row.AttendeeID] = true
	}
	return out, nil
}
