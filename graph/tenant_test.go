package graph_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/privacy"
	"github.com/convene/convene/internal/testenv"
)

// companyData is what a company holds for isolation tests.
type companyData struct {
	*testenv.Company
	room    *ent.Room
	contact *ent.Contact
	channel *ent.Channel
	event   *ent.Event
}

func fillCompany(t *testing.T, env *testenv.Env, name string) companyData {
	t.Helper()
	co := env.NewCompany(t, name)
	admin := testenv.As(co.Admin)
	c := env.DB.Client
	d := companyData{Company: co}
	var err error
	if d.room, err = c.Room.Create().SetName(name + " room").SetCapacity(6).Save(admin); err != nil {
		t.Fatal(err)
	}
	if d.contact, err = c.Contact.Create().SetName(name + " customer").Save(admin); err != nil {
		t.Fatal(err)
	}
	if d.channel, err = c.Channel.Create().SetName("general").AddMembers(co.Admin, co.Member).Save(admin); err != nil {
		t.Fatal(err)
	}
	d.event, err = c.Event.Create().SetTitle(name + " planning").SetStartAt(time.Now().Add(time.Hour)).
		SetDurationMinutes(30).SetOrganizer(co.Admin).SetRoom(d.room).SetIcalUID(name + "-planning").Save(admin)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Attendee.Create().SetEvent(d.event).SetUser(co.Member).Exec(admin); err != nil {
		t.Fatal(err)
	}
	if err := c.Notification.Create().SetUser(co.Member).SetKind("INVITATION").SetTitle("for the member").Exec(admin); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestListsShowOnlyTheViewersCompany(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		fillCompany(t, env, "Alpha")
		b := fillCompany(t, env, "Beta")
		var out struct {
			Users, Rooms, Contacts, Channels, EventList, Notifications struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
		}
		env.Must(t, b.MemberToken, `{
			users { totalCount } rooms { totalCount } contacts { totalCount } channels { totalCount }
			eventList { totalCount } notifications { totalCount }
		}`, nil, &out)
		counts := map[string]int{"users": out.Users.TotalCount, "rooms": out.Rooms.TotalCount,
			"contacts": out.Contacts.TotalCount, "channels": out.Channels.TotalCount,
			"events": out.EventList.TotalCount, "notifications": out.Notifications.TotalCount}
		want := map[string]int{"users": 2, "rooms": 1, "contacts": 1, "channels": 1, "events": 1, "notifications": 1}
		for k, n := range want {
			if counts[k] != n {
				t.Errorf("%s: %d, want %d (only Beta's)", k, counts[k], n)
			}
		}
		// The admin of Beta does not see the member's notices either.
		env.Must(t, b.AdminToken, `{ notifications { totalCount } }`, nil, &out)
		if out.Notifications.TotalCount != 0 {
			t.Errorf("admin sees %d of the member's notifications", out.Notifications.TotalCount)
		}
	})
}

func TestNodeIDsOfAnotherCompanyAreNotFound(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		a := fillCompany(t, env, "Alpha")
		b := fillCompany(t, env, "Beta")
		for _, id := range []int{a.room.ID, a.Member.ID, a.event.ID, a.contact.ID, a.channel.ID, a.Company.Company.ID} {
			res := env.Query(t, b.AdminToken, `query($id:ID!){ node(id:$id){ id } }`, map[string]any{"id": id})
			if res.Code() != "NOT_FOUND" || string(res.Data) != `{"node":null}` {
				t.Errorf("node(%d) of Alpha seen by Beta: data %s, errors %+v", id, res.Data, res.Errors)
			}
		}
		res := env.Query(t, b.AdminToken, `query($ids:[ID!]!){ nodes(ids:$ids){ id } }`,
			map[string]any{"ids": []int{a.room.ID, b.room.ID}})
		var out struct{ Nodes []*struct{ ID string } }
		if res.Code() != "NOT_FOUND" || len(res.Errors) != 1 {
			t.Errorf("nodes errors: %+v", res.Errors)
		}
		res.Errors = nil
		res.Decode(t, &out)
		if len(out.Nodes) != 2 || out.Nodes[0] != nil || out.Nodes[1] == nil || out.Nodes[1].ID != fmt.Sprint(b.room.ID) {
			t.Errorf("nodes: %+v", out.Nodes)
		}
	})
}

func TestMutationsOnAnotherCompanysIDsChangeNothing(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		a := fillCompany(t, env, "Alpha")
		b := fillCompany(t, env, "Beta")
		attacks := map[string]struct {
			query string
			id    int
		}{
			"updateRoom":     {`mutation($id:ID!){ updateRoom(id:$id, input:{name:"pwned"}){ id } }`, a.room.ID},
			"deleteRoom":     {`mutation($id:ID!){ deleteRoom(id:$id) }`, a.room.ID},
			"updateContact":  {`mutation($id:ID!){ updateContact(id:$id, input:{name:"pwned"}){ id } }`, a.contact.ID},
			"deleteContact":  {`mutation($id:ID!){ deleteContact(id:$id) }`, a.contact.ID},
			"updateUser":     {`mutation($id:ID!){ updateUser(id:$id, input:{name:"pwned"}){ id } }`, a.Member.ID},
			"deactivateUser": {`mutation($id:ID!){ deactivateUser(id:$id){ id } }`, a.Member.ID},
			"revokeAPIToken": {`mutation($id:ID!){ revokeAPIToken(id:$id){ id } }`, a.room.ID},
		}
		for name, atk := range attacks {
			res := env.Query(t, b.AdminToken, atk.query, map[string]any{"id": atk.id})
			if code := res.Code(); code != "NOT_FOUND" && code != "FORBIDDEN" {
				t.Errorf("%s on Alpha's id: code %q, errors %+v", name, code, res.Errors)
			}
		}
		var company struct{ UpdateCompany struct{ Name string } }
		env.Must(t, b.AdminToken, `mutation{ updateCompany(input:{name:"Beta Renamed"}){ name } }`, nil, &company)
		sys := testenv.As(a.Admin)
		room, err := env.DB.Client.Room.Get(sys, a.room.ID)
		if err != nil || room.Name != "Alpha room" {
			t.Errorf("Alpha's room after the attacks: %v, %v", room, err)
		}
		contact, err := env.DB.Client.Contact.Get(sys, a.contact.ID)
		if err != nil || contact.Name != "Alpha customer" {
			t.Errorf("Alpha's contact after the attacks: %v, %v", contact, err)
		}
		member, err := env.DB.Client.User.Get(sys, a.Member.ID)
		if err != nil || member.Name != a.Member.Name || !member.Active {
			t.Errorf("Alpha's member after the attacks: %v, %v", member, err)
		}
		co, _ := env.DB.Client.Company.Get(sys, a.Company.Company.ID)
		if co.Name != "Alpha" {
			t.Errorf("Alpha renamed to %q", co.Name)
		}
	})
}

func TestRowsCannotLinkAcrossCompanies(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		a := fillCompany(t, env, "Alpha")
		b := fillCompany(t, env, "Beta")
		c := env.DB.Client
		asB := testenv.As(b.Member)
		cases := map[string]func() error{
			"attendee from another company": func() error {
				return c.Attendee.Create().SetEvent(b.event).SetUser(a.Member).Exec(asB)
			},
			"event in another company's room": func() error {
				return c.Event.Create().SetTitle("x").SetStartAt(time.Now()).SetDurationMinutes(5).
					SetOrganizer(b.Member).SetRoom(a.room).SetIcalUID("x1").Exec(asB)
			},
			"channel member from another company": func() error {
				return c.Channel.UpdateOne(b.channel).AddMembers(a.Member).Exec(asB)
			},
			"row placed in another company": func() error {
				return c.Contact.Create().SetName("x").SetCompanyID(a.Company.Company.ID).Exec(asB)
			},
		}
		for name, create := range cases {
			if err := create(); !errors.Is(err, privacy.Deny) {
				t.Errorf("%s: %v, want a privacy denial", name, err)
			}
		}
		members, err := b.channel.QueryMembers().Count(testenv.As(b.Admin))
		if err != nil || members != 2 {
			t.Errorf("Beta's channel has %d members (%v), want 2", members, err)
		}
	})
}

func TestMembersCannotAdminister(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		a := fillCompany(t, env, "Alpha")
		for name, q := range map[string]string{
			"createRoom":    `mutation{ createRoom(input:{name:"Mine"}){ id } }`,
			"updateCompany": `mutation{ updateCompany(input:{name:"Mine"}){ id } }`,
			"createUser":    `mutation{ createUser(input:{name:"X", email:"x@alpha.example", password:"long enough"}){ id } }`,
			"configureZoom": `mutation{ configureZoom(input:{accountId:"a", clientId:"b", clientSecret:"c"}){ id } }`,
			"credentials":   `{ company { credentials { id } } }`,
		} {
			if res := env.Query(t, a.MemberToken, q, nil); res.Code() != "FORBIDDEN" {
				t.Errorf("member %s: %+v", name, res.Errors)
			}
		}
		// Members do keep the company's contacts, for the call popup.
		var out struct{ CreateContact struct{ Name string } }
		env.Must(t, a.MemberToken, `mutation{ createContact(input:{name:"New customer", phones:["+358401234567"]}){ name } }`, nil, &out)
	})
}

func TestNoViewerNoData(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	fillCompany(t, env, "Alpha")
	if _, err := env.DB.Client.User.Query().All(context.Background()); !errors.Is(err, privacy.Deny) {
		t.Fatalf("query without a viewer: %v, want a privacy denial", err)
	}
	if err := env.DB.Client.Room.Create().SetName("x").SetCompanyID(1).Exec(context.Background()); !errors.Is(err, privacy.Deny) {
		t.Fatalf("create without a viewer: %v, want a privacy denial", err)
	}
}
