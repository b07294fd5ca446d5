package graph_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/conferencing"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/conference"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/job"
	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/jobs"
	"github.com/convene/convene/viewer"
)

// TestAZoomMeetingGetsItsLinkAfterItIsSaved: createEvent answers at once
// with the conference PENDING, even while Zoom fails; the link arrives by
// subscription, in the channel post and in an updated invitation, and
// Zoom holds exactly one meeting.
func TestAZoomMeetingGetsItsLinkAfterItIsSaved(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	env.Must(t, co.AdminToken, `mutation($in:ConfigureZoomInput!){ configureZoom(input:$in){ id } }`, map[string]any{"in": map[string]any{
		"accountId": testenv.ZoomAccountID, "clientId": testenv.ZoomClientID, "clientSecret": testenv.ZoomClientSecret}}, &struct{}{})
	var ch struct{ CreateChannel struct{ ID string } }
	env.Must(t, co.AdminToken, `mutation($m:[ID!]){ createChannel(input:{name:"team", members:$m}){ id } }`, map[string]any{"m": []int{co.Member.ID}}, &ch)
	changes := subscribe(t, env, co.MemberToken, "1", `subscription{ eventChanged{ kind event { conference { state joinURL password } } } }`, nil)
	posts := subscribe(t, env, co.MemberToken, "2", `subscription($c:ID!){ channelPostUpdated(channel:$c){ body } }`, map[string]any{"c": ch.CreateChannel.ID})
	time.Sleep(100 * time.Millisecond)

	env.Zoom.FailNext(http.StatusServiceUnavailable, "") // Zoom is down for the first try
	var made struct {
		CreateEvent struct {
			ID         string
			Conference struct{ State string }
		}
	}
	env.Must(t, co.AdminToken, `mutation($in:CreateEventInput!){ createEvent(input:$in){ id conference { state } } }`, map[string]any{"in": map[string]any{
		"title": "Launch", "start": time.Now().Add(24 * time.Hour), "durationMinutes": 30, "provider": "ZOOM",
		"channel": ch.CreateChannel.ID, "sendInvitations": true, "timeZone": "Europe/Helsinki"}}, &made)
	if made.CreateEvent.Conference.State != "PENDING" {
		t.Fatalf("createEvent answered with the conference %s", made.CreateEvent.Conference.State)
	}

	var ready string
	for ready == "" {
		m, err := next(t, changes)
		if err != nil {
			t.Fatalf("waiting for the link: %v", err)
		}
		if payload := toJSON(m.Payload); strings.Contains(payload, `"kind":"CONFERENCE_READY"`) {
			ready = payload
		}
	}
	if !strings.Contains(ready, `"state":"READY"`) || !strings.Contains(ready, `"joinURL":"https://zoom.us/j/`) ||
		!regexpMatch(`"password":"\d{8}"`, ready) {
		t.Fatalf("the ready conference: %s", ready)
	}
	if m, err := next(t, posts); err != nil || !strings.Contains(toJSON(m.Payload), "https://zoom.us/j/") {
		t.Fatalf("the channel post: %+v %v", m, err)
	}
	mails := env.Mail.Wait(t, co.Member.Email, 2) // the invitation, then the update with the link
	if text, _ := mails[1].Part(t, "text/plain"); !strings.Contains(text, "Join: https://zoom.us/j/") || !strings.Contains(text, "Password: ") {
		t.Errorf("the updated invitation: %q", text)
	}
	if n := env.Zoom.Meetings(); n != 1 {
		t.Errorf("Zoom holds %d meetings, want 1", n)
	}

	// Moving the meeting moves Zoom's; cancelling it deletes Zoom's.
	conf := env.DB.Client.Conference.Query().OnlyX(testenv.As(co.Admin))
	zoomID, _ := strconv.ParseInt(conf.ExternalID, 10, 64)
	moved := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	env.Must(t, co.AdminToken, updateEvent, map[string]any{"id": made.CreateEvent.ID, "s": "ALL",
		"in": map[string]any{"title": "Launch, moved", "start": moved}}, &struct{}{})
	eventually(t, "Zoom's meeting moved", func() bool {
		topic, start, _ := env.Zoom.Meeting(zoomID)
		return topic == "Launch, moved" && start == moved.In(helsinki(t)).Format("2006-01-02T15:04:05")
	})
	env.Must(t, co.AdminToken, `mutation($id:ID!){ cancelEvent(id:$id){ id } }`, map[string]any{"id": made.CreateEvent.ID}, &struct{}{})
	eventually(t, "Zoom's meeting deleted", func() bool {
		return env.Zoom.Meetings() == 0 && env.DB.Client.Conference.GetX(testenv.As(co.Admin), conf.ID).State == conference.StateREMOVED
	})
}

// eventually waits up to ten seconds for done, failing the test after.
func eventually(t testing.TB, what string, done func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !done(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within ten seconds", what)
		}
	}
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// TestAFailedConferenceIsRetriedAndALinkRemoved: a Zoom app with a wrong
// secret leaves the conference FAILED with Zoom's words; fixed and retried,
// the link comes; removed, Zoom's meeting goes and the meeting goes on.
func TestAFailedConferenceIsRetriedAndALinkRemoved(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	configure := func(secret string) {
		env.Must(t, co.AdminToken, `mutation($in:ConfigureZoomInput!){ configureZoom(input:$in){ id } }`, map[string]any{"in": map[string]any{
			"accountId": testenv.ZoomAccountID, "clientId": testenv.ZoomClientID, "clientSecret": secret}}, &struct{}{})
	}
	configure("wrong")
	var made struct{ CreateEvent struct{ ID string } }
	env.Must(t, co.AdminToken, `mutation($in:CreateEventInput!){ createEvent(input:$in){ id } }`, map[string]any{"in": map[string]any{
		"title": "Sync", "start": time.Now().Add(24 * time.Hour), "durationMinutes": 30, "kind": "ONLINE_MEETING", "provider": "ZOOM",
		"attendees": []int{co.Member.ID}, "sendInvitations": true}}, &made)
	conf := func() *ent.Conference { return env.DB.Client.Conference.Query().OnlyX(testenv.As(co.Admin)) }
	eventually(t, "the conference failed", func() bool { return conf().State == conference.StateFAILED })
	if !strings.Contains(conf().LastError, "Invalid client_id or client_secret") {
		t.Errorf("the failure says %q", conf().LastError)
	}
	var told struct {
		Notifications struct {
			Edges []struct {
				Node struct{ Kind, Title, Body string }
			}
		}
	}
	env.Must(t, co.AdminToken, `{ notifications(first:5){ edges { node { kind title body } } } }`, nil, &told)
	if n := told.Notifications.Edges; len(n) != 1 || n[0].Node.Kind != "CONFERENCE_FAILED" || !strings.Contains(n[0].Node.Body, "Invalid client_id") ||
		!strings.Contains(n[0].Node.Title, "Sync") {
		t.Errorf("the organizer was told %+v", n)
	}
	const retry = `mutation($e:ID!){ retryConference(event:$e){ id } }`
	if res := env.Query(t, co.MemberToken, retry, map[string]any{"e": made.CreateEvent.ID}); res.Code() != "FORBIDDEN" {
		t.Errorf("an attendee retried it: %+v", res.Errors)
	}
	configure(testenv.ZoomClientSecret)
	env.Must(t, co.AdminToken, retry, map[string]any{"e": made.CreateEvent.ID}, &struct{}{})
	eventually(t, "the retried conference is ready", func() bool { return conf().State == conference.StateREADY })
	if res := env.Query(t, co.AdminToken, retry, map[string]any{"e": made.CreateEvent.ID}); res.Field() != "event" {
		t.Errorf("retrying a ready conference: %+v", res.Errors)
	}

	// The update with the link goes out before the link is taken away: a
	// mail whose meeting changed again before it was sent is superseded.
	env.Mail.Wait(t, co.Member.Email, 2)
	var removed struct{ RemoveConference struct{ Kind string } }
	env.Must(t, co.AdminToken, `mutation($e:ID!){ removeConference(event:$e){ kind } }`, map[string]any{"e": made.CreateEvent.ID}, &removed)
	if removed.RemoveConference.Kind != "MEETING" || conf().State != conference.StateREMOVED {
		t.Fatalf("after removing the link: %+v, conference %s", removed, conf().State)
	}
	eventually(t, "Zoom's meeting deleted", func() bool { return env.Zoom.Meetings() == 0 })
	mails := env.Mail.Wait(t, co.Member.Email, 3) // invitation, update with the link, update without it
	if text, _ := mails[2].Part(t, "text/plain"); strings.Contains(text, "zoom.us") {
		t.Errorf("the last update still shows the link: %q", text)
	}
}

// TestARetriedZoomCreateFindsTheMeetingItMade: a worker that made the Zoom
// meeting and recorded its id, then died before marking the conference
// ready, leaves a retry that reads that meeting instead of making a second.
func TestARetriedZoomCreateFindsTheMeetingItMade(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	env.Must(t, co.AdminToken, `mutation($in:ConfigureZoomInput!){ configureZoom(input:$in){ id } }`, map[string]any{"in": map[string]any{
		"accountId": testenv.ZoomAccountID, "clientId": testenv.ZoomClientID, "clientSecret": testenv.ZoomClientSecret}}, &struct{}{})
	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Once", "start": time.Now().Add(time.Hour),
		"durationMinutes": 30, "kind": "ONLINE_MEETING", "provider": "ZOOM", "attendees": []int{}}}, &struct{}{})
	ctx := testenv.As(co.Admin)
	conf := func() *ent.Conference { return env.DB.Client.Conference.Query().OnlyX(ctx) }
	eventually(t, "the conference is ready", func() bool { return conf().State == conference.StateREADY })
	first := conf()

	// As the dead worker left it: the id recorded, the conference pending.
	crashed := env.DB.Client.Conference.UpdateOne(first).SetState(conference.StatePENDING).SetJoinURL("").SaveX(ctx)
	if err := jobs.Enqueue(ctx, env.DB.Client, conferencing.CreateJob(crashed)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the retry made it ready", func() bool { return conf().State == conference.StateREADY })
	if again := conf(); again.ExternalID != first.ExternalID || again.JoinURL != first.JoinURL || env.Zoom.Meetings() != 1 {
		t.Fatalf("after the retry: meeting %s (was %s), link %q, %d meetings at Zoom", again.ExternalID, first.ExternalID, again.JoinURL, env.Zoom.Meetings())
	}
}

// TestInvitationsCanWaitForTheLink: in a company that holds invitations
// back until the link is there, attendees get one invitation, with the
// link; when the link cannot be made, one invitation without it.
func TestInvitationsCanWaitForTheLink(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	env.Must(t, co.AdminToken, `mutation{ updateCompany(input:{invitationsWaitForLink:true}){ invitationsWaitForLink } }`, nil, &struct{}{})
	configure := func(secret string) {
		env.Must(t, co.AdminToken, `mutation($in:ConfigureZoomInput!){ configureZoom(input:$in){ id } }`, map[string]any{"in": map[string]any{
			"accountId": testenv.ZoomAccountID, "clientId": testenv.ZoomClientID, "clientSecret": secret}}, &struct{}{})
	}
	meeting := func(title string) {
		env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": title, "start": time.Now().Add(24 * time.Hour),
			"durationMinutes": 30, "kind": "ONLINE_MEETING", "provider": "ZOOM", "attendees": []int{co.Member.ID}, "sendInvitations": true}}, &struct{}{})
	}
	configure(testenv.ZoomClientSecret)
	env.Zoom.FailNext(http.StatusServiceUnavailable, "") // the link comes on the second try
	meeting("Linked")
	mails := env.Mail.Wait(t, co.Member.Email, 1)
	if text, _ := mails[0].Part(t, "text/plain"); !strings.Contains(text, "https://zoom.us/j/") {
		t.Fatalf("the one invitation has no link: %q", text)
	}

	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, m := range env.Mail.To(co.Member.Email) {
			text, _ := m.Part(t, "text/plain")
			t.Logf("%s | %.300q", m.Header(t, "Subject"), text)
		}
	})
	configure("wrong")
	meeting("Unlinked")
	mails = env.Mail.Wait(t, co.Member.Email, 2)
	if text, _ := mails[1].Part(t, "text/plain"); !strings.Contains(text, "Unlinked") || strings.Contains(text, "zoom.us") {
		t.Fatalf("the invitation after the link failed: %q", text)
	}
	time.Sleep(500 * time.Millisecond) // nothing more is on its way
	if got := env.Mail.To(co.Member.Email); len(got) != 2 {
		t.Fatalf("%d mails, want one per meeting", len(got))
	}
}

// TestZoomSeriesBecomeRecurringMeetings: a rule Zoom can say becomes a
// recurring meeting with a fixed time (type 8) and Zoom's own rule; any
// other (here, one Zoom's daily interval cannot say) a meeting (type 2)
// for its coming occurrence.
func TestZoomSeriesBecomeRecurringMeetings(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	env.Must(t, co.AdminToken, `mutation($in:ConfigureZoomInput!){ configureZoom(input:$in){ id } }`, map[string]any{"in": map[string]any{
		"accountId": testenv.ZoomAccountID, "clientId": testenv.ZoomClientID, "clientSecret": testenv.ZoomClientSecret}}, &struct{}{})
	for rule, want := range map[string]struct {
		kind       int
		recurrence string
	}{
		"FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6":                {8, `{"type":2,"repeat_interval":1,"weekly_days":"2,4","monthly_day":0,"monthly_week":0,"monthly_week_day":0,"end_times":6,"end_date_time":""}`},
		"FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271231T000000Z": {8, `{"type":3,"repeat_interval":1,"weekly_days":null,"monthly_day":0,"monthly_week":-1,"monthly_week_day":6,"end_times":0,"end_date_time":"2027-12-31T00:00:00Z"}`},
		"FREQ=DAILY;INTERVAL=100;COUNT=3":                {2, ""},
	} {
		var made struct{ CreateEvent struct{ ID string } }
		env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": rule, "start": time.Now().Add(24 * time.Hour),
			"durationMinutes": 30, "kind": "ONLINE_MEETING", "provider": "ZOOM", "attendees": []int{}, "recurrence": map[string]any{"rrule": rule}}}, &made)
		var c *ent.Conference
		eventually(t, rule, func() bool {
			c = env.DB.Client.Conference.Query().Where(conference.HasEventWith(event.Title(rule))).OnlyX(testenv.As(co.Admin))
			return c.State == conference.StateREADY
		})
		id, _ := strconv.ParseInt(c.ExternalID, 10, 64)
		if kind, recurrence := env.Zoom.Recurrence(id); kind != want.kind || recurrence != want.recurrence {
			t.Errorf("%s: type %d %s, want type %d %s", rule, kind, recurrence, want.kind, want.recurrence)
		}
	}
}

// TestZoomSeriesZoomCannotSayRollOnOneMeeting: an endless weekly series,
// which Zoom would end after one time, keeps one Zoom meeting, with one
// link, scheduled for its coming occurrence and moved on once that ends.
func TestZoomSeriesZoomCannotSayRollOnOneMeeting(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	env.Must(t, co.AdminToken, `mutation($in:ConfigureZoomInput!){ configureZoom(input:$in){ id } }`, map[string]any{"in": map[string]any{
		"accountId": testenv.ZoomAccountID, "clientId": testenv.ZoomClientID, "clientSecret": testenv.ZoomClientSecret}}, &struct{}{})
	first := time.Now().Add(3 * time.Hour).Truncate(time.Minute)
	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Weekly", "start": first, "timeZone": "Asia/Ho_Chi_Minh",
		"durationMinutes": 30, "kind": "ONLINE_MEETING", "provider": "ZOOM", "attendees": []int{}, "recurrence": map[string]any{"rrule": "FREQ=WEEKLY"}}}, &struct{}{})
	ctx := testenv.As(co.Admin)
	conf := func() *ent.Conference { return env.DB.Client.Conference.Query().OnlyX(ctx) }
	eventually(t, "the Zoom meeting", func() bool { return conf().State == conference.StateREADY })
	c := conf()
	id, _ := strconv.ParseInt(c.ExternalID, 10, 64)
	saigon, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	scheduledFor := func(at time.Time) bool {
		_, start, ok := env.Zoom.Meeting(id)
		kind, _ := env.Zoom.Recurrence(id)
		return ok && kind == 2 && start == at.In(saigon).Format("2006-01-02T15:04:05")
	}
	system := viewer.NewSystemContext(ctx, viewer.SystemJobs)
	advanceAt := func(at time.Time) bool {
		waiting := env.DB.Client.Job.Query().Where(job.Kind(conferencing.KindAdvance), job.StateEQ(job.StatePENDING)).AllX(system)
		return len(waiting) == 1 && waiting[0].RunAt.Equal(at)
	}
	if !scheduledFor(first) || !advanceAt(first.Add(30*time.Minute)) {
		t.Fatalf("not scheduled for the coming occurrence %v, to move on when it ends", first)
	}

	// As if thirteen days had passed: the coming occurrence is tomorrow's.
	env.DB.Client.Event.UpdateOneID(c.EventID).SetStartAt(first.Add(-13 * 24 * time.Hour)).ExecX(ctx)
	env.DB.Client.Job.Update().Where(job.Kind(conferencing.KindAdvance)).SetRunAt(time.Now().UTC()).ExecX(system)
	coming := first.Add(24 * time.Hour)
	eventually(t, "the meeting moved on", func() bool { return scheduledFor(coming) })
	eventually(t, "the next job to move on", func() bool { return advanceAt(coming.Add(30 * time.Minute)) })
	if moved := conf(); env.Zoom.Meetings() != 1 || moved.JoinURL != c.JoinURL {
		t.Errorf("%d meetings at Zoom, link %q then %q: want one meeting and one link", env.Zoom.Meetings(), c.JoinURL, moved.JoinURL)
	}
}
