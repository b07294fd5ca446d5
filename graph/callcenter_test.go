package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/convene/convene/internal/testenv"
)

// TestAnAgentLogsInAtTheCallCenter: an admin connects the call center (its
// key sealed, checked by logging in as the admin's extension); an agent
// gets the token the center takes, signed with the key, and the center's
// session; without an extension, or with a wrong key, the answer says why.
func TestAnAgentLogsInAtTheCallCenter(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	const configure = `mutation($in:ConfigureCallCenterInput!){ configureCallCenter(input:$in){ id status accountID baseURL } }`
	configureWith := func(key string) string {
		var made struct {
			ConfigureCallCenter struct{ ID, Status, AccountID, BaseURL string }
		}
		env.Must(t, co.AdminToken, configure, map[string]any{"in": map[string]any{"baseUrl": env.CenterURL + "/",
			"domain": testenv.CallCenterDomain, "accessKey": key}}, &made)
		if c := made.ConfigureCallCenter; c.AccountID != testenv.CallCenterDomain || c.BaseURL != env.CenterURL {
			t.Fatalf("configured %+v", c)
		}
		return made.ConfigureCallCenter.ID
	}
	for field, in := range map[string]map[string]any{
		"domain":    {"baseUrl": env.CenterURL, "domain": "acme/../x", "accessKey": "k"},
		"baseUrl":   {"baseUrl": "web.vcc-vinaphone.com.vn", "domain": "acme", "accessKey": "k"},
		"accessKey": {"baseUrl": env.CenterURL, "domain": "acme", "accessKey": " "},
	} {
		if res := env.Query(t, co.AdminToken, configure, map[string]any{"in": in}); res.Field() != field {
			t.Errorf("a bad %s: %+v", field, res.Errors)
		}
	}
	if res := env.Query(t, co.MemberToken, configure, map[string]any{"in": map[string]any{"baseUrl": env.CenterURL,
		"domain": "acme", "accessKey": "k"}}); res.Code() == "" {
		t.Error("a member configured the call center")
	}

	id := configureWith("not the key")
	const check = `mutation($id:ID!){ testCredential(id:$id){ status lastError } }`
	var checked struct {
		TestCredential struct{ Status, LastError string }
	}
	env.Must(t, co.AdminToken, check, map[string]any{"id": id}, &checked)
	if checked.TestCredential.Status != "ERROR" || !strings.Contains(checked.TestCredential.LastError, "set your own extension") {
		t.Errorf("checked without an extension: %+v", checked.TestCredential)
	}
	setExtension := func(userID int, ext string) {
		env.Must(t, co.AdminToken, `mutation($id:ID!, $x:String){ updateUser(id:$id, input:{extension:$x}){ id } }`,
			map[string]any{"id": userID, "x": ext}, &struct{}{})
	}
	setExtension(co.Admin.ID, "5000")
	env.Must(t, co.AdminToken, check, map[string]any{"id": id}, &checked)
	if checked.TestCredential.Status != "ERROR" || !strings.Contains(checked.TestCredential.LastError, "invalid token") {
		t.Errorf("checked with a wrong key: %+v", checked.TestCredential)
	}
	configureWith(testenv.CallCenterAccessKey)
	env.Must(t, co.AdminToken, check, map[string]any{"id": id}, &checked)
	if checked.TestCredential.Status != "CONNECTED" || env.Center.Logins("5000") != 1 {
		t.Errorf("checked: %+v; the center saw %d logins", checked.TestCredential, env.Center.Logins("5000"))
	}

	const session = `mutation{ callCenterToken{ token baseURL domain agentID sessionToken expiresAt } }`
	if res := env.Query(t, co.MemberToken, session, nil); res.Field() != "extension" {
		t.Errorf("an employee without an extension: %+v", res.Errors)
	}
	setExtension(co.Member.ID, "5001")
	var got struct {
		CallCenterToken struct {
			Token, BaseURL, Domain, SessionToken string
			AgentID                              int
			ExpiresAt                            time.Time
		}
	}
	env.Must(t, co.MemberToken, session, nil, &got)
	s := got.CallCenterToken
	if s.BaseURL != env.CenterURL || s.Domain != testenv.CallCenterDomain || s.AgentID == 0 || s.SessionToken == "" ||
		time.Until(s.ExpiresAt) < 11*time.Hour || env.Center.Logins("5001") != 1 {
		t.Fatalf("the session: %+v", s)
	}
	claims := jwt.MapClaims{}
	token, err := jwt.ParseWithClaims(s.Token, claims, func(*jwt.Token) (any, error) { return []byte(testenv.CallCenterAccessKey), nil })
	saigon, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil || token.Header["alg"] != "HS256" || token.Header["typ"] != "JWT" || claims["ipphone"] != "5001" ||
		claims["expired"] != s.ExpiresAt.In(saigon).Format(time.DateTime) || len(claims) != 2 {
		t.Errorf("the agent token: %v %v %v", token.Header, claims, err)
	}
	other := env.NewCompany(t, "Globex") // its employees reach no other company's center
	env.Must(t, other.AdminToken, `mutation($id:ID!){ updateUser(id:$id, input:{extension:"5001"}){ id } }`, map[string]any{"id": other.Member.ID}, &struct{}{})
	if res := env.Query(t, other.MemberToken, session, nil); res.Code() != "PROVIDER_ERROR" || !strings.Contains(res.Errors[0].Message, "configureCallCenter") {
		t.Errorf("an agent of a company without a call center: %+v", res.Errors)
	}
	if strings.Contains(env.Logs(), testenv.CallCenterAccessKey) || strings.Contains(env.Logs(), s.Token) {
		t.Error("the access key or the agent token was logged")
	}
}
