package graph_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/conferencing"
	"github.com/convene/convene/connectors/fakekit"
	"github.com/convene/convene/ent/job"
	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/viewer"
)

// A provider a company connects through its API: how, the trouble its fake
// can be put in, and how many meetings the fake holds.
type downProvider struct {
	name    string
	connect func(testing.TB, *testenv.Env, *testenv.Company)
	fake    func(*testenv.Env) (*fakekit.Trouble, func() int)
}

var downProviders = []downProvider{
	{"GOOGLE_MEET", func(t testing.TB, env *testenv.Env, co *testenv.Company) {
		var made struct{ ConfigureGoogle struct{ ID string } }
		env.Must(t, co.AdminToken, `mutation($in:ConfigureGoogleInput!){ configureGoogle(input:$in){ id } }`, map[string]any{"in": map[string]any{
			"clientId": testenv.GoogleClientID, "clientSecret": testenv.GoogleClientSecret}}, &made)
		if status, _ := consent(t, env, co.AdminToken, made.ConfigureGoogle.ID); status != http.StatusOK {
			t.Fatalf("consent: %d", status)
		}
	}, func(env *testenv.Env) (*fakekit.Trouble, func() int) { return &env.Google.Trouble, env.Google.Live }},
	{"TEAMS", func(t testing.TB, env *testenv.Env, co *testenv.Company) {
		var made struct{ ConfigureMicrosoft struct{ ID string } }
		env.Must(t, co.AdminToken, `mutation($in:ConfigureMicrosoftInput!){ configureMicrosoft(input:$in){ id } }`, map[string]any{"in": map[string]any{
			"clientId": testenv.MicrosoftClientID, "clientSecret": testenv.MicrosoftClientSecret}}, &made)
		if status, _ := consentAt(t, env, co.AdminToken, made.ConfigureMicrosoft.ID, "microsoft"); status != http.StatusOK {
			t.Fatalf("consent: %d", status)
		}
	}, func(env *testenv.Env) (*fakekit.Trouble, func() int) {
		return &env.Microsoft.Trouble, env.Microsoft.Events
	}},
	{"TRUECONF", func(t testing.TB, env *testenv.Env, co *testenv.Company) {
		env.Must(t, co.AdminToken, `mutation($in:ConfigureTrueConfInput!){ configureTrueConf(input:$in){ id } }`, map[string]any{"in": map[string]any{
			"serverUrl": env.TrueConf.URL, "clientId": testenv.TrueConfClientID, "clientSecret": testenv.TrueConfClientSecret}}, &struct{}{})
	}, func(env *testenv.Env) (*fakekit.Trouble, func() int) {
		return &env.TrueConf.Trouble, env.TrueConf.Conferences
	}},
}

// connected is a company connected to the provider, and the provider's
// fake: its trouble and how many meetings it holds.
func (p downProvider) connected(t testing.TB) (*testenv.Env, *testenv.Company, *fakekit.Trouble, func() int) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	p.connect(t, env, co)
	trouble, held := p.fake(env)
	return env, co, trouble, held
}

// TestAProviderDownForAWhileLosesNoMeeting: while the provider is down the
// meeting is saved at once and its conference waits, retried, showing the
// provider's trouble. When the provider is back, its first answer is lost
// on the way (the meeting made, we never told): the next try finds that
// meeting, and the provider holds exactly one.
func TestAProviderDownForAWhileLosesNoMeeting(t *testing.T) {
	for _, p := range downProviders {
		t.Run(p.name, func(t *testing.T) {
			env, co, trouble, held := p.connected(t)
			trouble.GoDown(http.StatusServiceUnavailable)

			var made struct{ CreateEvent struct{ ID string } }
			env.Must(t, co.MemberToken, createEvent, map[string]any{"in": map[string]any{"title": "Planning", "start": time.Now().Add(24 * time.Hour),
				"durationMinutes": 30, "kind": "ONLINE_MEETING", "provider": p.name, "attendees": []int{co.Admin.ID}}}, &made)
			system := viewer.NewSystemContext(testenv.As(co.Admin), viewer.SystemJobs)
			creating := env.DB.Client.Job.Query().Where(job.Kind(conferencing.KindCreate))
			hurry := func() { // the next try now, not after its backoff
				env.DB.Client.Job.Update().Where(job.Kind(conferencing.KindCreate), job.StateEQ(job.StatePENDING)).SetRunAt(time.Now().UTC()).ExecX(system)
				env.App.Jobs.Wake()
			}
			eventually(t, "three tries while down", func() bool {
				hurry()
				return creating.Clone().Where(job.AttemptsGTE(3)).ExistX(system)
			})
			var seen struct {
				Node struct {
					Conference struct{ State, LastError string }
				}
			}
			env.Must(t, co.MemberToken, `query($id:ID!){ node(id:$id){ ... on Event { conference { state lastError } } } }`, map[string]any{"id": made.CreateEvent.ID}, &seen)
			if c := seen.Node.Conference; c.State != "PENDING" || !strings.Contains(c.LastError, "trying again") || held() != 0 {
				t.Fatalf("while down: %+v; the provider holds %d", c, held())
			}

			trouble.LoseNextCreates(1)
			trouble.ComeBack()
			eventually(t, "the conference made", func() bool {
				hurry()
				env.Must(t, co.MemberToken, `query($id:ID!){ node(id:$id){ ... on Event { conference { state lastError } } } }`, map[string]any{"id": made.CreateEvent.ID}, &seen)
				return seen.Node.Conference.State == "READY"
			})
			if n := held(); n != 1 || seen.Node.Conference.LastError != "" {
				t.Errorf("the provider holds %d meetings, want 1; last error %q", n, seen.Node.Conference.LastError)
			}
		})
	}
}
