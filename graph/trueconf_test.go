package graph_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/conferencing"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/conference"
	"github.com/convene/convene/ent/job"
	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/viewer"
)

// TestTrueConfKeepsTheComingOccurrenceScheduled: a weekly series gets one
// conference on the company's TrueConf Server, scheduled for its coming
// occurrence, with a job that moves it on once that one ends; cancelling
// deletes it.
func TestTrueConfKeepsTheComingOccurrenceScheduled(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	const configure = `mutation($in:ConfigureTrueConfInput!){ configureTrueConf(input:$in){ id baseURL } }`
	if res := env.Query(t, co.AdminToken, configure, map[string]any{"in": map[string]any{"serverUrl": "video.example.com",
		"clientId": "x", "clientSecret": "y"}}); res.Field() != "serverUrl" {
		t.Errorf("a server without a scheme: %+v", res.Errors)
	}
	var made struct{ ConfigureTrueConf struct{ ID, BaseURL string } }
	env.Must(t, co.AdminToken, configure, map[string]any{"in": map[string]any{"serverUrl": env.TrueConf.URL + "/",
		"clientId": testenv.TrueConfClientID, "clientSecret": testenv.TrueConfClientSecret}}, &made)
	var checked struct {
		TestCredential struct{ Status, LastError string }
	}
	env.Must(t, co.AdminToken, `mutation($id:ID!){ testCredential(id:$id){ status lastError } }`, map[string]any{"id": made.ConfigureTrueConf.ID}, &checked)
	if checked.TestCredential.Status != "CONNECTED" || made.ConfigureTrueConf.BaseURL != env.TrueConf.URL {
		t.Fatalf("configured %+v, checked %+v", made.ConfigureTrueConf, checked.TestCredential)
	}

	first := time.Now().Add(3 * time.Hour).Truncate(time.Minute)
	env.TrueConf.FailNext(http.StatusInternalServerError)
	var ev struct{ CreateEvent struct{ ID string } }
	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Weekly sync", "start": first,
		"durationMinutes": 45, "kind": "ONLINE_MEETING", "provider": "TRUECONF", "attendees": []int{co.Member.ID},
		"recurrence": map[string]any{"rrule": "FREQ=WEEKLY"}}}, &ev)
	ctx := testenv.As(co.Admin)
	conf := func() *ent.Conference { return env.DB.Client.Conference.Query().OnlyX(ctx) }
	eventually(t, "the TrueConf conference", func() bool { return conf().State == conference.StateREADY })
	c := conf()
	held, ok := env.TrueConf.Conference(c.ExternalID)
	coming := first
	if !ok || env.TrueConf.Conferences() != 1 || c.JoinURL != env.TrueConf.URL+"/c/"+c.ExternalID || held["topic"] != "Weekly sync" {
		t.Fatalf("conference %+v; the server holds %d: %v", c, env.TrueConf.Conferences(), held)
	}
	scheduled := func() (start int64, duration float64) {
		held, _ := env.TrueConf.Conference(c.ExternalID)
		schedule := held["schedule"].(map[string]any)
		return int64(schedule["start_time"].(float64)), schedule["duration"].(float64)
	}
	if start, duration := scheduled(); start != coming.Unix() || duration != 2700 {
		t.Fatalf("scheduled at %d for %vs, want the occurrence at %v for 2700s", start, duration, coming)
	}
	system := viewer.NewSystemContext(ctx, viewer.SystemJobs)
	// advancing says whether the job to move on waits to run when the
	// coming occurrence ends.
	advancing := func() bool {
		waiting := env.DB.Client.Job.Query().Where(job.Kind(conferencing.KindAdvance), job.StateEQ(job.StatePENDING)).AllX(system)
		return len(waiting) == 1 && waiting[0].RunAt.Equal(coming.Add(45*time.Minute))
	}
	if !advancing() {
		t.Fatal("no job to move on when the coming occurrence ends")
	}

	// As if thirteen days had passed: the series began then, its coming
	// occurrence is tomorrow's, and the job to move on is due.
	env.DB.Client.Event.UpdateOneID(c.EventID).SetStartAt(first.Add(-13 * 24 * time.Hour)).ExecX(ctx)
	env.DB.Client.Job.Update().Where(job.Kind(conferencing.KindAdvance)).SetRunAt(time.Now().UTC()).ExecX(system)
	coming = first.Add(24 * time.Hour)
	eventually(t, "the conference moved on", func() bool { start, _ := scheduled(); return start == coming.Unix() })
	eventually(t, "the next job to move on", advancing)

	env.Must(t, co.AdminToken, `mutation($id:ID!){ cancelEvent(id:$id){ id } }`, map[string]any{"id": ev.CreateEvent.ID}, &struct{}{})
	eventually(t, "the TrueConf conference deleted", func() bool {
		return env.TrueConf.Conferences() == 0 && strings.EqualFold(string(conf().State), "REMOVED")
	})
}
