package graph_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/convene/convene/calls"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/job"
	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/viewer"
)

const (
	placeCall  = `mutation($in:PlaceCallInput!){ placeCall(input:$in){ id state direction caller { name } callee { name } channel { name } } }`
	callAction = `mutation($c:ID!){ %s(call:$c){ id state muted answeredAt endedAt } }`
	myUpdates  = `subscription{ callUpdated{ change call { id state } agent { availability device deviceNumber voiceSession currentCall { id } } } }`
)

// awaitNext reads the next message of conn, waiting up to five seconds
// from now.
func awaitNext(t *testing.T, conn *websocket.Conn) string {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, err := next(t, conn)
	if err != nil {
		t.Fatalf("waiting for a message: %v", err)
	}
	return toJSON(m.Payload)
}

// act does a call action and returns the error code, or "" on success.
func act(t *testing.T, env *testenv.Env, token, action string, callID int) string {
	t.Helper()
	return env.Query(t, token, strings.Replace(callAction, "%s", action, 1), map[string]any{"c": callID}).Code()
}

// TestEmployeesCallEachOther: an in-app call rings the callee, who picks
// up, holds, resumes and hangs up; each change reaches both; moves the state
// machine forbids are refused with why; an unanswered call is a missed-call
// notice; nobody outside the call, or the company, can touch it.
func TestEmployeesCallEachOther(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		other := env.NewCompany(t, "Other")
		ringing := subscribe(t, env, co.MemberToken, "r", `subscription{ incomingCall{ id state direction caller { name } } }`, nil)
		callerSide := subscribe(t, env, co.AdminToken, "u", myUpdates, nil)
		notices := subscribe(t, env, co.MemberToken, "n", `subscription{ notificationAdded{ kind title } }`, nil)
		time.Sleep(100 * time.Millisecond)

		for _, in := range []map[string]any{{}, {"user": co.Member.ID, "number": "0912345678"}} {
			if res := env.Query(t, co.AdminToken, placeCall, map[string]any{"in": in}); res.Field() != "input" {
				t.Errorf("placeCall %v: %+v", in, res.Errors)
			}
		}
		if res := env.Query(t, co.AdminToken, placeCall, map[string]any{"in": map[string]any{"user": other.Member.ID}}); res.Field() != "user" {
			t.Errorf("called another company's employee: %+v", res.Errors)
		}
		var placed struct {
			PlaceCall struct{ ID, State, Direction string }
		}
		env.Must(t, co.AdminToken, placeCall, map[string]any{"in": map[string]any{"user": co.Member.ID}}, &placed)
		id := atoi(t, placed.PlaceCall.ID)
		if got := awaitNext(t, ringing); !strings.Contains(got, `"state":"RINGING"`) || !strings.Contains(got, `"direction":"INTERNAL"`) ||
			!strings.Contains(got, `"name":"`+co.Admin.Name+`"`) {
			t.Errorf("the callee's popup: %s", got)
		}
		if got := awaitNext(t, callerSide); !strings.Contains(got, `"change":"RINGING"`) || !strings.Contains(got, `"currentCall":{"id":"`+placed.PlaceCall.ID) {
			t.Errorf("the caller's update: %s", got)
		}

		if code := act(t, env, co.AdminToken, "acceptCall", id); code != "FORBIDDEN" {
			t.Errorf("the caller picked up their own call: %q", code)
		}
		if code := act(t, env, other.AdminToken, "endCall", id); code != "NOT_FOUND" {
			t.Errorf("another company ended the call: %q", code)
		}
		if code := act(t, env, co.MemberToken, "holdCall", id); code != "CONFLICT" {
			t.Errorf("a ringing call was held: %q", code)
		}
		for _, step := range []struct{ action, token, state string }{
			{"acceptCall", co.MemberToken, "ACTIVE"}, {"holdCall", co.AdminToken, "HELD"},
			{"resumeCall", co.MemberToken, "ACTIVE"}, {"endCall", co.MemberToken, "ENDED"},
		} {
			if code := act(t, env, step.token, step.action, id); code != "" {
				t.Fatalf("%s: %s", step.action, code)
			}
			if got := awaitNext(t, callerSide); !strings.Contains(got, `"state":"`+step.state+`"`) {
				t.Errorf("after %s the caller saw %s", step.action, got)
			}
		}
		res := env.Query(t, co.MemberToken, `mutation($c:ID!){ endCall(call:$c){ id } }`, map[string]any{"c": id})
		if res.Code() != "CONFLICT" || !strings.Contains(toJSON(res.Errors), "a call that is over cannot be ended") {
			t.Errorf("ending an ended call: %+v", res.Errors)
		}
		if code := act(t, env, co.MemberToken, "muteCall", id); code != "CONFLICT" {
			t.Errorf("an in-app call was muted: %q", code)
		}

		env.Must(t, co.AdminToken, placeCall, map[string]any{"in": map[string]any{"user": co.Member.ID}}, &placed)
		awaitNext(t, ringing)
		if code := act(t, env, co.AdminToken, "endCall", atoi(t, placed.PlaceCall.ID)); code != "" {
			t.Fatal(code)
		}
		if got := awaitNext(t, notices); !strings.Contains(got, `"kind":"CALL_MISSED"`) || !strings.Contains(got, "Missed call from "+co.Admin.Name) {
			t.Errorf("the missed call's notice: %s", got)
		}

		env.Must(t, co.MemberToken, `mutation{ setCallAvailability(availability:OFF){ availability } }`, nil, &struct{}{})
		if res := env.Query(t, co.AdminToken, placeCall, map[string]any{"in": map[string]any{"user": co.Member.ID}}); res.Code() != "CONFLICT" {
			t.Errorf("an employee with calls off was rung: %+v", res.Errors)
		}
	})
}

// TestAChannelCallRingsItsMembers: a channel call rings every member but
// the caller; a non-member may neither place one nor pick it up.
func TestAChannelCallRingsItsMembers(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	_, thirdToken := anotherEmployee(t, env, co)
	var ch struct{ CreateChannel struct{ ID string } }
	env.Must(t, co.AdminToken, `mutation($m:[ID!]){ createChannel(input:{name:"Sales", members:$m}){ id } }`,
		map[string]any{"m": []int{co.Member.ID}}, &ch)
	member := subscribe(t, env, co.MemberToken, "r", `subscription{ incomingCall{ id channel { name } } }`, nil)
	caller := subscribe(t, env, co.AdminToken, "r", `subscription{ incomingCall{ id } }`, nil)
	time.Sleep(100 * time.Millisecond)

	if res := env.Query(t, thirdToken, placeCall, map[string]any{"in": map[string]any{"channel": ch.CreateChannel.ID}}); res.Field() != "channel" {
		t.Errorf("a non-member called the channel: %+v", res.Errors)
	}
	var placed struct{ PlaceCall struct{ ID string } }
	env.Must(t, co.AdminToken, placeCall, map[string]any{"in": map[string]any{"channel": ch.CreateChannel.ID}}, &placed)
	if got := awaitNext(t, member); !strings.Contains(got, `"name":"Sales"`) {
		t.Errorf("the member's popup: %s", got)
	}
	_ = caller.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if m, err := next(t, caller); err == nil {
		t.Errorf("the caller was rung by their own call: %+v", m)
	}
	if code := act(t, env, thirdToken, "acceptCall", atoi(t, placed.PlaceCall.ID)); code != "FORBIDDEN" {
		t.Errorf("a non-member picked up: %q", code)
	}
	if code := act(t, env, co.MemberToken, "acceptCall", atoi(t, placed.PlaceCall.ID)); code != "" {
		t.Errorf("a member picked up: %q", code)
	}
}

// TestAnAgentsCallSettings: the device and its number, availability and
// the voice session are the agent's own; each change reaches their tabs,
// and the tab that had the voice session learns another took it.
func TestAnAgentsCallSettings(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	tabA := subscribe(t, env, co.MemberToken, "u", myUpdates, nil)
	time.Sleep(100 * time.Millisecond)

	const setDevice = `mutation($d:UserCallDevice!, $n:String){ setCallDevice(device:$d, number:$n){ device deviceNumber } }`
	if res := env.Query(t, co.MemberToken, setDevice, map[string]any{"d": "MOBILE"}); res.Field() != "number" {
		t.Errorf("a mobile without a number: %+v", res.Errors)
	}
	if res := env.Query(t, co.MemberToken, setDevice, map[string]any{"d": "MOBILE", "n": "call me"}); res.Field() != "number" {
		t.Errorf("a mobile with a bad number: %+v", res.Errors)
	}
	var set struct {
		SetCallDevice struct{ Device, DeviceNumber string }
	}
	env.Must(t, co.MemberToken, setDevice, map[string]any{"d": "MOBILE", "n": "0912 345 678"}, &set)
	if set.SetCallDevice.DeviceNumber != "+84912345678" {
		t.Errorf("the mobile's number: %+v", set.SetCallDevice)
	}
	if got := awaitNext(t, tabA); !strings.Contains(got, `"change":"DEVICE_CHANGED"`) || !strings.Contains(got, `"call":null`) ||
		!strings.Contains(got, `"deviceNumber":"+84912345678"`) {
		t.Errorf("the device change: %s", got)
	}
	for _, tab := range []string{"tab-a", "tab-b"} {
		env.Must(t, co.MemberToken, `mutation($t:String!){ claimVoiceSession(tab:$t){ voiceSession } }`, map[string]any{"t": tab}, &struct{}{})
		if got := awaitNext(t, tabA); !strings.Contains(got, `"change":"VOICE_SESSION_CHANGED"`) || !strings.Contains(got, `"voiceSession":"`+tab+`"`) {
			t.Errorf("claimed by %s: %s", tab, got)
		}
	}
	if res := env.Query(t, co.MemberToken, `mutation{ claimVoiceSession(tab:""){ voiceSession } }`, nil); res.Field() != "tab" {
		t.Errorf("an unnamed tab: %+v", res.Errors)
	}
	var reset struct {
		ResetCallDevice struct {
			Device       string
			DeviceNumber *string
			VoiceSession *string
		}
	}
	env.Must(t, co.MemberToken, `mutation{ resetCallDevice{ device deviceNumber voiceSession } }`, nil, &reset)
	if r := reset.ResetCallDevice; r.Device != "BROWSER" || r.DeviceNumber != nil || r.VoiceSession != nil {
		t.Errorf("reset: %+v", r)
	}
	var mine struct {
		CallAgent struct{ Device, Availability string }
	}
	env.Must(t, co.MemberToken, `{ callAgent{ device availability } }`, nil, &mine)
	if mine.CallAgent.Device != "BROWSER" || mine.CallAgent.Availability != "ON" {
		t.Errorf("callAgent: %+v", mine.CallAgent)
	}
	env.Must(t, co.MemberToken, `mutation{ claimVoiceSession(tab:"tab-c"){ voiceSession } }`, nil, &struct{}{})
	env.Must(t, co.MemberToken, `mutation{ logout(refreshToken:"gone") }`, nil, &struct{}{})
	var after struct {
		CallAgent struct{ VoiceSession *string }
	}
	env.Must(t, co.MemberToken, `{ callAgent{ voiceSession } }`, nil, &after)
	if after.CallAgent.VoiceSession != nil {
		t.Errorf("signed out, tab %s still handles calls", *after.CallAgent.VoiceSession)
	}
	if res := env.Query(t, co.MemberToken, `mutation($id:ID!){ updateUser(id:$id, input:{extension:"5555"}){ id } }`,
		map[string]any{"id": co.Member.ID}); res.Code() == "" {
		t.Error("setting call settings let a member change their own user record")
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return n
}

// anotherEmployee adds a member to co besides its admin and member, signed in.
func anotherEmployee(t *testing.T, env *testenv.Env, co *testenv.Company) (*ent.User, string) {
	t.Helper()
	u := env.NewUser(t, co.Company, "Thi Ba", "ba@"+strings.ToLower(co.Company.Name)+".test", "MEMBER")
	return u, env.Login(t, u.Email)
}

// TestAnInAppCallNobodyPicksUpStopsRinging: after RingTimeout an in-app
// call still ringing ends as missed; one picked up meanwhile goes on.
func TestAnInAppCallNobodyPicksUpStopsRinging(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	notices := subscribe(t, env, co.MemberToken, "n", `subscription{ notificationAdded{ kind } }`, nil)
	time.Sleep(100 * time.Millisecond)
	var unanswered, answered struct{ PlaceCall struct{ ID string } }
	env.Must(t, co.AdminToken, placeCall, map[string]any{"in": map[string]any{"user": co.Member.ID}}, &unanswered)
	env.Must(t, co.AdminToken, placeCall, map[string]any{"in": map[string]any{"user": co.Member.ID}}, &answered)
	if code := act(t, env, co.MemberToken, "acceptCall", atoi(t, answered.PlaceCall.ID)); code != "" {
		t.Fatal(code)
	}
	system := viewer.NewSystemContext(testenv.As(co.Admin), viewer.SystemJobs)
	timeouts := env.DB.Client.Job.Query().Where(job.Kind(calls.KindRingTimeout))
	if due := timeouts.Clone().Where(job.RunAtGT(time.Now().Add(calls.RingTimeout - 5*time.Second))).CountX(system); due != 2 {
		t.Fatalf("%d ring timeouts due in %v", due, calls.RingTimeout)
	}
	env.DB.Client.Job.Update().Where(job.Kind(calls.KindRingTimeout)).SetRunAt(time.Now().UTC()).ExecX(system)
	env.App.Jobs.Wake()
	if got := awaitNext(t, notices); !strings.Contains(got, `"kind":"CALL_MISSED"`) {
		t.Errorf("the unanswered call: %s", got)
	}
	eventually(t, "both timeouts done", func() bool {
		return timeouts.Clone().Where(job.StateEQ(job.StateDONE)).CountX(system) == 2
	})
	if got := callState(t, env, co.AdminToken, unanswered.PlaceCall.ID); got != "ENDED" {
		t.Errorf("the unanswered call is %s", got)
	}
	if got := callState(t, env, co.AdminToken, answered.PlaceCall.ID); got != "ACTIVE" {
		t.Errorf("the answered call is %s", got)
	}
}
