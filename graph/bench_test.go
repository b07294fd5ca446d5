package graph_test

import (
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
