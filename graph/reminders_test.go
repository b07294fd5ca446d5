package graph_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/ent/job"
	"github.com/convene/convene/ent/notification"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/jobs"
	"github.com/convene/convene/notify"
	"github.com/convene/convene/scheduling"
	"github.com/convene/convene/viewer"
)

// TestRemindersFireOncePerPersonAndChannel: a minute before a meeting,
// each person who has not declined is reminded once in the app, by mail
// and by SMS; the next occurrence of the series is queued.
func TestRemindersFireOncePerPersonAndChannel(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		dana := env.NewUser(t, co.Company, "Dana", "dana@"+strings.ToLower(co.Company.Name)+".example", "MEMBER")
		env.DB.Client.User.UpdateOne(co.Member).SetPhone("+358401234567").ExecX(testenv.As(co.Admin))
		notices := subscribe(t, env, co.MemberToken, "1", `subscription{ notificationAdded{ kind title } }`, nil)
		time.Sleep(100 * time.Millisecond)

		start := time.Now().Add(time.Minute + 2*time.Second)
		var made struct{ CreateEvent struct{ ID string } }
		env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Stand-up", "start": start,
			"durationMinutes": 15, "attendees": []int{co.Member.ID, dana.ID}, "recurrence": map[string]any{"rrule": "FREQ=DAILY;COUNT=3"},
			"reminders": []map[string]any{{"minutesBefore": 1, "channels": []string{"IN_APP", "EMAIL", "SMS"}}}}}, &made)
		env.Must(t, env.Login(t, dana.Email), `mutation($e:ID!){ respondToEvent(event:$e, response:DECLINED){ id } }`,
			map[string]any{"e": made.CreateEvent.ID}, &struct{}{})

		m, err := next(t, notices) // pushed when it fires, in about two seconds
		if err != nil || !strings.Contains(toJSON(m.Payload), `"kind":"REMINDER"`) || !strings.Contains(toJSON(m.Payload), "Stand-up") {
			t.Fatalf("the pushed reminder: %+v %v", m, err)
		}
		reminderMail := env.Mail.Wait(t, co.Member.Email, 1)[0]
		if subject := reminderMail.Header(t, "Subject"); subject != "Reminder: Stand-up" {
			t.Errorf("mail subject %q", subject)
		}
		env.Mail.Wait(t, co.Admin.Email, 1) // the organizer too
		env.Mail.Wait(t, dana.Email, 0)     // who declined, not
		for deadline := time.Now().Add(5 * time.Second); len(env.SMS.Sent()) == 0 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if texts := env.SMS.Sent(); len(texts) != 1 || texts[0].To != "+358401234567" || !strings.Contains(texts[0].Body, "Stand-up starts at") {
			t.Errorf("text messages: %+v", texts)
		}
		stored := env.DB.Client.Notification.Query().Where(notification.UserID(co.Member.ID), notification.KindEQ(notification.KindREMINDER)).CountX(testenv.As(co.Member))
		if stored != 1 {
			t.Errorf("%d in-app reminders stored, want 1", stored)
		}

		// The next day's occurrence is queued, due a minute before it starts.
		queued := env.DB.Client.Job.Query().Where(job.Kind(scheduling.KindReminderDue), job.StateEQ(job.StatePENDING)).
			AllX(viewer.NewSystemContext(t.Context(), viewer.SystemJobs))
		if len(queued) != 1 || queued[0].RunAt.Sub(start.Add(24*time.Hour-time.Minute)).Abs() > time.Second {
			t.Fatalf("queued after firing: %+v", queued)
		}
	})
}

// TestRemindersMoveWithTheMeetingAndVanishWhenCancelled.
func TestRemindersMoveWithTheMeetingAndVanishWhenCancelled(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		start := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
		var made struct{ CreateEvent struct{ ID string } }
		env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Review", "start": start,
			"durationMinutes": 30, "attendees": []int{co.Member.ID},
			"reminders": []map[string]any{{"minutesBefore": 15, "channels": []string{"IN_APP"}}, {"minutesBefore": 60, "channels": []string{"EMAIL"}}}}}, &made)
		due := func() []time.Time {
			jobs := env.DB.Client.Job.Query().Where(job.Kind(scheduling.KindReminderDue), job.StateEQ(job.StatePENDING)).
				Order(job.ByRunAt()).AllX(viewer.NewSystemContext(t.Context(), viewer.SystemJobs))
			var at []time.Time
			for _, j := range jobs {
				at = append(at, j.RunAt)
			}
			return at
		}
		if got := due(); len(got) != 2 || !got[0].Equal(start.Add(-time.Hour)) || !got[1].Equal(start.Add(-15*time.Minute)) {
			t.Fatalf("reminders of the new meeting: %v", got)
		}
		moved := start.Add(3 * time.Hour)
		env.Must(t, co.AdminToken, updateEvent, map[string]any{"id": made.CreateEvent.ID, "s": "ALL", "in": map[string]any{"start": moved}}, &struct{}{})
		if got := due(); len(got) != 2 || !got[0].Equal(moved.Add(-time.Hour)) || !got[1].Equal(moved.Add(-15*time.Minute)) {
			t.Fatalf("reminders after the move: %v", got)
		}
		env.Must(t, co.AdminToken, `mutation($id:ID!){ cancelEvent(id:$id){ id } }`, map[string]any{"id": made.CreateEvent.ID}, &struct{}{})
		if got := due(); len(got) != 0 {
			t.Fatalf("reminders after cancelling: %v", got)
		}
	})
}

// TestTwoReplicasSendEachOfAThousandRemindersOnce: two servers on one
// Postgres race over 1,000 reminders due at once; 1,000 notices are stored.
func TestTwoReplicasSendEachOfAThousandRemindersOnce(t *testing.T) {
	a := testenv.New(t, "postgres")
	b := a.Replica(t)
	co := a.NewCompany(t, "Acme")
	e := a.DB.Client.Event.Create().SetTitle("All hands").SetStartAt(time.Now().Add(time.Hour)).SetDurationMinutes(30).
		SetOrganizer(co.Admin).SetIcalUID("all-hands").SaveX(testenv.As(co.Admin))
	const n = 1000
	due := make([]jobs.New, n)
	for i := range due {
		due[i] = jobs.New{CompanyID: co.Company.ID, Kind: notify.KindReminderSend, Key: fmt.Sprintf("remind:test:%d", i),
			Payload: notify.ReminderSend{EventID: e.ID, Start: e.StartAt, MinutesBefore: 15, UserID: co.Member.ID, Channel: schematype.ReminderInApp}}
	}
	system := viewer.NewSystemContext(t.Context(), viewer.SystemJobs)
	if err := jobs.Enqueue(system, a.DB.Client, due...); err != nil {
		t.Fatal(err)
	}
	a.App.Jobs.Wake()
	b.App.Jobs.Wake()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if a.DB.Client.Job.Query().Where(job.StateNEQ(job.StateDONE)).CountX(system) == 0 {
			break
		}
	}
	stored := a.DB.Client.Notification.Query().Where(notification.UserID(co.Member.ID), notification.KindEQ(notification.KindREMINDER)).CountX(testenv.As(co.Member))
	if stored != n {
		t.Fatalf("%d reminders stored for %d due", stored, n)
	}
}
