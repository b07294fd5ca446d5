package graph_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/calsync"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/job"
	"github.com/convene/convene/ent/user"
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
func connectCalendar(t testing.TB, env *testenv.Env, token, provider, name string) {
	t.Helper()
	var got struct{ ConnectCalendar string }
	env.Must(t, token, `mutation($p:Provider!){ connectCalendar(provider:$p) }`, map[string]any{"p": provider}, &got)
	followConsent(t, got.ConnectCalendar)
}

// followConsent goes through a calendar's consent page, allowing.
func followConsent(t testing.TB, consent string) {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(consent)
	if err != nil || res.StatusCode != http.StatusFound {
		t.Fatalf("the consent page: %v %v", res, err)
	}
	if status, body := get(t, res.Header.Get("Location")); status != http.StatusOK || !strings.Contains(body, "calendar now syncs") {
		t.Fatalf("the consent came back: %d %s", status, body)
	}
}

// syncedAfter waits until the employee's connection to provider has synced
// after since, and returns it.
func syncedAfter(t testing.TB, env *testenv.Env, token, provider string, since time.Time) connection {
	t.Helper()
	var found connection
	eventually(t, "a sync", func() bool {
		var got struct{ CalendarConnections []connection }
		env.Must(t, token, connections, nil, &got)
		for _, c := range got.CalendarConnections {
			if c.Provider == provider {
				found = c
				return c.LastSyncAt != nil && c.LastSyncAt.After(since) || c.Status != "CONNECTED"
			}
		}
		return false
	})
	return found
}

// myEvents are the titles and kinds in the employee's calendar in
// November and December 2026.
func myEvents(t testing.TB, env *testenv.Env, token string, userID int) []string {
	t.Helper()
	return myEventsBetween(t, env, token, userID, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
}

// myEventsBetween are the titles and kinds in the employee's calendar
// between from and to.
func myEventsBetween(t testing.TB, env *testenv.Env, token string, userID int, from, to time.Time) []string {
	t.Helper()
	var got struct {
		Events []struct{ Event struct{ Title, Kind string } }
	}
	env.Must(t, token, `query($u:[ID!], $f:Time!, $t:Time!){ events(from:$f, to:$t, users:$u){ event { title kind } } }`,
		map[string]any{"u": []int{userID}, "f": from, "t": to}, &got)
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
		"attendees": []map[string]any{{"email": "Client@Customer.test", "responseStatus": "accepted"}, {"email": mine, "self": true}}}))
	env.Google.Put(mine, map[string]any{"summary": "Dentist", "start": map[string]any{"date": "2026-12-02"}, "end": map[string]any{"date": "2026-12-03"}})
	env.Google.Cancel(env.Google.Put(mine, withFields(googleTimed(day, 30), map[string]any{"summary": "Long gone"})))
	env.Google.Put("someone-else@acme.test", withFields(googleTimed(day, 30), map[string]any{"summary": "Not mine"}))

	if res := env.Query(t, co.MemberToken, `mutation{ connectCalendar(provider:ZOOM) }`, nil); res.Field() != "provider" {
		t.Errorf("connecting a Zoom calendar: %+v", res.Errors)
	}
	start := time.Now()
	connectCalendar(t, env, co.MemberToken, "GOOGLE", "google")
	first := syncedAfter(t, env, co.MemberToken, "GOOGLE", start)
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

	guestAnswer := func() string {
		var got struct {
			Events []struct {
				Event struct {
					Title     string
					Attendees []struct{ Email, Response string }
				}
			}
		}
		env.Must(t, co.MemberToken, `query($u:[ID!]){ events(from:"2026-12-01T00:00:00Z", to:"2026-12-02T00:00:00Z", users:$u){ event { title attendees { email response } } } }`,
			map[string]any{"u": []int{co.Member.ID}}, &got)
		for _, o := range got.Events {
			for _, a := range o.Event.Attendees {
				if a.Email == "client@customer.test" {
					return a.Response
				}
			}
		}
		return "none"
	}
	if got := guestAnswer(); got != "ACCEPTED" {
		t.Errorf("the guest's answer: %s", got)
	}
	again := syncNow(t, env, co.MemberToken)
	if again.Pulled != 0 || !slices.Equal(myEvents(t, env, co.MemberToken, co.Member.ID), want) {
		t.Errorf("a run with nothing new: %+v", again)
	}

	env.Google.Edit(lunch, map[string]any{"attendees": []map[string]any{{"email": "Client@Customer.test", "responseStatus": "declined"},
		{"email": mine, "self": true}}})
	syncNow(t, env, co.MemberToken)
	if got := guestAnswer(); got != "DECLINED" {
		t.Errorf("the guest's answer after they declined there: %s", got)
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

// syncNow presses the Sync button of the employee's calendar at provider
// (GOOGLE if none is named) and waits for the run.
func syncNow(t testing.TB, env *testenv.Env, token string, provider ...string) connection {
	t.Helper()
	p := append(provider, "GOOGLE")[0]
	since := time.Now()
	env.Must(t, token, `mutation($p:Provider!){ syncCalendar(provider:$p){ status } }`, map[string]any{"p": p}, &struct{}{})
	return syncedAfter(t, env, token, p, since)
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
	syncedAfter(t, env, co.MemberToken, "GOOGLE", time.Time{})
	env.Google.Put(co.Member.Email, withFields(googleTimed(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), 30), map[string]any{"summary": "Made in Google"}))
	eventually(t, "the scheduled round", func() bool {
		return slices.Equal(myEvents(t, env, co.MemberToken, co.Member.ID), []string{"Made in Google/PERSONAL"})
	})
}

func outlookTimed(at time.Time, minutes int) map[string]any {
	const graphTime = "2006-01-02T15:04:05.0000000"
	return map[string]any{
		"start": map[string]any{"dateTime": at.UTC().Format(graphTime), "timeZone": "UTC"},
		"end":   map[string]any{"dateTime": at.Add(time.Duration(minutes) * time.Minute).UTC().Format(graphTime), "timeZone": "UTC"},
	}
}

// TestAnOutlookCalendarComesIntoConvene: as the Google test, through
// Graph's delta query on a calendar view: pages by nextLink, the next round
// by deltaLink, removals as "@removed", and an expired delta token
// (syncStateNotFound) bringing the window again with no duplicate.
func TestAnOutlookCalendarComesIntoConvene(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	downProviders[1].connect(t, env, co) // the company's Microsoft app
	env.Microsoft.PageSize = 2
	day := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	mine := co.Member.Email
	review := env.Microsoft.Put(mine, withFields(outlookTimed(day, 30), map[string]any{"subject": "Design review",
		"attendees": []map[string]any{{"emailAddress": map[string]any{"address": "partner@customer.test"}, "type": "required"}}}))
	focus := env.Microsoft.Put(mine, withFields(outlookTimed(day.Add(2*time.Hour), 90), map[string]any{"subject": "Focus time"}))
	env.Microsoft.Put(mine, withFields(outlookTimed(day.Add(4*time.Hour), 15), map[string]any{"subject": "Call the bank"}))
	env.Microsoft.Put(mine, withFields(outlookTimed(day.Add(800*24*time.Hour), 15), map[string]any{"subject": "Beyond the window"}))

	start := time.Now()
	connectCalendar(t, env, co.MemberToken, "MICROSOFT", "microsoft")
	if first := syncedAfter(t, env, co.MemberToken, "MICROSOFT", start); first.Status != "CONNECTED" || first.Pulled != 3 {
		t.Fatalf("the first sync: %+v", first)
	}
	kinds := map[string]string{}
	for _, e := range myEventsBetween(t, env, co.MemberToken, co.Member.ID, day.Add(-time.Hour), day.Add(24*time.Hour)) {
		title, kind, _ := strings.Cut(e, "/")
		kinds[title] = kind
	}
	if len(kinds) != 3 || kinds["Design review"] != "MEETING" || kinds["Focus time"] != "PERSONAL" {
		t.Errorf("after the first sync: %v", kinds)
	}

	env.Microsoft.Edit(review, map[string]any{"subject": "Design review (moved)"})
	env.Microsoft.Delete(focus)
	if changed := syncNow(t, env, co.MemberToken, "MICROSOFT"); changed.Pulled != 2 {
		t.Errorf("an edit and a delete: %+v", changed)
	}
	env.Microsoft.ExpireDeltaTokens()
	full := syncNow(t, env, co.MemberToken, "MICROSOFT")
	got := myEventsBetween(t, env, co.MemberToken, co.Member.ID, day.Add(-time.Hour), day.Add(24*time.Hour))
	if full.Status != "CONNECTED" || full.Pulled != 0 || !slices.Equal(got, []string{"Call the bank/PERSONAL", "Design review (moved)/MEETING"}) {
		t.Errorf("a full round after the delta token expired: %+v, %v", full, got)
	}
}

// TestTheSameMeetingFromGoogleAndOutlookIsOne: a meeting in both of an
// employee's calendars (one iCalUID) is one event in Convene, which stays
// while it is in either.
func TestTheSameMeetingFromGoogleAndOutlookIsOne(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	downProviders[0].connect(t, env, co)
	downProviders[1].connect(t, env, co)
	day := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	const uid = "040000008200E00074C5B7101A82E00800000000shared"
	inGoogle := env.Google.Put(co.Member.Email, withFields(googleTimed(day, 30), map[string]any{"summary": "Quarterly plan", "iCalUID": uid}))
	env.Microsoft.Put(co.Member.Email, withFields(outlookTimed(day, 30), map[string]any{"subject": "Quarterly plan", "iCalUId": uid}))
	start := time.Now()
	connectCalendar(t, env, co.MemberToken, "GOOGLE", "google")
	syncedAfter(t, env, co.MemberToken, "GOOGLE", start)
	connectCalendar(t, env, co.MemberToken, "MICROSOFT", "microsoft")
	syncedAfter(t, env, co.MemberToken, "MICROSOFT", start)
	if got := myEventsBetween(t, env, co.MemberToken, co.Member.ID, day.Add(-time.Hour), day.Add(time.Hour)); !slices.Equal(got, []string{"Quarterly plan/PERSONAL"}) {
		t.Errorf("one meeting in two calendars: %v", got)
	}
	env.Google.Cancel(inGoogle) // gone from one calendar, still in the other
	syncNow(t, env, co.MemberToken, "GOOGLE")
	if got := myEventsBetween(t, env, co.MemberToken, co.Member.ID, day.Add(-time.Hour), day.Add(time.Hour)); !slices.Equal(got, []string{"Quarterly plan/PERSONAL"}) {
		t.Errorf("still in Outlook: %v", got)
	}
}

// TestASyncThatStopsResumesWhereItStopped: Google answers the second page
// of a first listing with 429 (Retry-After) and then 503; the run is
// retried from that page, not from the start, and ends with every event
// once.
func TestASyncThatStopsResumesWhereItStopped(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	downProviders[0].connect(t, env, co)
	env.Google.PageSize = 2
	day := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for i := range 5 {
		env.Google.Put(co.Member.Email, withFields(googleTimed(day.Add(time.Duration(i)*time.Hour), 30), map[string]any{"summary": fmt.Sprint("Slot ", i)}))
	}
	env.Google.FailNext(0, http.StatusTooManyRequests, http.StatusServiceUnavailable)
	connectCalendar(t, env, co.MemberToken, "GOOGLE", "google")
	var state connection
	eventually(t, "the run resumed and finished", func() bool {
		hurryJobs(t, env, co)
		var got struct{ CalendarConnections []connection }
		env.Must(t, co.MemberToken, connections, nil, &got)
		state = got.CalendarConnections[0]
		return state.LastSyncAt != nil
	})
	if got := myEvents(t, env, co.MemberToken, co.Member.ID); len(got) != 5 || state.Status != "CONNECTED" || state.LastError != nil {
		t.Errorf("after the trouble: %+v, %v", state, got)
	}
	// Served listings: page 1, then (after page 2 was refused twice) pages 2
	// and 3. A run that started over would have listed page 1 again.
	if lists := env.Google.Lists(); lists != 3 {
		t.Errorf("%d listings served: the run started over", lists)
	}
}

// calendarHolder is a provider's side of the push test: where employees'
// copies are, and how they read.
type calendarHolder struct {
	provider, callback string
	app                int // in downProviders
	copies             func(env *testenv.Env, email string) []map[string]any
	title              string // the field a copy's title is in
	start              func(copy map[string]any) time.Time
	// agenda is what the employee sees there, as "2006-01-02 15:04 title".
	agenda func(env *testenv.Env, email string, from, to time.Time) []string
}

var calendarHolders = []calendarHolder{{
	provider: "GOOGLE", callback: "google", app: 0, title: "summary",
	copies: func(env *testenv.Env, email string) []map[string]any { return env.Google.Of(email) },
	agenda: func(env *testenv.Env, email string, from, to time.Time) []string {
		return env.Google.Agenda(email, from, to)
	},
	start: func(c map[string]any) time.Time {
		at, _ := time.Parse(time.RFC3339, fmt.Sprint(c["start"].(map[string]any)["dateTime"]))
		return at
	},
}, {
	provider: "MICROSOFT", callback: "microsoft", app: 1, title: "subject",
	copies: func(env *testenv.Env, email string) []map[string]any { return env.Microsoft.Of(email) },
	agenda: func(env *testenv.Env, email string, from, to time.Time) []string {
		return env.Microsoft.Agenda(email, from, to)
	},
	start: func(c map[string]any) time.Time {
		start := c["start"].(map[string]any)
		loc, _ := time.LoadLocation(fmt.Sprint(start["timeZone"]))
		at, _ := time.ParseInLocation("2006-01-02T15:04:05", fmt.Sprint(start["dateTime"]), loc)
		return at
	},
}}

// TestConveneMeetingsGoToTheEmployeesCalendar: a meeting to come that an
// employee attends is written into their Google or Outlook calendar as
// their own entry, with no attendee list (the provider mails no one); its
// copy comes back in the next listing and is known; a move follows, a
// cancel deletes it; a past meeting is never written, and an import-only
// connection writes nothing.
func TestConveneMeetingsGoToTheEmployeesCalendar(t *testing.T) {
	for _, h := range calendarHolders {
		t.Run(h.provider, func(t *testing.T) { conveneMeetingsGoTo(t, h) })
	}
}

func conveneMeetingsGoTo(t *testing.T, h calendarHolder) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	downProviders[h.app].connect(t, env, co)
	_, thirdToken := anotherEmployee(t, env, co)
	third, _ := env.DB.Client.User.Query().Where(user.Email("ba@acme.test")).Only(testenv.As(co.Admin))
	create := func(title string, start time.Time) string {
		var made struct{ CreateEvent struct{ ID string } }
		env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": title, "start": start,
			"durationMinutes": 45, "attendees": []int{co.Member.ID, third.ID}}}, &made)
		return made.CreateEvent.ID
	}
	// A past meeting cannot be made through the API any more; it was made then.
	retro := env.DB.Client.Event.Create().SetTitle("Last week's retro").SetStartAt(time.Now().Add(-7 * 24 * time.Hour)).
		SetDurationMinutes(45).SetOrganizerID(co.Admin.ID).SetIcalUID("retro@convene").SaveX(testenv.As(co.Admin))
	env.DB.Client.Attendee.Create().SetEventID(retro.ID).SetUserID(co.Member.ID).SaveX(testenv.As(co.Admin))
	planning := create("Planning", time.Now().Add(24*time.Hour).Truncate(time.Hour))

	start := time.Now()
	connectCalendar(t, env, co.MemberToken, h.provider, h.callback)
	if first := syncedAfter(t, env, co.MemberToken, h.provider, start); first.Pushed != 1 {
		t.Fatalf("the first sync: %+v", first)
	}
	copies := h.copies(env, co.Member.Email)
	if len(copies) != 1 || copies[0][h.title] != "Planning" || copies[0]["attendees"] != nil {
		t.Fatalf("the member's Google calendar: %v", copies)
	}
	if again := syncNow(t, env, co.MemberToken, h.provider); again.Pushed != 0 || again.Pulled != 0 || len(h.copies(env, co.Member.Email)) != 1 {
		t.Errorf("the copy came back in the next listing: %+v", again)
	}

	moved := time.Now().Add(26 * time.Hour).Truncate(time.Hour)
	env.Must(t, co.AdminToken, `mutation($id:ID!, $s:Time!){ updateEvent(id:$id, input:{start:$s}){ id } }`,
		map[string]any{"id": planning, "s": moved}, &struct{}{})
	// A change syncs at the end of its two-second slot, with the changes
	// that come with it: the test waits rather than hurrying the job.
	eventually(t, "the move reaches the copy", func() bool {
		c := h.copies(env, co.Member.Email)
		return len(c) == 1 && h.start(c[0]).Equal(moved)
	})
	env.Must(t, co.AdminToken, `mutation($id:ID!){ cancelEvent(id:$id){ id } }`, map[string]any{"id": planning}, &struct{}{})
	eventually(t, "the cancel reaches the copy", func() bool { return len(h.copies(env, co.Member.Email)) == 0 })

	create("Offsite", time.Now().Add(48*time.Hour))
	start = time.Now()
	var consent struct{ ConnectCalendar string }
	env.Must(t, thirdToken, `mutation($p:Provider!){ connectCalendar(provider:$p, importOnly:true) }`, map[string]any{"p": h.provider}, &consent)
	followConsent(t, consent.ConnectCalendar)
	if got := syncedAfter(t, env, thirdToken, h.provider, start); got.Pushed != 0 || len(h.copies(env, "ba@acme.test")) != 0 {
		t.Errorf("an import-only connection wrote %d: %v", got.Pushed, h.copies(env, "ba@acme.test"))
	}
}

// TestEachResetDoesWhatItSays: before a reset the member has a remote
// event imported ("Dentist") and a Convene meeting copied out
// ("Planning"). After each of the 4 × 2 resets, a new remote event and a
// new Convene meeting come; the sync that follows leaves on each side what
// the choice says, and nothing twice.
func TestEachResetDoesWhatItSays(t *testing.T) {
	type sides struct{ dentistHere, dentistThere, planningThere int }
	for _, c := range []struct {
		events, next string
		want         sides
	}{
		{"KEEP", "ALL", sides{1, 1, 1}},
		{"KEEP", "NEW_ONLY", sides{1, 1, 1}},
		{"DELETE_REMOTE", "ALL", sides{1, 1, 1}}, // the kept Dentist goes out again, as a copy
		{"DELETE_REMOTE", "NEW_ONLY", sides{1, 0, 0}},
		{"DELETE_LOCAL", "ALL", sides{1, 1, 1}}, // taken in again
		{"DELETE_LOCAL", "NEW_ONLY", sides{0, 1, 1}},
		{"DELETE_BOTH", "ALL", sides{0, 0, 1}},
		{"DELETE_BOTH", "NEW_ONLY", sides{0, 0, 0}},
	} {
		t.Run(c.events+"/"+c.next, func(t *testing.T) {
			env := testenv.New(t, "sqlite3")
			co := env.NewCompany(t, "Acme")
			downProviders[0].connect(t, env, co)
			mine := co.Member.Email
			soon := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
			env.Google.Put(mine, withFields(googleTimed(soon, 30), map[string]any{"summary": "Dentist"}))
			meet := func(title string, at time.Time) {
				env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": title, "start": at,
					"durationMinutes": 30, "attendees": []int{co.Member.ID}}}, &struct{}{})
			}
			meet("Planning", soon.Add(2*time.Hour))
			start := time.Now()
			connectCalendar(t, env, co.MemberToken, "GOOGLE", "google")
			if first := syncedAfter(t, env, co.MemberToken, "GOOGLE", start); first.Pulled != 1 || first.Pushed != 1 {
				t.Fatalf("before the reset: %+v", first)
			}

			start = time.Now()
			var reset struct{ ResetCalendarSync connection }
			env.Must(t, co.MemberToken, `mutation($e:SyncedEvents!, $n:NextSync!){ resetCalendarSync(provider:GOOGLE, events:$e, next:$n){ provider status } }`,
				map[string]any{"e": c.events, "n": c.next}, &reset)
			syncedAfter(t, env, co.MemberToken, "GOOGLE", start)
			env.Google.Put(mine, withFields(googleTimed(soon.Add(4*time.Hour), 30), map[string]any{"summary": "Made there after"}))
			meet("Made here after", soon.Add(6*time.Hour))
			syncNow(t, env, co.MemberToken)

			here := myEventsBetween(t, env, co.MemberToken, co.Member.ID, soon.Add(-time.Hour), soon.Add(24*time.Hour))
			there := map[string]int{}
			for _, e := range env.Google.Of(mine) {
				there[fmt.Sprint(e["summary"])]++
			}
			got := sides{count(here, "Dentist/PERSONAL"), there["Dentist"], there["Planning"]}
			if got != c.want || count(here, "Made there after/PERSONAL") != 1 || there["Made here after"] != 1 {
				t.Errorf("here %v, there %v; want %+v", here, there, c.want)
			}
		})
	}
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	if res := env.Query(t, co.MemberToken, `mutation($u:ID!){ resetCalendarSync(provider:GOOGLE, user:$u, events:KEEP, next:ALL){ status } }`,
		map[string]any{"u": co.Admin.ID}); res.Code() != "FORBIDDEN" {
		t.Errorf("a member reset the admin's sync: %+v", res.Errors)
	}
	downProviders[0].connect(t, env, co)
	connectCalendar(t, env, co.MemberToken, "GOOGLE", "google")
	other := env.NewCompany(t, "Other")
	if res := env.Query(t, other.AdminToken, `mutation($u:ID!){ resetCalendarSync(provider:GOOGLE, user:$u, events:DELETE_BOTH, next:ALL){ status } }`,
		map[string]any{"u": co.Member.ID}); res.Field() != "provider" {
		t.Errorf("another company's admin reset the member's sync: %+v", res.Errors)
	}
}

func count(list []string, item string) int {
	n := 0
	for _, s := range list {
		if s == item {
			n++
		}
	}
	return n
}

// TestAGoogleSeriesComesInWithItsExceptions: a weekly series with one
// occurrence moved and one cancelled in Google is one series here, with an
// override and a gap; cancelling the moved one there takes it away here.
func TestAGoogleSeriesComesInWithItsExceptions(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	downProviders[0].connect(t, env, co)
	mine := co.Member.Email
	first := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC) // a Monday
	weekly := env.Google.Put(mine, withFields(googleTimed(first, 30), map[string]any{"summary": "Weekly sync",
		"recurrence": []string{"RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4"}}))
	instance := func(n int, fields map[string]any) string {
		return env.Google.Put(mine, withFields(fields, map[string]any{"recurringEventId": weekly,
			"originalStartTime": map[string]any{"dateTime": first.AddDate(0, 0, 7*n).Format(time.RFC3339), "timeZone": "UTC"}}))
	}
	moved := instance(1, withFields(googleTimed(first.AddDate(0, 0, 8), 30), map[string]any{"summary": "Weekly sync (Tuesday)"}))
	instance(2, map[string]any{"status": "cancelled"})

	start := time.Now()
	connectCalendar(t, env, co.MemberToken, "GOOGLE", "google")
	syncedAfter(t, env, co.MemberToken, "GOOGLE", start)
	starts := func() []string {
		from, to := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
		return agendaHere(t, env, co.MemberToken, co.Member.ID, from, to)
	}
	if got := starts(); !slices.Equal(got, []string{"2026-12-07 09:00 Weekly sync", "2026-12-15 09:00 Weekly sync (Tuesday)", "2026-12-28 09:00 Weekly sync"}) {
		t.Errorf("the series here: %v", got)
	}
	env.Google.Cancel(moved)
	syncNow(t, env, co.MemberToken)
	if got := starts(); !slices.Equal(got, []string{"2026-12-07 09:00 Weekly sync", "2026-12-28 09:00 Weekly sync"}) {
		t.Errorf("after the moved one was cancelled: %v", got)
	}
}

// TestAnExceptionBeforeItsSeriesIsNotLost: a page that lists a moved
// occurrence before its series still makes one series with an override.
func TestAnExceptionBeforeItsSeriesIsNotLost(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	downProviders[0].connect(t, env, co)
	mine := co.Member.Email
	first := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	weekly := env.Google.Put(mine, withFields(googleTimed(first, 30), map[string]any{"summary": "Weekly sync",
		"recurrence": []string{"RRULE:FREQ=WEEKLY;COUNT=2"}}))
	env.Google.Put(mine, withFields(googleTimed(first.AddDate(0, 0, 8), 30), map[string]any{"summary": "Weekly sync (moved)",
		"recurringEventId": weekly, "originalStartTime": map[string]any{"dateTime": first.AddDate(0, 0, 7).Format(time.RFC3339)}}))
	env.Google.Edit(weekly, map[string]any{"description": "now listed after its exception"})
	start := time.Now()
	connectCalendar(t, env, co.MemberToken, "GOOGLE", "google")
	syncedAfter(t, env, co.MemberToken, "GOOGLE", start)
	if got := myEvents(t, env, co.MemberToken, co.Member.ID); !slices.Equal(got, []string{"Weekly sync (moved)/PERSONAL", "Weekly sync/PERSONAL"}) {
		t.Errorf("the series and its moved occurrence: %v", got)
	}
}

// TestAConveneSeriesGoesOutWithItsExceptions: a weekly Convene meeting
// with one occurrence moved and one cancelled shows the same in the
// employee's calendar there; a second run writes nothing, and an
// occurrence moved later follows.
func TestAConveneSeriesGoesOutWithItsExceptions(t *testing.T) {
	for _, h := range calendarHolders {
		t.Run(h.provider, func(t *testing.T) { conveneSeriesGoesOut(t, h) })
	}
}

func conveneSeriesGoesOut(t *testing.T, h calendarHolder) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	downProviders[h.app].connect(t, env, co)
	first := time.Now().AddDate(0, 0, 7).Truncate(24 * time.Hour).Add(9 * time.Hour)
	var made struct{ CreateEvent struct{ ID string } }
	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Weekly sync", "start": first,
		"durationMinutes": 30, "attendees": []int{co.Member.ID}, "recurrence": map[string]any{"rrule": "FREQ=WEEKLY;COUNT=4"}}}, &made)
	series := made.CreateEvent.ID
	const update = `mutation($id:ID!, $o:Time!, $s:Time!){ updateEvent(id:$id, scope:THIS, occurrence:$o, input:{start:$s}){ id } }`
	week := func(n int) time.Time { return first.AddDate(0, 0, 7*n) }
	env.Must(t, co.AdminToken, update, map[string]any{"id": series, "o": week(1), "s": week(1).Add(25 * time.Hour)}, &struct{}{})
	env.Must(t, co.AdminToken, `mutation($id:ID!, $o:Time!){ cancelEvent(id:$id, scope:THIS, occurrence:$o){ id } }`,
		map[string]any{"id": series, "o": week(2)}, &struct{}{})

	from, to := first.Add(-time.Hour), week(4)
	here := func() []string { return agendaHere(t, env, co.MemberToken, co.Member.ID, from, to) }
	start := time.Now()
	connectCalendar(t, env, co.MemberToken, h.provider, h.callback)
	syncedAfter(t, env, co.MemberToken, h.provider, start)
	if want, got := here(), h.agenda(env, co.Member.Email, from, to); len(want) != 3 || !slices.Equal(got, want) {
		t.Fatalf("there %v, here %v", got, want)
	}
	if again := syncNow(t, env, co.MemberToken, h.provider); again.Pushed != 0 || again.Pulled != 0 {
		t.Errorf("the copies came back in the next listing: %+v", again)
	}
	env.Must(t, co.AdminToken, update, map[string]any{"id": series, "o": week(3), "s": week(3).Add(time.Hour)}, &struct{}{})
	eventually(t, "the later move reaches the copy", func() bool {
		return slices.Equal(h.agenda(env, co.Member.Email, from, to), here())
	})
}

// TestAnOutlookSeriesComesInWithItsExceptions: Graph's calendar view
// lists a series as its occurrences; here it is one series again, with
// the moved occurrence an override and the deleted one a gap, and the
// series goes when it is deleted there.
func TestAnOutlookSeriesComesInWithItsExceptions(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	downProviders[1].connect(t, env, co)
	mine := co.Member.Email
	first := time.Now().AddDate(0, 0, 7).Truncate(24 * time.Hour).Add(9 * time.Hour)
	week := func(n int) time.Time { return first.AddDate(0, 0, 7*n) }
	weekly := env.Microsoft.Put(mine, withFields(outlookTimed(first, 30), map[string]any{"subject": "Weekly sync",
		"recurrence": map[string]any{"pattern": map[string]any{"type": "weekly", "interval": 1, "daysOfWeek": []string{strings.ToLower(first.Weekday().String())}},
			"range": map[string]any{"type": "numbered", "numberOfOccurrences": 4, "startDate": first.Format(time.DateOnly), "recurrenceTimeZone": "UTC"}}}))
	env.Microsoft.Edit(env.Microsoft.Occurrence(weekly, week(1)), withFields(outlookTimed(week(1).Add(25*time.Hour), 30), map[string]any{"subject": "Weekly sync (moved)"}))
	env.Microsoft.Delete(env.Microsoft.Occurrence(weekly, week(2)))

	from, to := first.Add(-time.Hour), week(4)
	here := func() []string { return agendaHere(t, env, co.MemberToken, co.Member.ID, from, to) }
	start := time.Now()
	connectCalendar(t, env, co.MemberToken, "MICROSOFT", "microsoft")
	syncedAfter(t, env, co.MemberToken, "MICROSOFT", start)
	if got, want := here(), env.Microsoft.Agenda(mine, from, to); len(want) != 3 || !slices.Equal(got, want) {
		t.Fatalf("here %v, there %v", got, want)
	}
	if n := env.DB.Client.Event.Query().Where(event.SeriesIDIsNil()).CountX(testenv.As(co.Member)); n != 1 {
		t.Errorf("%d series or events here, want one series", n)
	}
	env.Microsoft.Delete(env.Microsoft.Occurrence(weekly, week(3)))
	syncNow(t, env, co.MemberToken, "MICROSOFT")
	if got, want := here(), env.Microsoft.Agenda(mine, from, to); len(want) != 2 || !slices.Equal(got, want) {
		t.Errorf("after another was deleted: here %v, there %v", got, want)
	}
	env.Microsoft.Delete(weekly)
	syncNow(t, env, co.MemberToken, "MICROSOFT")
	if got := here(); len(got) != 0 {
		t.Errorf("the series deleted there is still here: %v", got)
	}
}

// TestTheNewerChangeWins: an imported event changed here goes there; when
// it changed on both sides between two runs, the newer change stays on
// both and the other is in the sync log; an edit of a copy there is put
// back and logged.
func TestTheNewerChangeWins(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	downProviders[0].connect(t, env, co)
	mine := co.Member.Email
	soon := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	dentist := env.Google.Put(mine, withFields(googleTimed(soon, 30), map[string]any{"summary": "Dentist"}))
	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Planning", "start": soon.Add(2 * time.Hour),
		"durationMinutes": 30, "attendees": []int{co.Member.ID}}}, &struct{}{})
	start := time.Now()
	connectCalendar(t, env, co.MemberToken, "GOOGLE", "google")
	syncedAfter(t, env, co.MemberToken, "GOOGLE", start)
	here, err := env.DB.Client.Event.Query().Where(event.Title("Dentist")).Only(testenv.As(co.Member))
	if err != nil {
		t.Fatal(err)
	}
	title := func(id string) string { e, _ := env.Google.Event(id); return fmt.Sprint(e["summary"]) }

	env.Must(t, co.MemberToken, `mutation($id:ID!){ updateEvent(id:$id, input:{title:"Dentist (moved here)"}){ id } }`,
		map[string]any{"id": here.ID}, &struct{}{})
	eventually(t, "the change here reaches Google", func() bool { return title(dentist) == "Dentist (moved here)" })

	// Both sides change between two runs. The change here is written
	// straight to the database, so that no run starts between the two.
	changeHere := func(to string) {
		env.DB.Client.Event.UpdateOneID(here.ID).SetTitle(to).AddSequence(1).ExecX(testenv.As(co.Member))
	}
	changeHere("Dentist (older, here)")
	time.Sleep(10 * time.Millisecond)
	env.Google.Edit(dentist, map[string]any{"summary": "Dentist (newer, there)"})
	syncNow(t, env, co.MemberToken, "GOOGLE")
	if got := env.DB.Client.Event.GetX(testenv.As(co.Member), here.ID).Title; got != "Dentist (newer, there)" || title(dentist) != got {
		t.Errorf("the newer change there lost: here %q, there %q", got, title(dentist))
	}
	env.Google.Edit(dentist, map[string]any{"summary": "Dentist (older, there)"})
	time.Sleep(10 * time.Millisecond)
	changeHere("Dentist (newer, here)")
	syncNow(t, env, co.MemberToken, "GOOGLE")
	if got := env.DB.Client.Event.GetX(testenv.As(co.Member), here.ID).Title; got != "Dentist (newer, here)" || title(dentist) != got {
		t.Errorf("the newer change here lost: here %q, there %q", got, title(dentist))
	}

	var planning string
	for _, c := range env.Google.Of(mine) {
		if c["summary"] == "Planning" {
			planning = c["id"].(string)
		}
	}
	env.Google.Edit(planning, map[string]any{"summary": "Planning (renamed in Google)"})
	syncNow(t, env, co.MemberToken, "GOOGLE")
	if got := title(planning); got != "Planning" {
		t.Errorf("the copy edited there was not put back: %q", got)
	}

	var got struct {
		CalendarConnections []struct {
			Log []struct{ Title, Kept, Lost string }
		}
	}
	env.Must(t, co.MemberToken, `{ calendarConnections { log { title kept lost } } }`, nil, &got)
	log := got.CalendarConnections[0].Log
	if len(log) != 3 || log[0].Kept != "HERE" || !strings.Contains(log[0].Lost, "Planning (renamed in Google)") ||
		log[1].Kept != "HERE" || !strings.Contains(log[1].Lost, "Dentist (older, there)") ||
		log[2].Kept != "THERE" || !strings.Contains(log[2].Lost, "Dentist (older, here)") {
		t.Errorf("the sync log: %+v", log)
	}
}

// agendaHere is the employee's calendar in Convene from from to to, as
// the fakes' Agenda writes theirs.
func agendaHere(t *testing.T, env *testenv.Env, token string, userID int, from, to time.Time) []string {
	var got struct {
		Events []struct {
			Start time.Time
			Event struct{ Title string }
		}
	}
	env.Must(t, token, `query($f:Time!, $t:Time!, $u:[ID!]){ events(from:$f, to:$t, users:$u){ start event { title } } }`,
		map[string]any{"f": from, "t": to, "u": []int{userID}}, &got)
	var out []string
	for _, o := range got.Events {
		out = append(out, o.Start.UTC().Format("2006-01-02 15:04")+" "+o.Event.Title)
	}
	slices.Sort(out)
	return out
}
