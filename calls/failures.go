package calls

import "cmp"

// Failure is why a callout did not connect: a code clients can branch on
// and words an agent can read.
type Failure struct {
	Code    string
	Message string
}

// The center reports a callout that did not reach the customer as
// IPCC_NOT_CONNECT_CUSTOMER with the SIP status of the far end, and a
// callout that never left as one of its own error names.
const notConnectCustomer = "IPCC_NOT_CONNECT_CUSTOMER"

var bySIP = map[int]Failure{
	404: {"NUMBER_UNREACHABLE", "The number cannot be reached."},
	486: {"BUSY", "The number is busy."},
	408: {"NO_ANSWER", "Nobody answered, or the line failed."},
	403: {"NUMBER_NOT_PAID", "The number is not paid up."},
	487: {"NOT_ANSWERED", "The customer did not answer."},
	480: {"TEMPORARILY_UNAVAILABLE", "The number is unreachable for now."},
}

var byCenterError = map[string]Failure{
	"IPCC_NOT_CONNECT_AGENT_ID": {"AGENT_UNREACHABLE", "Your phone or network cannot be reached by the call center."},
	"CALLOUT_AGENT_BUSY":        {"AGENT_BUSY", "You are already on a call."},
	"CALLOUT_PERMISSION_DENY":   {"PERMISSION_DENIED", "You may not place calls out."},
	"ERROR_CALLOUT_CONNECT":     {"CONNECT_ERROR", "The call center could not connect the call."},
}

var callFailed = Failure{"CALL_FAILED", "The call could not be connected."}

// FailureOf maps the center's error name and SIP code to a Failure; what it
// does not know is a generic failure, never an empty one.
func FailureOf(centerError string, sip int) Failure {
	if f, ok := byCenterError[centerError]; ok {
		return f
	}
	if f, ok := bySIP[sip]; ok && (centerError == notConnectCustomer || centerError == "") {
		return f
	}
	return callFailed
}

// FailureMessage is the words for a Failure's code, as stored on a call.
func FailureMessage(code string) string {
	if code == "" {
		return ""
	}
	return cmp.Or(messages[code], callFailed.Message)
}

// messages are every Failure's words by its code.
var messages = func() map[string]string {
	m := map[string]string{}
	for _, f := range bySIP {
		m[f.Code] = f.Message
	}
	for _, f := range byCenterError {
		m[f.Code] = f.Message
	}
	return m
}()
