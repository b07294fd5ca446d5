package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/convene/convene/connectors/sms"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/delivery"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/notification"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/internal/zone"
	"github.com/convene/convene/jobs"
)

// KindReminderSend is one reminder to one person on one channel.
const KindReminderSend = "reminder.send"

// ReminderSend is its payload.
type ReminderSend struct {
	EventID       int
	Start         time.Time // the occurrence's start
	MinutesBefore int
	UserID        int
	Channel       schematype.ReminderChannel
}

// Reminders sends reminders in the app, by mail and by SMS.
type Reminders struct {
	client *ent.Client
	mailer *Mailer
	sms    *sms.Client // nil when no gateway is configured
	push   func(context.Context, *ent.Notification)
}

// NewReminders returns the sender; push delivers a stored in-app notice to
// its user's subscriptions.
func NewReminders(client *ent.Client, mailer *Mailer, texts *sms.Client, push func(context.Context, *ent.Notification)) *Reminders {
	return &Reminders{client: client, mailer: mailer, sms: texts, push: push}
}

// ErrNoSMS fails SMS reminders on a server without a gateway.
var ErrNoSMS = errors.New("notify: no SMS gateway is configured (set -sms-account-sid)")

// Send is the KindReminderSend job's handler.
func (r *Reminders) Send(ctx context.Context, j *jobs.Job) error {
	var p ReminderSend
	if err := j.Decode(&p); err != nil {
		return err
	}
	e, err := r.client.Event.Query().Where(event.ID(p.EventID)).WithConference().Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	u, err := r.client.User.Get(ctx, p.UserID)
	if ent.IsNotFound(err) || err == nil && !u.Active {
		return nil // gone, or no longer works here
	}
	if err != nil {
		return err
	}
	text := reminderText(e, p, u)
	switch p.Channel {
	case schematype.ReminderInApp:
		return r.inApp(ctx, j, e, u, text)
	case schematype.ReminderEmail:
		mail := Mail{ID: strings.ReplaceAll(j.Key, ":", ".") + "@convene", From: Person{Name: "Convene"},
			To: Person{Name: u.Name, Email: u.Email}, Subject: "Reminder: " + e.Title, Text: text,
			HTML: textToHTML(text)}
		return jobs.Once(ctx, r.client, j, delivery.ChannelEMAIL, u.Email, func(ctx context.Context) error {
			return r.mailer.Send(ctx, mail)
		})
	case schematype.ReminderSMS:
		if u.Phone == "" {
			return nil // nowhere to send it
		}
		return jobs.Once(ctx, r.client, j, delivery.ChannelSMS, u.Phone, func(ctx context.Context) error {
			return r.text(ctx, u.Phone, text)
		})
	}
	return jobs.Permanent(fmt.Errorf("notify: unknown reminder channel %q", p.Channel))
}

// inApp stores the notice exactly once, then pushes it.
func (r *Reminders) inApp(ctx context.Context, j *jobs.Job, e *ent.Event, u *ent.User, text string) error {
	var stored *ent.Notification
	ran, err := jobs.OnceInTx(ctx, r.client, j, delivery.ChannelIN_APP, u.Email, func(tx *ent.Tx) error {
		var err error
		stored, err = tx.Notification.Create().SetCompanyID(e.CompanyID).SetUserID(u.ID).
			SetKind(notification.KindREMINDER).SetEventID(e.ID).SetTitle("Reminder: " + e.Title).SetBody(text).Save(ctx)
		return err
	})
	if ran {
		r.push(ctx, stored.Unwrap())
	}
	return err
}

// text sends an SMS; a refusal that no retry can mend fails the job at once.
func (r *Reminders) text(ctx context.Context, to, body string) error {
	if r.sms == nil {
		return jobs.Permanent(ErrNoSMS)
	}
	_, err := r.sms.Send(ctx, to, body)
	var refused *sms.Error
	if errors.As(err, &refused) && !refused.Retryable() {
		return jobs.Permanent(err)
	}
	return err
}

// reminderText says what starts when, in the person's own time zone, and
// how to join.
func reminderText(e *ent.Event, p ReminderSend, u *ent.User) string {
	loc := zone.OrUTC(cmp.Or(u.TimeZone, e.TimeZone))
	text := fmt.Sprintf("%s starts at %s (in %d minutes).", e.Title, p.Start.In(loc).Format("15:04 MST, Mon 2 Jan"), p.MinutesBefore)
	if c := e.Edges.Conference; c != nil && c.JoinURL != "" {
		text += "\nJoin: " + c.JoinURL
		if c.Password != "" {
			text += "\nPassword: " + c.Password
		}
	}
	return text
}
