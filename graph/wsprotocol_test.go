package graph

import "testing"

func TestTransportWSProtocolErrors(t *testing.T) {
	type step struct {
		in, out string // a message from the client, or one to it
		code    int    // the close code the step must cause, 0 for none
	}
	cases := map[string][]step{
		"bad JSON":             {{in: `{not json`, code: closeBadMessage}},
		"no type":              {{in: `{"id":"1"}`, code: closeBadMessage}},
		"subscribe before ack": {{in: `{"type":"connection_init"}`}, {in: `{"id":"1","type":"subscribe"}`, code: closeUnauthorized}},
		"second init":          {{in: `{"type":"connection_init"}`}, {out: `{"type":"connection_ack"}`}, {in: `{"type":"connection_init"}`, code: closeTooManyInitCalls}},
		"duplicate id":         {{in: `{"type":"connection_init"}`}, {out: `{"type":"connection_ack"}`}, {in: `{"id":"a","type":"subscribe"}`}, {in: `{"id":"a","type":"subscribe"}`, code: closeDuplicateID}},
		"too many operations": {{in: `{"type":"connection_init"}`}, {out: `{"type":"connection_ack"}`}, {in: `{"id":"a","type":"subscribe"}`},
			{in: `{"id":"b","type":"subscribe"}`}, {in: `{"id":"c","type":"subscribe"}`, code: closeBadMessage}},
		"id free after complete": {{in: `{"type":"connection_init"}`}, {out: `{"type":"connection_ack"}`}, {in: `{"id":"a","type":"subscribe"}`}, {out: `{"id":"a","type":"complete"}`}, {in: `{"id":"a","type":"subscribe"}`}},
		"id free after client complete": {{in: `{"type":"connection_init"}`}, {out: `{"type":"connection_ack"}`}, {in: `{"id":"a","type":"subscribe"}`},
			{in: `{"id":"a","type":"complete"}`}, {in: `{"id":"a","type":"subscribe"}`}},
	}
	for name, steps := range cases {
		p := &transportWS{strict: true, maxOps: 2, active: map[string]bool{}}
		for i, s := range steps {
			if s.out != "" {
				p.sent([]byte(s.out))
				continue
			}
			got := 0
			if err := p.received([]byte(s.in)); err != nil {
				got = err.code
			}
			if got != s.code {
				t.Errorf("%s, step %d: close code %d, want %d", name, i, got, s.code)
			}
		}
	}
	legacy := &transportWS{active: map[string]bool{}}
	if err := legacy.received([]byte(`{"type":"connection_init"}`)); err != nil || !legacy.initialised() {
		t.Errorf("legacy init: %v", err)
	}
	if err := legacy.received([]byte(`{"type":"connection_init"}`)); err != nil {
		t.Errorf("the legacy protocol got a graphql-transport-ws close: %v", err)
	}
}
