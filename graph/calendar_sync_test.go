package graph_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/calsync"
	"github.com/convene/convene/ent/job"
	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/server/app"
	"github.com/convene/convene/viewer"
)

// connection is a calendarConnections entry.
type connection struct {
	Provider, Status string
	LastSyncAt       *time.Time
	Pulled, Pushed   int
	LastError        *string
}

const connections = `{ calendarConnections { provider status lastSyncAt pulled pushed lastError } }`

// connectCalendar lets the employee's own calendar at the provider (whose
// callback path is name) be reached, through its consent page.
func connectCalendar(t *testing.T, env *testenv.Env, token, provider, name string) {
	t.Helper()
	var got struct{ ConnectCalendar string }
	env.Must(t, token, `mutation($p:Provider!){ connectCalendar(provider:$p) }`, map[string]any{"p": provider}, &got)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(got.ConnectCalendar)
	if err != nil || res.StatusCode != http.StatusFound {
		t.Fatalf("the consent page: %v %v", res, err)
	}
	if status, body := get(t, res.Header.Get("Location")); status != http.StatusOK || !strings.Contains(body, "calendar now syncs") {
		t.Fatalf("the consent came back: %d %s", status, body)
	}
}

// syncedAfter waits until the employee's only connection has synced after
// since, and returns it.
func syncedAfter(t *testing.T, env *testenv.Env, token string, since time.Time) connection {
	t.Helper()
	var got struct{ CalendarConnections []connection }
	eventually(t, "a sync", func() bool {
		env.Must(t, token, connections, nil, &got)
		c := got.CalendarConnections
		return len(c) == 1 && (c[0].LastSyncAt != nil && c[0].LastSyncAt.After(since) || c[0].Status != "CONNECTED")
	})
	return got.CalendarConnections[0]
}

// myEvents are the titles in the employee's calendar this month and next.
func myEvents(t *testing.T, env *testenv.Env, token string, userID int) []string {
	t.Helper()
	var got struct {
		Events []struct{ Event struct{ Title, Kind string } }
	}
	env.Must(t, token, `query($u:[ID!]){ events(from:"2026-11-01T00:00:00Z", to:"2027-01-01T00:00:00Z", users:$u){ event { title kind } } }`,
		map[string]any{"u": []int{userID}}, &got)
	var titles []string
	for _, o := range got.Events {
		titles = append(titles, o.Event.Title+"/"+o.Event.Kind)
	}
	slices.Sort(titles)
	return titles
}

func googleTimed(at time.Time, minutes int) map[string]any {
	return map[string]any{
		"start": map[string]any{"dateTime": at.Format(time.RFC3339), "timeZone": "Asia/Ho_Chi_Minh"},
		"end":   map[string]any{"dateTime": at.Add(time.Duration(minutes) * time.Minute).Format(time.RFC3339), "timeZone": "Asia/Ho_Chi_Minh"},
	}
}

func withFields(base map[string]any, fields map[string]any) map[string]any {
	for k, v := range fields {
		base[k] = v
	}
	return base
}

// TestAGoogleCalendarComesIntoConvene: an employee connects their own
// Google calendar; its events, a page at a time, become theirs in Convene
// (a meeting when it has guests); a run with no change changes nothing; a
// move and a cancel there come here; an expired sync token brings a full
// listing and no duplicate; a withdrawn consent turns the connection
// NEEDS_AUTH and tells the employee.
func TestAGoogleCalendarComesIntoConvene(t *testing.T) {
	testenv.ForEachDB(t, googleCalendarComesIntoConvene)
}

func googleCalendarComesIntoConvene(t *testing.T, env *testenv.Env) {
	co := env.NewCompany(t, "Acme")
	downProviders[0].connect(t, env, co) // the company's Google app
	env.Google.PageSize = 2
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	mine := co.Member.Email
	standup := env.Google.Put(mine, withFields(googleTimed(day, 15), map[string]any{"summary": "Standup"}))
	lunch := env.Google.Put(mine, withFields(googleTimed(day.Add(3*time.Hour), 60), map[string]any{"summary": "Lunch with a client",
		"attendees": []map[string]any{{"email": "Client@Customer.test"}, {"email": mine, "self": true}}}))
	env.Google.Put(mine, map[string]any{"summary": "Dentist", "start": map[string]any{"date": "2026-12-02"}, "end": map[string]any{"date": "2026-12-03"}})
	env.Google.Cancel(env.Google.Put(mine, withFields(googleTimed(day, 30), map[string]any{"summary": "Long gone"})))
	env.Google.Put("someone-else@acme.test", withFields(googleTimed(day, 30), map[string]any{"summary": "Not mine"}))

	if res := env.Query(t, co.MemberToken, `mutation{ connectCalendar(provider:ZOOM) }`, nil); res.Field() != "provider" {
		t.Errorf("connecting a Zoom calendar: %+v", res.Errors)
	}
	start := time.Now()
	connectCalendar(t, env, co.MemberToken, "GOOGLE", "google")
	first := syncedAfter(t, env, co.MemberToken, start)
	if first.Status != "CONNECTED" || first.Pulled != 3 || first.LastError != nil {
		t.Fatalf("the first sync: %+v", first)
	}
	want := []string{"Dentist/PERSONAL", "Lunch with a client/MEETING", "Standup/PERSONAL"}
	if got := myEvents(t, env, co.MemberToken, co.Member.ID); !slices.Equal(got, want) {
		t.Errorf("after the first sync: %v", got)
	}
	if lists := env.Google.Lists(); lists < 2 {
		t.Errorf("four events in pages of two took %d listings", lists)
	}

	again := syncNow(t, env, co.MemberToken)
	if again.Pulled != 0 || !slices.Equal(myEvents(t, env, co.MemberToken, co.Member.ID), want) {
		t.Errorf("a run with nothing new: %+v", again)
	}

	env.Google.Edit(standup, googleTimed(day.Add(30*time.Minute), 15))
	env.Google.Cancel(lunch)
	moved := syncNow(t, env, co.MemberToken)
	if moved.Pulled != 2 {
		t.Errorf("a move and a cancel: %+v", moved)
	}
	var busy struct{ Events []struct{ Start time.Time } }
	env.Must(t, co.MemberToken, `query($u:[ID!]){ events(from:"2026-12-01T00:00:00Z", to:"2026-12-02T00:00:00Z", users:$u){ start } }`,
		map[string]any{"u": []int{co.Member.ID}}, &busy)
	if len(busy.Events) != 1 || !busy.Events[0].Start.Equal(day.Add(30*time.Minute)) {
		t.Errorf("the moved standup, and no lunch: %+v", busy.Events)
	}

	env.Google.ExpireSyncTokens()
	full := syncNow(t, env, co.MemberToken)
	if full.Status != "CONNECTED" || full.Pulled != 0 || len(myEvents(t, env, co.MemberToken, co.Member.ID)) != 2 {
		t.Errorf("a full listing after the token expired: %+v, %v", full, myEvents(t, env, co.MemberToken, co.Member.ID))
	}

	notices := subscribe(t, env, co.MemberToken, "n", `subscription{ notificationAdded{ kind title } }`, nil)
	time.Sleep(100 * time.Millisecond)
	env.Google.Revoke()
	env.Must(t, co.MemberToken, `mutation{ syncCalendar(provider:GOOGLE){ status } }`, nil, &struct{}{})
	var lost struct{ CalendarConnections []connection }
	eventually(t, "the connection needs consent", func() bool {
		hurryJobs(t, env, co)
		env.Must(t, co.MemberToken, connections, nil, &lost)
		return lost.CalendarConnections[0].Status == "NEEDS_AUTH"
	})
	if c := lost.CalendarConnections[0]; c.LastError == nil || !strings.Contains(*c.LastError, "consent") {
		t.Errorf("a lost consent: %+v", c)
	}
	if got := awaitNext(t, notices); !strings.Contains(got, "CONNECTION_NEEDS_AUTH") || !strings.Contains(got, "Your GOOGLE calendar") {
		t.Errorf("the employee was told: %s", got)
	}
}

// syncNow presses the Sync button and waits for the run.
func syncNow(t *testing.T, env *testenv.Env, token string) connection {
	t.Helper()
	since := time.Now()
	env.Must(t, token, `mutation{ syncCalendar(provider:GOOGLE){ status } }`, nil, &struct{}{})
	return syncedAfter(t, env, token, since)
}

// hurryJobs runs the company's waiting calendar syncs now, not after their
// backoff.
func hurryJobs(t *testing.T, env *testenv.Env, co *testenv.Company) {
	t.Helper()
	system := viewer.NewSystemContext(testenv.As(co.Admin), viewer.SystemJobs)
	env.DB.Client.Job.Update().Where(job.Kind(calsync.KindSync), job.StateEQ(job.StatePENDING)).SetRunAt(time.Now().UTC()).ExecX(system)
	env.App.Jobs.Wake()
}

// TestACalendarSyncsOnItsOwn: with no Sync button pressed, a change in the
// remote calendar arrives by the next scheduled round.
func TestACalendarSyncsOnItsOwn(t *testing.T) {
	env := testenv.New(t, "sqlite3", func(o *app.Options) { o.CalendarSyncInterval = 100 * time.Millisecond })
	co := env.NewCompany(t, "Acme")
	downProviders[0].connect(t, env, co)
	connectCalendar(t, env, co.MemberToken, "GOOGLE", "google")
	syncedAfter(t, env, co.MemberToken, time.Time{})
	env.Google.Put(co.Member.Email, withFields(googleTimed(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), 30), map[string]any{"summary": "Made in Google"}))
	eventually(t, "the scheduled round", func() bool {
		return slices.Equal(myEvents(t, env, co.MemberToken, co.Member.ID), []string{"Made in Google/PERSONAL"})
	})
}
