package socket

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

func TestProtocolViolationsCloseWithTheirCodes(t *testing.T) {
	type step struct {
		in   string // a message from the client
		out  string // or what the server did: "ack", or "end <id>"
		code int    // the close code the step must cause, 0 for none
	}
	cases := map[string][]step{
		"no type":              {{in: `{"id":"1"}`, code: CloseBadMessage}},
		"unknown type":         {{in: `{"type":"hello"}`, code: CloseBadMessage}},
		"subscribe before ack": {{in: `{"type":"connection_init"}`}, {in: `{"id":"1","type":"subscribe"}`, code: CloseUnauthorized}},
		"second init":          {{in: `{"type":"connection_init"}`}, {out: "ack"}, {in: `{"type":"connection_init"}`, code: CloseTooManyInitCalls}},
		"no id":                {{in: `{"type":"connection_init"}`}, {out: "ack"}, {in: `{"type":"subscribe"}`, code: CloseBadMessage}},
		"duplicate id":         {{in: `{"type":"connection_init"}`}, {out: "ack"}, {in: `{"id":"a","type":"subscribe"}`}, {in: `{"id":"a","type":"subscribe"}`, code: CloseDuplicateID}},
		"too many operations": {{in: `{"type":"connection_init"}`}, {out: "ack"}, {in: `{"id":"a","type":"subscribe"}`},
			{in: `{"id":"b","type":"subscribe"}`}, {in: `{"id":"c","type":"subscribe"}`, code: CloseBadMessage}},
		"id free after the server completes": {{in: `{"type":"connection_init"}`}, {out: "ack"}, {in: `{"id":"a","type":"subscribe"}`}, {out: "end a"}, {in: `{"id":"a","type":"subscribe"}`}},
		"id free after the client completes": {{in: `{"type":"connection_init"}`}, {out: "ack"}, {in: `{"id":"a","type":"subscribe"}`},
			{in: `{"id":"a","type":"complete"}`}, {in: `{"id":"a","type":"subscribe"}`}},
	}
	for name, steps := range cases {
		r := newRules(transportWSDialect, 2)
		for i, s := range steps {
			switch s.out {
			case "ack":
				r.ack()
				continue
			case "end a":
				r.ended("a")
				continue
			}
			var m message
			if err := json.Unmarshal([]byte(s.in), &m); err != nil {
				t.Fatal(err)
			}
			got := 0
			if err := r.received(m); err != nil {
				got = err.Code
			}
			if got != s.code {
				t.Errorf("%s, step %d: close code %d, want %d", name, i, got, s.code)
			}
		}
	}
}

func TestLegacyProtocolNamesItsOwnMessages(t *testing.T) {
	r := newRules(legacyDialect, 2)
	for _, in := range []message{{Type: "connection_init"}} {
		if err := r.received(in); err != nil {
			t.Fatal(err)
		}
	}
	r.ack()
	if err := r.received(message{ID: "1", Type: "start"}); err != nil {
		t.Fatalf("start: %v", err)
	}
	if err := r.received(message{ID: "1", Type: "subscribe"}); err == nil {
		t.Fatal("the legacy protocol took graphql-transport-ws's subscribe")
	}
	if err := r.received(message{ID: "1", Type: "stop"}); err != nil || len(r.active) != 0 {
		t.Fatalf("stop: %v, still active: %v", err, r.active)
	}
}

func TestResultFrameIsTheMessage(t *testing.T) {
	o := &operation{id: `a"1`, c: &conn{rules: newRules(legacyDialect, 1)}}
	var buf bytes.Buffer
	res := &graphql.Response{Data: json.RawMessage(`{"x":1}`)}
	if err := o.frame(&buf, func(w io.Writer) error { return json.NewEncoder(w).Encode(res) }); err != nil {
		t.Fatal(err)
	}
	frame := buf.Bytes()
	var m message
	if err := json.Unmarshal(frame, &m); err != nil {
		t.Fatalf("%s: %v", frame, err)
	}
	if m.ID != `a"1` || m.Type != "data" || string(m.Payload) != `{"data":{"x":1}}` {
		t.Fatalf("frame %s", frame)
	}
}
