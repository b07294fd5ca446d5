package graph_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/convene/convene/calls/media/mediatest"
	"github.com/convene/convene/internal/testenv"
)

// participant is an employee on an in-app call with a pion peer.
type participant struct {
	*mediatest.Client
	userID int
	token  string
}

// TestAChannelCallThroughTheSFU: three employees on a channel call each
// hear the other two through the server's SFU; when one hangs up the
// others go on; the call ends when the last leaves.
func TestAChannelCallThroughTheSFU(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	third, thirdToken := anotherEmployee(t, env, co)
	var ch struct{ CreateChannel struct{ ID string } }
	env.Must(t, co.AdminToken, `mutation($m:[ID!]){ createChannel(input:{name:"Standup", members:$m}){ id } }`,
		map[string]any{"m": []int{co.Member.ID, third.ID}}, &ch)
	var placed struct{ PlaceCall struct{ ID string } }
	env.Must(t, co.AdminToken, placeCall, map[string]any{"in": map[string]any{"channel": ch.CreateChannel.ID}}, &placed)
	callID := atoi(t, placed.PlaceCall.ID)
	if code := act(t, env, co.MemberToken, "acceptCall", callID); code != "" {
		t.Fatal(code)
	}

	people := []participant{{userID: co.Admin.ID, token: co.AdminToken}, {userID: co.Member.ID, token: co.MemberToken},
		{userID: third.ID, token: thirdToken}}
	for i := range people {
		c, err := mediatest.Join(env.Server.URL, people[i].token, callID)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		people[i].Client = c
	}
	for i, p := range people {
		var others []int
		for j, q := range people {
			if j != i {
				others = append(others, q.userID)
			}
		}
		mustHear(t, p.Client, nil, 10, others...)
	}

	if code := act(t, env, people[2].token, "endCall", callID); code != "" {
		t.Fatalf("the third hung up: %s", code)
	}
	if state := callState(t, env, co.AdminToken, placed.PlaceCall.ID); state != "ACTIVE" {
		t.Errorf("one of three hung up and the call is %s", state)
	}
	before0, before1 := people[0].Received(), people[1].Received()
	mustHear(t, people[0].Client, before0, 25, people[1].userID)
	mustHear(t, people[1].Client, before1, 25, people[0].userID)

	env.Must(t, co.MemberToken, `mutation($c:ID!){ leaveCallMedia(call:$c){ state } }`, map[string]any{"c": callID}, &struct{}{})
	var last struct{ LeaveCallMedia struct{ State string } }
	env.Must(t, co.AdminToken, `mutation($c:ID!){ leaveCallMedia(call:$c){ state } }`, map[string]any{"c": callID}, &last)
	if last.LeaveCallMedia.State != "ENDED" {
		t.Errorf("the last left and the call is %s", last.LeaveCallMedia.State)
	}
	if res := env.Query(t, co.AdminToken, `mutation($c:ID!, $o:String!){ joinCallMedia(call:$c, offer:$o) }`,
		map[string]any{"c": callID, "o": "v=0"}); res.Code() != "CONFLICT" {
		t.Errorf("joined an ended call: %+v", res.Errors)
	}
}

// TestMediaIsForTheCallsOwnPeople: someone not on the call may not join
// its media or its signals, a phone call has no media here, and a bad
// offer is a field error.
func TestMediaIsForTheCallsOwnPeople(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	_, outsiderToken := anotherEmployee(t, env, co)
	var placed struct{ PlaceCall struct{ ID string } }
	env.Must(t, co.AdminToken, placeCall, map[string]any{"in": map[string]any{"user": co.Member.ID}}, &placed)
	const join = `mutation($c:ID!, $o:String!){ joinCallMedia(call:$c, offer:$o) }`
	if res := env.Query(t, outsiderToken, join, map[string]any{"c": placed.PlaceCall.ID, "o": "v=0"}); res.Code() != "FORBIDDEN" {
		t.Errorf("an outsider joined: %+v", res.Errors)
	}
	refused := subscribe(t, env, outsiderToken, "s", `subscription($c:ID!){ callSignal(call:$c){ offer } }`, map[string]any{"c": placed.PlaceCall.ID})
	if got := awaitNext(t, refused); !bytes.Contains([]byte(got), []byte("FORBIDDEN")) {
		t.Errorf("an outsider's signals: %s", got)
	}
	if res := env.Query(t, co.AdminToken, join, map[string]any{"c": placed.PlaceCall.ID, "o": "not sdp"}); res.Field() != "offer" {
		t.Errorf("a bad offer: %+v", res.Errors)
	}
	if res := env.Query(t, co.AdminToken, `mutation($c:ID!){ sendIceCandidate(call:$c, candidate:"{}") }`,
		map[string]any{"c": placed.PlaceCall.ID}); res.Code() != "CONFLICT" {
		t.Errorf("a candidate before joining: %+v", res.Errors)
	}
	phoneCall := env.DB.Client.Call.Create().SetDirection("INBOUND").SetCallerNumber("+84912000111").SetCalleeID(co.Member.ID).
		SetStartedAt(time.Now()).SaveX(testenv.As(co.Admin))
	if res := env.Query(t, co.MemberToken, join, map[string]any{"c": phoneCall.ID, "o": "v=0"}); res.Code() != "CONFLICT" {
		t.Errorf("media on a phone call: %+v", res.Errors)
	}
}

func mustHear(t *testing.T, c *mediatest.Client, before map[string]int, n int, users ...int) {
	t.Helper()
	if err := c.WaitToHear(before, n, users...); err != nil {
		t.Fatal(err)
	}
}
