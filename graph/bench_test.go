package graph_test

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/convene/convene/internal/testdb"
	"github.com/convene/convene/internal/testenv"
)

// benchLatency sends the same operation b.N times through the real server
// over loopback HTTP and reports the median and 99th percentile.
func benchLatency(b *testing.B, env *testenv.Env, token, query string) {
	b.Helper()
	if res := env.Query(b, token, query, nil); len(res.Errors) > 0 {
		b.Fatalf("%+v", res.Errors)
	}
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		env.Query(b, token, query, nil)
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
}

func BenchmarkMe(b *testing.B) {
	for _, d := range testdb.Dialects {
		b.Run(d, func(b *testing.B) {
			env := testenv.New(b, d)
			co := env.NewCompany(b, "Acme")
			benchLatency(b, env, co.MemberToken, `{ me { id name email company { id name } } }`)
		})
	}
}

// BenchmarkEventPage50 reads a page of 50 events, each with its organizer,
// room and three attendees.
func BenchmarkEventPage50(b *testing.B) {
	for _, d := range testdb.Dialects {
		b.Run(d, func(b *testing.B) {
			env := testenv.New(b, d)
			co := env.NewCompany(b, "Acme")
			addEvents(b, env, co, 50)
			benchLatency(b, env, co.MemberToken, eventPage)
		})
	}
}

// BenchmarkCreateMeetingWhileTheProviderTakes5s: createEvent with a
// provider's link answers without waiting for the provider, which here
// takes five seconds a call.
func BenchmarkCreateMeetingWhileTheProviderTakes5s(b *testing.B) {
	create := func(b *testing.B, env *testenv.Env, co *testenv.Company, provider string) {
		benchLatency(b, env, co.AdminToken, `mutation{ createEvent(input:{title:"Launch", start:"2030-01-07T09:00:00Z", durationMinutes:30,
			kind:ONLINE_MEETING, provider:`+provider+`, attendees:[]}){ conference { state } } }`)
	}
	b.Run("ZOOM", func(b *testing.B) {
		env := testenv.New(b, "sqlite3")
		co := env.NewCompany(b, "Acme")
		env.Must(b, co.AdminToken, `mutation($in:ConfigureZoomInput!){ configureZoom(input:$in){ id } }`, map[string]any{"in": map[string]any{
			"accountId": testenv.ZoomAccountID, "clientId": testenv.ZoomClientID, "clientSecret": testenv.ZoomClientSecret}}, &struct{}{})
		env.Zoom.Slow(5 * time.Second)
		create(b, env, co, "ZOOM")
	})
	for _, p := range downProviders {
		b.Run(p.name, func(b *testing.B) {
			env, co, trouble, _ := p.connected(b)
			trouble.Slow(5 * time.Second)
			create(b, env, co, p.name)
		})
	}
}

// BenchmarkCalendarSync: an employee's first sync of 2,000 remote events
// over a year, then an incremental one of 10 changes, for Google and
// Outlook: the time from consent (or the Sync button) to the run's end,
// and the provider calls each took. CONVENE_BENCH_DB=postgres runs it on
// Postgres.
func BenchmarkCalendarSync(b *testing.B) {
	day := time.Now().Add(time.Hour).Truncate(time.Hour)
	at := func(i int) time.Time {
		return day.Add(time.Duration(i%360)*24*time.Hour + time.Duration(i%8)*time.Hour)
	}
	for _, p := range []struct {
		name, callback string
		app            int // in downProviders
		put            func(env *testenv.Env, email string, i int) string
		edit           func(env *testenv.Env, id string, i int)
		calls          func(env *testenv.Env) int
	}{{
		name: "GOOGLE", callback: "google", app: 0,
		put: func(env *testenv.Env, email string, i int) string {
			return env.Google.Put(email, withFields(googleTimed(at(i), 30), map[string]any{"summary": fmt.Sprint("Event ", i)}))
		},
		edit:  func(env *testenv.Env, id string, i int) { env.Google.Edit(id, googleTimed(at(i).Add(time.Hour), 30)) },
		calls: func(env *testenv.Env) int { return env.Google.Lists() },
	}, {
		name: "MICROSOFT", callback: "microsoft", app: 1,
		put: func(env *testenv.Env, email string, i int) string {
			return env.Microsoft.Put(email, withFields(outlookTimed(at(i), 30), map[string]any{"subject": fmt.Sprint("Event ", i)}))
		},
		edit: func(env *testenv.Env, id string, i int) {
			env.Microsoft.Edit(id, outlookTimed(at(i).Add(time.Hour), 30))
		},
		calls: func(env *testenv.Env) int { return env.Microsoft.Deltas() },
	}} {
		b.Run(p.name, func(b *testing.B) {
			for range b.N {
				env := testenv.New(b, cmp.Or(os.Getenv("CONVENE_BENCH_DB"), "sqlite3"))
				co := env.NewCompany(b, "Acme")
				downProviders[p.app].connect(b, env, co)
				ids := make([]string, 2000)
				for i := range ids {
					ids[i] = p.put(env, co.Member.Email, i)
				}
				start := time.Now()
				connectCalendar(b, env, co.MemberToken, p.name, p.callback)
				if c := syncedAfter(b, env, co.MemberToken, p.name, start); c.Pulled != len(ids) {
					b.Fatalf("the first sync: %+v", c)
				}
				first, firstCalls := time.Since(start), p.calls(env)
				for i := range 10 {
					p.edit(env, ids[i*199], i*199)
				}
				start = time.Now()
				if c := syncNow(b, env, co.MemberToken, p.name); c.Pulled != 10 {
					b.Fatalf("the incremental sync: %+v", c)
				}
				b.ReportMetric(float64(first.Milliseconds()), "first-ms")
				b.ReportMetric(float64(firstCalls), "first-calls")
				b.ReportMetric(float64(time.Since(start).Milliseconds()), "incremental-ms")
				b.ReportMetric(float64(p.calls(env)-firstCalls), "incremental-calls")
			}
		})
	}
}
