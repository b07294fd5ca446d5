package vcc

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// VNPT documents no server-to-server call events, so the reports a center
// (or the bridge in front of it) posts to /webhooks/vcc are ours, as the
// README's "Call-center webhook" section describes:
//
//	POST /webhooks/vcc
//	X-VCC-Timestamp: 1764000000                (Unix seconds)
//	X-VCC-Signature: sha256=<hex HMAC-SHA256 of timestamp + "." + body, keyed by the access key>
//	{"domain":"acme","event":"ringing","callId":"c-1","direction":"inbound",
//	 "ipphone":"5000","number":"0912345678","at":"2026-11-22T09:00:00Z"}
const (
	TimestampHeader = "X-VCC-Timestamp"
	SignatureHeader = "X-VCC-Signature"
)

// The events a report can carry.
const (
	EventRinging       = "ringing"
	EventAnswered      = "answered"
	EventEnded         = "ended"
	EventHeld          = "held"
	EventResumed       = "resumed"
	EventMuted         = "muted"
	EventUnmuted       = "unmuted"
	EventCalloutResult = "callout_result" // error and sipCode say why it failed; none, that the customer answered
)

// Report is one call event from the center.
type Report struct {
	Domain    string    `json:"domain"`
	Event     string    `json:"event"`
	CallID    string    `json:"callId"`
	Direction string    `json:"direction"` // inbound or outbound
	IPPhone   string    `json:"ipphone"`   // the agent's extension
	Number    string    `json:"number"`    // the customer's, as the center writes it
	Error     string    `json:"error,omitempty"`
	SIPCode   int       `json:"sipCode,omitempty"`
	At        time.Time `json:"at"`
}

// Inbound reports whether the customer called in.
func (r Report) Inbound() bool { return r.Direction == "inbound" }

// Check names the first field a report cannot do without.
func (r Report) Check() error {
	switch {
	case r.Domain == "":
		return errors.New("domain is missing")
	case !knownEvents[r.Event]:
		return fmt.Errorf("event %q is none of ringing, answered, ended, held, resumed, muted, unmuted, callout_result", r.Event)
	case r.CallID == "":
		return errors.New("callId is missing")
	case r.Direction != "inbound" && r.Direction != "outbound":
		return fmt.Errorf("direction %q is neither inbound nor outbound", r.Direction)
	case r.IPPhone == "":
		return errors.New("ipphone is missing")
	case r.At.IsZero():
		return errors.New("at is missing")
	}
	return nil
}

var knownEvents = map[string]bool{EventRinging: true, EventAnswered: true, EventEnded: true, EventHeld: true,
	EventResumed: true, EventMuted: true, EventUnmuted: true, EventCalloutResult: true}

// MaxReportAge is how far a report's timestamp may be from our clock;
// older ones are refused as possible replays.
const MaxReportAge = 5 * time.Minute

// Sign is the signature header of body sent at ts, keyed by the access key.
func (c Center) Sign(ts time.Time, body []byte) string {
	return "sha256=" + hex.EncodeToString(c.mac(strconv.FormatInt(ts.Unix(), 10), body))
}

func (c Center) mac(ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(c.AccessKey))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// ErrStale says a report's timestamp is missing or too far from now.
var ErrStale = errors.New("vcc: the report's timestamp is missing or more than five minutes off")

// Verify checks that h signs body with the center's key at a time within
// MaxReportAge of now.
func (c Center) Verify(h http.Header, body []byte, now time.Time) error {
	sec, err := strconv.ParseInt(h.Get(TimestampHeader), 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > MaxReportAge {
		return ErrStale
	}
	sig, err := hex.DecodeString(strings.TrimPrefix(h.Get(SignatureHeader), "sha256="))
	if err != nil || !hmac.Equal(sig, c.mac(h.Get(TimestampHeader), body)) {
		return errors.New("vcc: the signature does not match the body")
	}
	return nil
}
