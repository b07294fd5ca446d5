package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/internal/testenv"
)

func TestChannelsAndPosts(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		outsider := env.NewCompany(t, "Other")
		bystander := env.NewUser(t, co.Company, "Bystander", "by@acme.example", "MEMBER")
		var made struct{ CreateChannel struct{ ID string } }
		env.Must(t, co.MemberToken, `mutation($m:[ID!]){ createChannel(input:{name:"sales", members:$m}){ id } }`,
			map[string]any{"m": []int{co.Admin.ID}}, &made)
		ch := made.CreateChannel.ID
		for name, c := range map[string]struct{ query, code, field string }{
			"duplicate name":   {`mutation{ createChannel(input:{name:"sales"}){ id } }`, "CONFLICT", ""},
			"outside member":   {`mutation{ createChannel(input:{name:"x", members:["` + itoa(outsider.Member.ID) + `"]}){ id } }`, "BAD_USER_INPUT", "members"},
			"empty message":    {`mutation{ postMessage(channel:"` + ch + `", body:"  "){ id } }`, "BAD_USER_INPUT", "body"},
			"bystander writes": {`mutation{ postMessage(channel:"` + ch + `", body:"hi"){ id } }`, "BAD_USER_INPUT", "channel"},
		} {
			token := co.MemberToken
			if name == "bystander writes" {
				token = env.Login(t, bystander.Email)
			}
			if res := env.Query(t, token, c.query, nil); res.Code() != c.code || res.Field() != c.field {
				t.Errorf("%s: %+v", name, res.Errors)
			}
		}

		added := subscribe(t, env, co.AdminToken, "1", `subscription($c:ID!){ channelPostAdded(channel:$c){ body author { email } } }`, map[string]any{"c": ch})
		if res := subscribe(t, env, env.Login(t, bystander.Email), "1", `subscription($c:ID!){ channelPostAdded(channel:$c){ body } }`, map[string]any{"c": ch}); res != nil {
			if m, err := next(t, res); err != nil || !strings.Contains(toJSON(m.Payload), "BAD_USER_INPUT") {
				t.Errorf("a non-member subscribed: %+v %v", m, err)
			}
		}
		time.Sleep(100 * time.Millisecond)
		env.Must(t, co.MemberToken, `mutation($c:ID!){ postMessage(channel:$c, body:"Deal closed"){ id } }`, map[string]any{"c": ch}, &struct{}{})
		if m, err := next(t, added); err != nil || !strings.Contains(toJSON(m.Payload), "Deal closed") || !strings.Contains(toJSON(m.Payload), co.Member.Email) {
			t.Fatalf("channelPostAdded: %+v %v", m, err)
		}

		// Posts are for members: the bystander sees none.
		posts := `query($c:ID!){ node(id:$c){ ... on Channel { posts(first:10, orderBy:{field:CREATED_AT, direction:DESC}){ totalCount edges { node { body kind } } } } } }`
		var seen struct {
			Node struct{ Posts struct{ TotalCount int } }
		}
		env.Must(t, env.Login(t, bystander.Email), posts, map[string]any{"c": ch}, &seen)
		if seen.Node.Posts.TotalCount != 0 {
			t.Errorf("a non-member reads %d posts", seen.Node.Posts.TotalCount)
		}
		env.Must(t, co.MemberToken, posts, map[string]any{"c": ch}, &seen)
		if seen.Node.Posts.TotalCount != 1 {
			t.Errorf("a member reads %d posts", seen.Node.Posts.TotalCount)
		}

		// Posts come newest first by default, and pages follow on.
		env.Must(t, co.MemberToken, `mutation($c:ID!){ postMessage(channel:$c, body:"Invoice sent"){ id } }`, map[string]any{"c": ch}, &struct{}{})
		if m, err := next(t, added); err != nil || !strings.Contains(toJSON(m.Payload), "Invoice sent") {
			t.Fatalf("second post: %+v %v", m, err)
		}
		var page struct {
			Node struct {
				Posts struct {
					Edges    []struct{ Node struct{ Body string } }
					PageInfo struct{ EndCursor string }
				}
			}
		}
		paged := `query($c:ID!, $after:Cursor){ node(id:$c){ ... on Channel { posts(first:1, after:$after){ edges { node { body } } pageInfo { endCursor } } } } }`
		var bodies []string
		for after := any(nil); len(bodies) < 3; after = page.Node.Posts.PageInfo.EndCursor {
			env.Must(t, co.MemberToken, paged, map[string]any{"c": ch, "after": after}, &page)
			if len(page.Node.Posts.Edges) == 0 {
				break
			}
			bodies = append(bodies, page.Node.Posts.Edges[0].Node.Body)
		}
		if strings.Join(bodies, "|") != "Invoice sent|Deal closed" {
			t.Errorf("posts page by page: %q, want newest first", bodies)
		}

		// Removing the admin from the channel ends their stream.
		env.Must(t, co.MemberToken, `mutation($c:ID!, $u:[ID!]!){ removeChannelMembers(channel:$c, users:$u){ id } }`,
			map[string]any{"c": ch, "u": []int{co.Admin.ID}}, &struct{}{})
		if m, err := next(t, added); err != nil || m.Type != "complete" {
			t.Fatalf("after removal: %+v %v", m, err)
		}
	})
}

func TestMeetingPostFollowsItsMeeting(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		env.Must(t, co.AdminToken, `mutation{ configureZoom(input:{accountId:"a", clientId:"c", clientSecret:"s"}){ id } }`, nil, &struct{}{})
		var made struct{ CreateChannel struct{ ID string } }
		env.Must(t, co.MemberToken, `mutation($m:[ID!]){ createChannel(input:{name:"team", members:$m}){ id } }`,
			map[string]any{"m": []int{co.Admin.ID}}, &made)
		ch := made.CreateChannel.ID
		added := subscribe(t, env, co.AdminToken, "a", `subscription($c:ID!){ channelPostAdded(channel:$c){ kind body } }`, map[string]any{"c": ch})
		updated := subscribe(t, env, co.AdminToken, "u", `subscription($c:ID!){ channelPostUpdated(channel:$c){ kind body } }`, map[string]any{"c": ch})
		time.Sleep(100 * time.Millisecond)

		var ev struct{ CreateEvent struct{ ID string } }
		env.Must(t, co.MemberToken, createEvent, map[string]any{"in": map[string]any{"title": "Demo day", "start": time.Now().Add(48 * time.Hour),
			"durationMinutes": 45, "channel": ch, "provider": "ZOOM", "timeZone": "Europe/Helsinki"}}, &ev)
		if m, err := next(t, added); err != nil || !strings.Contains(toJSON(m.Payload), `"kind":"MEETING"`) ||
			!strings.Contains(toJSON(m.Payload), "Demo day") || !strings.Contains(toJSON(m.Payload), "being prepared") {
			t.Fatalf("meeting post: %+v %v", m, err)
		}
		env.Must(t, co.MemberToken, updateEvent, map[string]any{"id": ev.CreateEvent.ID, "s": "ALL", "in": map[string]any{"title": "Demo day, moved"}}, &struct{}{})
		if m, err := next(t, updated); err != nil || !strings.Contains(toJSON(m.Payload), "Demo day, moved") {
			t.Fatalf("after the change: %+v %v", m, err)
		}
		env.Must(t, co.MemberToken, `mutation($id:ID!){ cancelEvent(id:$id){ id } }`, map[string]any{"id": ev.CreateEvent.ID}, &struct{}{})
		if m, err := next(t, updated); err != nil || !strings.Contains(toJSON(m.Payload), "Cancelled: Demo day, moved") {
			t.Fatalf("after cancelling: %+v %v", m, err)
		}
	})
}

func itoa(n int) string { return strings.TrimSpace(toJSON(n)) }
