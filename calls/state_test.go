package calls_test

import (
	"testing"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/calls"
	"github.com/convene/convene/ent/call"
)

func TestEveryMoveOfTheStateMachine(t *testing.T) {
	states := []call.State{call.StateRINGING, call.StateACTIVE, call.StateHELD, call.StateENDED, call.StateFAILED}
	actions := []calls.Action{calls.Accept, calls.Hold, calls.Resume, calls.End, calls.Fail}
	legal := map[call.State]map[calls.Action]call.State{
		call.StateRINGING: {calls.Accept: call.StateACTIVE, calls.End: call.StateENDED, calls.Fail: call.StateFAILED},
		call.StateACTIVE:  {calls.Hold: call.StateHELD, calls.End: call.StateENDED},
		call.StateHELD:    {calls.Resume: call.StateACTIVE, calls.End: call.StateENDED},
	}
	for _, from := range states {
		for _, a := range actions {
			to, err := calls.Next(from, a)
			want, ok := legal[from][a]
			switch {
			case ok && (err != nil || to != want):
				t.Errorf("%s on %s: %s, %v; want %s", a, from, to, err, want)
			case !ok && err == nil:
				t.Errorf("%s on %s moved to %s", a, from, to)
			case !ok:
				if e, _ := apperr.As(err); e == nil || e.Code != apperr.Conflict || to != from {
					t.Errorf("%s on %s: %v (stays %s)", a, from, err, to)
				}
			}
		}
	}
	if calls.Final(call.StateHELD) || !calls.Final(call.StateENDED) || !calls.Final(call.StateFAILED) {
		t.Error("only ENDED and FAILED are final")
	}
}

func TestAnIllegalMoveSaysWhy(t *testing.T) {
	_, err := calls.Next(call.StateENDED, calls.Hold)
	if err == nil || err.Error() != "a call that is over cannot be held" {
		t.Errorf("holding an ended call: %v", err)
	}
}

func TestARepeatedReportIsNoNews(t *testing.T) {
	for _, c := range []struct {
		state call.State
		a     calls.Action
		want  bool
	}{
		{call.StateACTIVE, calls.Accept, true},
		{call.StateHELD, calls.Accept, true}, // answered long ago, then held
		{call.StateRINGING, calls.Accept, false},
		{call.StateHELD, calls.Hold, true},
		{call.StateACTIVE, calls.Hold, false},
		{call.StateACTIVE, calls.Resume, true},
		{call.StateENDED, calls.End, true},
		{call.StateFAILED, calls.End, false},
		{call.StateFAILED, calls.Fail, true},
	} {
		if got := calls.Reached(c.state, c.a); got != c.want {
			t.Errorf("%s reached on %s: %v", c.a, c.state, got)
		}
	}
}

func TestCalloutFailuresHaveCodesAndWords(t *testing.T) {
	for _, c := range []struct {
		centerError string
		sip         int
		code        string
	}{
		{"IPCC_NOT_CONNECT_CUSTOMER", 404, "NUMBER_UNREACHABLE"},
		{"IPCC_NOT_CONNECT_CUSTOMER", 486, "BUSY"},
		{"IPCC_NOT_CONNECT_CUSTOMER", 408, "NO_ANSWER"},
		{"IPCC_NOT_CONNECT_CUSTOMER", 403, "NUMBER_NOT_PAID"},
		{"IPCC_NOT_CONNECT_CUSTOMER", 487, "NOT_ANSWERED"},
		{"IPCC_NOT_CONNECT_CUSTOMER", 480, "TEMPORARILY_UNAVAILABLE"},
		{"IPCC_NOT_CONNECT_CUSTOMER", 503, "CALL_FAILED"},
		{"", 486, "BUSY"},
		{"IPCC_NOT_CONNECT_AGENT_ID", 0, "AGENT_UNREACHABLE"},
		{"IPCC_NOT_CONNECT_AGENT_ID", 486, "AGENT_UNREACHABLE"}, // the agent's side failed, whatever the SIP
		{"CALLOUT_AGENT_BUSY", 0, "AGENT_BUSY"},
		{"CALLOUT_PERMISSION_DENY", 0, "PERMISSION_DENIED"},
		{"ERROR_CALLOUT_CONNECT", 0, "CONNECT_ERROR"},
		{"SOMETHING_NEW", 404, "CALL_FAILED"},
	} {
		f := calls.FailureOf(c.centerError, c.sip)
		if f.Code != c.code || f.Message == "" || calls.FailureMessage(f.Code) != f.Message {
			t.Errorf("%s/%d: %+v; want %s", c.centerError, c.sip, f, c.code)
		}
	}
	if calls.FailureMessage("") != "" || calls.FailureMessage("UNHEARD_OF") == "" {
		t.Error("no failure has no words; an unknown one has the generic words")
	}
}
