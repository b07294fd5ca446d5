package graph_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/convene/convene/internal/testenv"
)

func TestQueryLimits(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	var aliases strings.Builder
	for i := range 31 {
		fmt.Fprintf(&aliases, "a%d: me { id } ", i)
	}
	cases := map[string]struct{ query, code string }{
		"too deep":         {nest("eventList edges node"+strings.Repeat(" attendees event", 5), "title"), "QUERY_TOO_DEEP"},
		"too complex":      {`{ users(first: 5000) { edges { node { id name email company { name } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		"too many aliases": {"{ " + aliases.String() + " }", "TOO_MANY_ALIASES"},
		"too many tokens":  {"{ me { " + strings.Repeat("id ", 16000) + "} }", "GRAPHQL_PARSE_FAILED"},
	}
	for name, c := range cases {
		res := env.Query(t, co.AdminToken, c.query, nil)
		if res.Code() != c.code || len(res.Data) > 0 && string(res.Data) != "null" {
			t.Errorf("%s: code %q data %s errors %+v", name, res.Code(), res.Data, res.Errors)
		}
	}
	// GraphiQL's own introspection query is deep but must pass.
	res := env.Query(t, "", nest("__schema types fields type"+strings.Repeat(" ofType", 8), "name"), nil)
	if res.Code() != "" {
		t.Errorf("introspection refused: %+v", res.Errors)
	}
}

func TestNoMutationsOverGetOrSimpleRequests(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	mutation := `mutation{ createRoom(input:{name:"CSRF"}){ id } }`

	get, _ := http.NewRequest(http.MethodGet, env.Server.URL+"/query?query="+url.QueryEscape(mutation), nil)
	get.Header.Set("Authorization", "Bearer "+co.AdminToken)
	if res := env.Do(t, get); res.Status == http.StatusOK && len(res.Errors) == 0 {
		t.Errorf("GET mutation accepted: %d %s", res.Status, res.Data)
	}
	// A form or text/plain POST is what a cross-site page can send without a preflight.
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded"} {
		post, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/query",
			strings.NewReader(fmt.Sprintf(`{"query":%q}`, mutation)))
		post.Header.Set("Content-Type", ct)
		post.Header.Set("Authorization", "Bearer "+co.AdminToken)
		if res := env.Do(t, post); res.Status == http.StatusOK && len(res.Errors) == 0 {
			t.Errorf("%s POST accepted: %d %s", ct, res.Status, res.Data)
		}
	}
	big, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/query",
		bytes.NewReader([]byte(`{"query":"{ me { id } }","variables":{"pad":"`+strings.Repeat("x", 2<<20)+`"}}`)))
	big.Header.Set("Content-Type", "application/json")
	big.Header.Set("Authorization", "Bearer "+co.AdminToken)
	if res := env.Do(t, big); res.Status == http.StatusOK && len(res.Errors) == 0 {
		t.Errorf("2 MiB body accepted")
	}
	var rooms struct{ Rooms struct{ TotalCount int } }
	env.Must(t, co.AdminToken, `{ rooms { totalCount } }`, nil, &rooms)
	if rooms.Rooms.TotalCount != 0 {
		t.Fatalf("a refused request created %d rooms", rooms.Rooms.TotalCount)
	}
	// A plain GET query still works, for caches and curl.
	q, _ := http.NewRequest(http.MethodGet, env.Server.URL+"/query?query="+url.QueryEscape("{ me { email } }"), nil)
	q.Header.Set("Authorization", "Bearer "+co.AdminToken)
	if res := env.Do(t, q); res.Code() != "" || !bytes.Contains(res.Data, []byte(co.Admin.Email)) {
		t.Errorf("GET query: %d %s %+v", res.Status, res.Data, res.Errors)
	}
}

func TestFieldSuggestionsAreOff(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	res := env.Query(t, "", `{ mee { id } }`, nil)
	if len(res.Errors) == 0 || strings.Contains(res.Errors[0].Message, "Did you mean") {
		t.Fatalf("%+v", res.Errors)
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		cases := map[string]struct{ query, code, field string }{
			"bad email":     {`mutation{ createUser(input:{name:"X", email:"not-an-email", password:"long enough"}){ id } }`, "BAD_USER_INPUT", "email"},
			"short pass":    {`mutation{ createUser(input:{name:"X", email:"x@acme.example", password:"short"}){ id } }`, "BAD_USER_INPUT", "password"},
			"bad zone":      {`mutation{ createUser(input:{name:"X", email:"y@acme.example", password:"long enough", timeZone:"Mars/Base"}){ id } }`, "BAD_USER_INPUT", "timeZone"},
			"empty name":    {`mutation{ createUser(input:{name:"", email:"z@acme.example", password:"long enough"}){ id } }`, "BAD_USER_INPUT", "name"},
			"company zone":  {`mutation{ updateCompany(input:{timeZone:"Europe/Atlantis"}){ id } }`, "BAD_USER_INPUT", "timeZone"},
			"room capacity": {`mutation{ createRoom(input:{name:"R", capacity:-1}){ id } }`, "BAD_USER_INPUT", "capacity"},
			"taken email":   {`mutation{ createUser(input:{name:"X", email:"MEMBER@acme.example", password:"long enough"}){ id } }`, "CONFLICT", "email"},
		}
		for name, c := range cases {
			res := env.Query(t, co.AdminToken, c.query, nil)
			if res.Code() != c.code || res.Field() != c.field {
				t.Errorf("%s: code %q field %q, want %s %s: %+v", name, res.Code(), res.Field(), c.code, c.field, res.Errors)
			}
		}
		env.Must(t, co.AdminToken, `mutation{ createRoom(input:{name:"Lotus"}){ id } }`, nil, &struct{}{})
		if res := env.Query(t, co.AdminToken, `mutation{ createRoom(input:{name:"Lotus"}){ id } }`, nil); res.Code() != "CONFLICT" {
			t.Errorf("duplicate room: %+v", res.Errors)
		}
		var users struct{ Users struct{ TotalCount int } }
		env.Must(t, co.AdminToken, `{ users { totalCount } }`, nil, &users)
		if users.Users.TotalCount != 2 {
			t.Errorf("refused inputs left %d users, want 2", users.Users.TotalCount)
		}
	})
}

// nest builds "{ a { b { … leaf } } }" from space-separated field names.
func nest(path, leaf string) string {
	fields := strings.Fields(path)
	return "{ " + strings.Join(fields, " { ") + " { " + leaf + strings.Repeat(" }", len(fields)) + " }"
}
