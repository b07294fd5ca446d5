package graph_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/conferencing"
	"github.com/convene/convene/connectors/fakekit"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/conference"
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
	title   func(env *testenv.Env, externalID string) string // of the meeting the provider holds
	link    string                                           // how its join links begin
}

var downProviders = []downProvider{{
	name: "GOOGLE_MEET",
	connect: connectByConsent("configureGoogle", "ConfigureGoogleInput", "google",
		map[string]any{"clientId": testenv.GoogleClientID, "clientSecret": testenv.GoogleClientSecret}),
	fake: func(env *testenv.Env) (*fakekit.Trouble, func() int) { return &env.Google.Trouble, env.Google.Live },
	title: func(env *testenv.Env, id string) string {
		held, _ := env.Google.Event(id)
		return fmt.Sprint(held["summary"])
	},
	link: "https://meet.google.com/",
}, {
	name: "TEAMS",
	connect: connectByConsent("configureMicrosoft", "ConfigureMicrosoftInput", "microsoft",
		map[string]any{"clientId": testenv.MicrosoftClientID, "clientSecret": testenv.MicrosoftClientSecret}),
	fake: func(env *testenv.Env) (*fakekit.Trouble, func() int) {
		return &env.Microsoft.Trouble, env.Microsoft.Events
	},
	title: func(env *testenv.Env, id string) string {
		held, _ := env.Microsoft.Event(id)
		return fmt.Sprint(held["subject"])
	},
	link: "https://teams.microsoft.com/l/meetup-join/",
}, {
	name: "TRUECONF",
	connect: func(t testing.TB, env *testenv.Env, co *testenv.Company) {
		env.Must(t, co.AdminToken, `mutation($in:ConfigureTrueConfInput!){ configureTrueConf(input:$in){ id } }`, map[string]any{"in": map[string]any{
			"serverUrl": env.TrueConf.URL, "clientId": testenv.TrueConfClientID, "clientSecret": testenv.TrueConfClientSecret}}, &struct{}{})
	},
	fake: func(env *testenv.Env) (*fakekit.Trouble, func() int) {
		return &env.TrueConf.Trouble, env.TrueConf.Conferences
	},
	title: func(env *testenv.Env, id string) string {
		held, _ := env.TrueConf.Conference(id)
		return fmt.Sprint(held["topic"])
	},
	link: "http://127.0.0.1:",
}}

// connectByConsent configures an OAuth app with mutation and consents to
// it as the admin, through the callback named callback.
func connectByConsent(mutation, input, callback string, in map[string]any) func(testing.TB, *testenv.Env, *testenv.Company) {
	return func(t testing.TB, env *testenv.Env, co *testenv.Company) {
		var made map[string]struct{ ID string }
		env.Must(t, co.AdminToken, `mutation($in:`+input+`!){ `+mutation+`(input:$in){ id } }`, map[string]any{"in": in}, &made)
		if status, _ := consentAt(t, env, co.AdminToken, made[mutation].ID, callback); status != http.StatusOK {
			t.Fatalf("consent: %d", status)
		}
	}
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

// TestEachProvidersMeetingFromLinkToRemoval: a meeting made from a channel
// gets the provider's link by subscription and in the channel post; moved,
// the provider's meeting follows; its link removed, the provider's meeting
// goes and ours stays.
func TestEachProvidersMeetingFromLinkToRemoval(t *testing.T) {
	for _, p := range downProviders {
		t.Run(p.name, func(t *testing.T) {
			env, co, _, held := p.connected(t)
			var ch struct{ CreateChannel struct{ ID string } }
			env.Must(t, co.AdminToken, `mutation($m:[ID!]){ createChannel(input:{name:"team", members:$m}){ id } }`, map[string]any{"m": []int{co.Member.ID}}, &ch)
			changes := subscribe(t, env, co.MemberToken, "1", `subscription{ eventChanged{ kind event { conference { state joinURL } } } }`, nil)
			posts := subscribe(t, env, co.MemberToken, "2", `subscription($c:ID!){ channelPostUpdated(channel:$c){ body } }`, map[string]any{"c": ch.CreateChannel.ID})
			time.Sleep(100 * time.Millisecond)

			var made struct{ CreateEvent struct{ ID string } }
			env.Must(t, co.AdminToken, `mutation($in:CreateEventInput!){ createEvent(input:$in){ id } }`, map[string]any{"in": map[string]any{
				"title": "Launch", "start": time.Now().Add(24 * time.Hour), "durationMinutes": 30, "provider": p.name, "channel": ch.CreateChannel.ID}}, &made)
			for {
				m, err := next(t, changes)
				if err != nil {
					t.Fatalf("waiting for the link: %v", err)
				}
				if payload := toJSON(m.Payload); strings.Contains(payload, `"kind":"CONFERENCE_READY"`) {
					if !strings.Contains(payload, `"joinURL":"`+p.link) {
						t.Fatalf("the ready conference: %s", payload)
					}
					break
				}
			}
			if m, err := next(t, posts); err != nil || !strings.Contains(toJSON(m.Payload), p.link) {
				t.Fatalf("the channel post: %+v %v", m, err)
			}

			conf := func() *ent.Conference { return env.DB.Client.Conference.Query().OnlyX(testenv.As(co.Admin)) }
			external := conf().ExternalID
			env.Must(t, co.AdminToken, updateEvent, map[string]any{"id": made.CreateEvent.ID, "s": "ALL",
				"in": map[string]any{"title": "Launch, moved", "start": time.Now().Add(48 * time.Hour)}}, &struct{}{})
			eventually(t, "the provider's meeting moved", func() bool { return p.title(env, external) == "Launch, moved" })

			var removed struct{ RemoveConference struct{ Kind, Title string } }
			env.Must(t, co.AdminToken, `mutation($e:ID!){ removeConference(event:$e){ kind title } }`, map[string]any{"e": made.CreateEvent.ID}, &removed)
			eventually(t, "the provider's meeting deleted", func() bool { return held() == 0 })
			if removed.RemoveConference.Kind != "MEETING" || removed.RemoveConference.Title != "Launch, moved" || conf().State != conference.StateREMOVED {
				t.Fatalf("after removing the link: %+v, conference %s", removed, conf().State)
			}
		})
	}
}
