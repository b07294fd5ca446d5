package calls

import (
	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent/call"
)

// Action is something that happens to a call, from an agent's button or
// from the call center's report.
type Action string

// The actions that move a call between states. Muting is not among them:
// it changes no state (see Mute).
const (
	Accept Action = "ACCEPT" // the callee picks up, or the customer answers a callout
	Hold   Action = "HOLD"
	Resume Action = "RESUME"
	End    Action = "END"  // either side hangs up, or nobody picked up
	Fail   Action = "FAIL" // a callout that never connected
)

// moves is the whole state machine: RINGING → ACTIVE ⇄ HELD → ENDED, or
// FAILED before anyone answered. ENDED and FAILED are final.
var moves = map[call.State]map[Action]call.State{
	call.StateRINGING: {Accept: call.StateACTIVE, End: call.StateENDED, Fail: call.StateFAILED},
	call.StateACTIVE:  {Hold: call.StateHELD, End: call.StateENDED},
	call.StateHELD:    {Resume: call.StateACTIVE, End: call.StateENDED},
}

// Next is the state a call in from moves to on a, or a CONFLICT error that
// says why a cannot happen now.
func Next(from call.State, a Action) (call.State, error) {
	if to, ok := moves[from][a]; ok {
		return to, nil
	}
	return from, apperr.New(apperr.Conflict, "a call that is %s cannot be %s", stateWords[from], actionWords[a])
}

// Reached reports whether a call in state has already gone where a leads,
// so that a repeated report of a is no news.
func Reached(state call.State, a Action) bool {
	switch a {
	case Accept:
		return state == call.StateACTIVE || state == call.StateHELD
	case Hold:
		return state == call.StateHELD
	case Resume:
		return state == call.StateACTIVE
	case End:
		return state == call.StateENDED
	case Fail:
		return state == call.StateFAILED
	}
	return false
}

// Final reports whether a call in state is over.
func Final(state call.State) bool { return len(moves[state]) == 0 }

var stateWords = map[call.State]string{
	call.StateRINGING: "ringing", call.StateACTIVE: "in progress", call.StateHELD: "on hold",
	call.StateENDED: "over", call.StateFAILED: "failed",
}

var actionWords = map[Action]string{
	Accept: "accepted", Hold: "held", Resume: "resumed", End: "ended", Fail: "failed",
}
