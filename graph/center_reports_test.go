package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/connectors/vcc"
	"github.com/convene/convene/internal/testenv"
)

// connectCenter connects co's call center and gives the member extension
// 5001.
func connectCenter(t *testing.T, env *testenv.Env, co *testenv.Company) {
	t.Helper()
	env.Must(t, co.AdminToken, `mutation($in:ConfigureCallCenterInput!){ configureCallCenter(input:$in){ id } }`,
		map[string]any{"in": map[string]any{"baseUrl": env.CenterURL, "domain": testenv.CallCenterDomain,
			"accessKey": testenv.CallCenterAccessKey}}, &struct{}{})
	env.Must(t, co.AdminToken, `mutation($id:ID!){ updateUser(id:$id, input:{extension:"5001"}){ id } }`,
		map[string]any{"id": co.Member.ID}, &struct{}{})
}

// report sends the center's report of event on call id to the member's
// extension, and returns the answer's status and body.
func report(t *testing.T, env *testenv.Env, r vcc.Report) (int, string) {
	t.Helper()
	r.Domain, r.IPPhone = testenv.CallCenterDomain, "5001"
	if r.At.IsZero() {
		r.At = time.Now()
	}
	status, body, err := env.Center.Report(env.Server.URL+"/webhooks/vcc", r, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

func callState(t *testing.T, env *testenv.Env, token string, id string) string {
	t.Helper()
	var got struct{ Node struct{ State string } }
	env.Must(t, token, `query($id:ID!){ node(id:$id){ ... on Call { state } } }`, map[string]any{"id": id}, &got)
	return got.Node.State
}

const popup = `subscription{ incomingCall{ id state callerNumber
	contact { name recentCalls { id } upcomingMeetings { title } } } }`

// TestACustomersCallPopsUpWithTheirRecord: the center reports a customer's
// call ringing; the agent's popup names the contact (whose number was
// typed another way), their calls and their meetings to come; the reports
// that follow carry the call through its states, and every report out of
// place is refused or set aside without changing it.
func TestACustomersCallPopsUpWithTheirRecord(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		connectCenter(t, env, co)
		env.Must(t, co.MemberToken, `mutation{ createContact(input:{name:"Nguyen Van A", phones:["+84 912 345 678"], email:"a@customer.test"}){ id phones } }`,
			nil, &struct{}{})
		if res := env.Query(t, co.MemberToken, `mutation{ createContact(input:{name:"B", phones:["not a number"]}){ id } }`, nil); res.Field() != "phones" {
			t.Errorf("a contact with a bad number: %+v", res.Errors)
		}
		var made struct{ CreateEvent struct{ ID string } }
		env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Contract review",
			"start": time.Now().Add(24 * time.Hour), "durationMinutes": 30, "attendees": []int{co.Member.ID}}}, &made)
		// Outside guests come in by calendar sync; here the row is written.
		env.DB.Client.Attendee.Create().SetEventID(atoi(t, made.CreateEvent.ID)).SetEmail("A@customer.test").
			SaveX(testenv.As(co.Admin))
		agent := subscribe(t, env, co.MemberToken, "r", popup, nil)
		updates := subscribe(t, env, co.MemberToken, "u", myUpdates, nil)
		var tok struct{ CreateAPIToken struct{ Token string } }
		env.Must(t, co.AdminToken, `mutation{ createAPIToken(name:"CRM"){ token } }`, nil, &tok)
		integrator := subscribe(t, env, tok.CreateAPIToken.Token, "c", `subscription{ callEvents{ state callerNumber contact { name } } }`, nil)
		time.Sleep(100 * time.Millisecond)

		if status, _ := report(t, env, vcc.Report{Event: vcc.EventAnswered, CallID: "c-1", Direction: "inbound", Number: "0912345678"}); status != http.StatusNotFound {
			t.Errorf("an answer for a call never seen ringing: %d", status)
		}
		if status, body := report(t, env, vcc.Report{Event: vcc.EventRinging, CallID: "c-1", Direction: "inbound", Number: "0912 345 678"}); status != http.StatusOK {
			t.Fatalf("ringing: %d %s", status, body)
		}
		got := awaitNext(t, agent)
		for _, want := range []string{`"state":"RINGING"`, `"callerNumber":"+84912345678"`, `"name":"Nguyen Van A"`, `"title":"Contract review"`} {
			if !strings.Contains(got, want) {
				t.Errorf("the popup lacks %s: %s", want, got)
			}
		}
		if got := awaitNext(t, integrator); !strings.Contains(got, `"state":"RINGING"`) || !strings.Contains(got, `"name":"Nguyen Van A"`) {
			t.Errorf("the integrator's call event: %s", got)
		}
		var popped struct{ IncomingCall struct{ ID string } }
		mustDecode(t, got, &popped)
		id := popped.IncomingCall.ID

		steps := []struct {
			event  string
			status int
			state  string
		}{
			{vcc.EventHeld, http.StatusConflict, "RINGING"}, // held before answered: sent again later
			{vcc.EventRinging, http.StatusOK, "RINGING"},    // the same ringing twice
			{vcc.EventAnswered, http.StatusOK, "ACTIVE"},
			{vcc.EventAnswered, http.StatusOK, "ACTIVE"},
			{vcc.EventMuted, http.StatusOK, "ACTIVE"},
			{vcc.EventHeld, http.StatusOK, "HELD"},
			{vcc.EventResumed, http.StatusOK, "ACTIVE"},
			{vcc.EventEnded, http.StatusOK, "ENDED"},
			{vcc.EventAnswered, http.StatusOK, "ENDED"}, // late: set aside
			{vcc.EventMuted, http.StatusOK, "ENDED"},
		}
		for i, s := range steps {
			status, body := report(t, env, vcc.Report{Event: s.event, CallID: "c-1", Direction: "inbound", Number: "0912345678",
				At: time.Now().Add(time.Duration(i) * time.Millisecond)})
			if status != s.status || callState(t, env, co.MemberToken, id) != s.state {
				t.Errorf("step %d, %s: %d %s, call %s; want %d, %s", i, s.event, status, body, callState(t, env, co.MemberToken, id), s.status, s.state)
			}
		}
		var changes []string
		for range 6 { // RINGING, ACCEPTED, MUTED, HELD, RESUMED, ENDED
			var u struct{ CallUpdated struct{ Change string } }
			mustDecode(t, awaitNext(t, updates), &u)
			changes = append(changes, u.CallUpdated.Change)
		}
		if got := strings.Join(changes, " "); got != "RINGING ACCEPTED MUTED HELD RESUMED ENDED" {
			t.Errorf("the agent's updates: %s", got)
		}
		var call struct {
			Node struct {
				Muted      bool
				AnsweredAt *time.Time
				Contact    struct{ RecentCalls []struct{ ID string } }
			}
		}
		env.Must(t, co.MemberToken, `query($id:ID!){ node(id:$id){ ... on Call { muted answeredAt contact { recentCalls { id } } } } }`,
			map[string]any{"id": id}, &call)
		if !call.Node.Muted || call.Node.AnsweredAt == nil || len(call.Node.Contact.RecentCalls) != 1 {
			t.Errorf("the call after its reports: %+v", call.Node)
		}
	})
}

// TestAnUnknownCallersUnansweredCallIsMissed: a number no contact has
// still pops up, with no contact, and ringing out unanswered leaves a
// missed-call notice.
func TestAnUnknownCallersUnansweredCallIsMissed(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	connectCenter(t, env, co)
	agent := subscribe(t, env, co.MemberToken, "r", popup, nil)
	notices := subscribe(t, env, co.MemberToken, "n", `subscription{ notificationAdded{ kind title } }`, nil)
	time.Sleep(100 * time.Millisecond)

	report(t, env, vcc.Report{Event: vcc.EventRinging, CallID: "c-9", Direction: "inbound", Number: "028 3822 1234"})
	if got := awaitNext(t, agent); !strings.Contains(got, `"contact":null`) || !strings.Contains(got, `"callerNumber":"+842838221234"`) {
		t.Errorf("an unknown caller's popup: %s", got)
	}
	report(t, env, vcc.Report{Event: vcc.EventEnded, CallID: "c-9", Direction: "inbound", Number: "028 3822 1234"})
	if got := awaitNext(t, notices); !strings.Contains(got, `"kind":"CALL_MISSED"`) || !strings.Contains(got, "+842838221234") {
		t.Errorf("the missed call: %s", got)
	}
}

// TestACalloutThatFailsSaysWhy: an agent places a callout from the app;
// their voice-session tab hears of it; the center names it and reports
// the customer busy, which becomes a code and words.
func TestACalloutThatFailsSaysWhy(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	connectCenter(t, env, co)
	callout := map[string]any{"in": map[string]any{"number": "0912 345 678"}}
	if res := env.Query(t, co.MemberToken, placeCall, callout); res.Code() != "CONFLICT" {
		t.Errorf("a callout with no voice session: %+v", res.Errors)
	}
	env.Must(t, co.MemberToken, `mutation{ claimVoiceSession(tab:"tab-1"){ voiceSession } }`, nil, &struct{}{})
	tab := subscribe(t, env, co.MemberToken, "u", myUpdates, nil)
	time.Sleep(100 * time.Millisecond)
	var placed struct {
		PlaceCall struct{ ID, Direction string }
	}
	env.Must(t, co.MemberToken, placeCall, callout, &placed)
	if got := awaitNext(t, tab); !strings.Contains(got, `"change":"CALLOUT_INFO"`) || !strings.Contains(got, `"voiceSession":"tab-1"`) {
		t.Errorf("the voice session's notice: %s", got)
	}
	if code := act(t, env, co.MemberToken, "acceptCall", atoi(t, placed.PlaceCall.ID)); code != "FORBIDDEN" {
		t.Errorf("an agent answered their own callout: %q", code)
	}
	report(t, env, vcc.Report{Event: vcc.EventCalloutResult, CallID: "out-1", Direction: "outbound", Number: "+84912345678",
		Error: "IPCC_NOT_CONNECT_CUSTOMER", SIPCode: 486})
	for _, want := range []string{`"change":"CURRENT_CALL"`, `"change":"FAILED"`} {
		if got := awaitNext(t, tab); !strings.Contains(got, want) {
			t.Errorf("want %s: %s", want, got)
		}
	}
	var failed struct {
		Node struct {
			State, ErrorCode, ErrorMessage string
			SipCode                        int
		}
	}
	env.Must(t, co.MemberToken, `query($id:ID!){ node(id:$id){ ... on Call { state errorCode errorMessage sipCode } } }`,
		map[string]any{"id": placed.PlaceCall.ID}, &failed)
	if f := failed.Node; f.State != "FAILED" || f.ErrorCode != "BUSY" || f.SipCode != 486 || f.ErrorMessage != "The number is busy." {
		t.Errorf("the failed callout: %+v", f)
	}
}

// TestOnlyTheCentersSignedFreshReportsCount: a report signed with another
// key, one too old, one replayed and one that is not a report are refused,
// and none of them rings anyone.
func TestOnlyTheCentersSignedFreshReportsCount(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	connectCenter(t, env, co)
	r := vcc.Report{Domain: testenv.CallCenterDomain, Event: vcc.EventRinging, CallID: "c-1", Direction: "inbound",
		IPPhone: "5001", Number: "0912345678", At: time.Now()}
	body, _ := json.Marshal(r)
	post := func(key string, sent time.Time, body []byte) int {
		req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/webhooks/vcc", bytes.NewReader(body))
		req.Header.Set(vcc.TimestampHeader, strconv.FormatInt(sent.Unix(), 10))
		req.Header.Set(vcc.SignatureHeader, vcc.Center{AccessKey: key}.Sign(sent, body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	now := time.Now()
	for name, c := range map[string]struct {
		status int
		key    string
		sent   time.Time
		body   []byte
	}{
		"another key":      {http.StatusUnauthorized, "not the key", now, body},
		"too old":          {http.StatusUnauthorized, testenv.CallCenterAccessKey, now.Add(-6 * time.Minute), body},
		"from the future":  {http.StatusUnauthorized, testenv.CallCenterAccessKey, now.Add(6 * time.Minute), body},
		"not a report":     {http.StatusBadRequest, testenv.CallCenterAccessKey, now, []byte(`{"event":`)},
		"an unknown event": {http.StatusBadRequest, testenv.CallCenterAccessKey, now, bytes.Replace(body, []byte(`"ringing"`), []byte(`"exploded"`), 1)},
	} {
		if got := post(c.key, c.sent, c.body); got != c.status {
			t.Errorf("%s: %d, want %d", name, got, c.status)
		}
	}
	if n := env.DB.Client.Call.Query().CountX(testenv.As(co.Admin)); n != 0 {
		t.Fatalf("refused reports made %d calls", n)
	}
	if got := post(testenv.CallCenterAccessKey, now, body); got != http.StatusOK {
		t.Fatalf("the center's report: %d", got)
	}
	if got := post(testenv.CallCenterAccessKey, now, body); got != http.StatusConflict {
		t.Errorf("a replay: %d", got)
	}
	if n := env.DB.Client.Call.Query().CountX(testenv.As(co.Admin)); n != 1 {
		t.Errorf("%d calls", n)
	}
	if strings.Contains(env.Logs(), testenv.CallCenterAccessKey) {
		t.Error("the access key is in the logs")
	}
}

func mustDecode(t *testing.T, payload string, v any) {
	t.Helper()
	var m struct{ Data json.RawMessage }
	if err := json.Unmarshal([]byte(payload), &m); err != nil || json.Unmarshal(m.Data, v) != nil {
		t.Fatalf("decoding %s: %v", payload, err)
	}
}
