package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/internal/testenv"
)

const loginMutation = `mutation($e:String!,$p:String!){ login(email:$e, password:$p){ accessToken refreshToken user { email } } }`

type session struct{ AccessToken, RefreshToken string }

// call runs an operation and decodes its data into a T when it succeeded.
func call[T any](t *testing.T, env *testenv.Env, token, query string, vars map[string]any) (T, testenv.Response) {
	t.Helper()
	var out T
	res := env.Query(t, token, query, vars)
	if res.Code() == "" {
		res.Decode(t, &out)
	}
	return out, res
}

func login(t *testing.T, env *testenv.Env, email, password string) (session, testenv.Response) {
	out, res := call[struct{ Login session }](t, env, "", loginMutation, map[string]any{"e": email, "p": password})
	return out.Login, res
}

func refresh(t *testing.T, env *testenv.Env, token string) (session, testenv.Response) {
	out, res := call[struct{ Refresh session }](t, env, "",
		`mutation($t:String!){ refresh(refreshToken:$t){ accessToken refreshToken } }`, map[string]any{"t": token})
	return out.Refresh, res
}

func meEmail(t *testing.T, env *testenv.Env, token string) (string, testenv.Response) {
	out, res := call[struct{ Me struct{ Email string } }](t, env, token, `{ me { email company { name } } }`, nil)
	return out.Me.Email, res
}

func TestLogin(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		_, wrongPassword := login(t, env, co.Member.Email, "not the password")
		_, unknownEmail := login(t, env, "nobody@acme.example", testenv.Password)
		for name, res := range map[string]testenv.Response{"wrong password": wrongPassword, "unknown email": unknownEmail} {
			if res.Code() != "UNAUTHENTICATED" || res.Errors[0].Message != "wrong email or password" {
				t.Errorf("%s: %+v", name, res.Errors)
			}
		}
		s, res := login(t, env, "  MEMBER@acme.example ", testenv.Password)
		if res.Code() != "" || s.AccessToken == "" || s.RefreshToken == "" {
			t.Fatalf("login with differently cased email: %+v", res.Errors)
		}
		if email, res := meEmail(t, env, s.AccessToken); email != co.Member.Email {
			t.Fatalf("me = %q, %+v", email, res.Errors)
		}
	})
}

func TestAnonymousAndBadTokens(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		expired, err := env.App.Auth.IssueAccessToken(co.Member, -time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		forged := co.MemberToken[:len(co.MemberToken)-4] + "AAAA"
		for name, token := range map[string]string{"none": "", "expired": expired, "forged": forged, "garbage": "abc"} {
			if _, res := meEmail(t, env, token); res.Code() != "UNAUTHENTICATED" {
				t.Errorf("%s token: %+v", name, res.Errors)
			}
		}
		// A stale token in the header must not stop signing in again.
		req := env.Query(t, expired, loginMutation, map[string]any{"e": co.Member.Email, "p": testenv.Password})
		if req.Code() != "" {
			t.Fatalf("login with a stale Authorization header: %+v", req.Errors)
		}
	})
}

func TestRefreshRotatesAndRefusesReuse(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		first, _ := login(t, env, co.Member.Email, testenv.Password)
		second, res := refresh(t, env, first.RefreshToken)
		if res.Code() != "" || second.RefreshToken == first.RefreshToken {
			t.Fatalf("refresh: %+v", res.Errors)
		}
		if email, _ := meEmail(t, env, second.AccessToken); email != co.Member.Email {
			t.Fatal("the refreshed access token does not work")
		}
		if _, res := refresh(t, env, first.RefreshToken); res.Code() != "UNAUTHENTICATED" {
			t.Fatalf("reusing a rotated refresh token: %+v", res.Errors)
		}
		// Reuse means the token leaked: the whole session ends.
		if _, res := refresh(t, env, second.RefreshToken); res.Code() != "UNAUTHENTICATED" {
			t.Fatalf("the session survived a reused refresh token: %+v", res.Errors)
		}
	})
}

func TestLogoutEndsTheSession(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		s, _ := login(t, env, co.Member.Email, testenv.Password)
		var out struct{ Logout bool }
		env.Must(t, "", `mutation($t:String!){ logout(refreshToken:$t) }`, map[string]any{"t": s.RefreshToken}, &out)
		if !out.Logout {
			t.Fatal("logout returned false")
		}
		if _, res := refresh(t, env, s.RefreshToken); res.Code() != "UNAUTHENTICATED" {
			t.Fatalf("refresh after logout: %+v", res.Errors)
		}
	})
}

func TestDeactivatedUserIsLockedOut(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		s, _ := login(t, env, co.Member.Email, testenv.Password)
		var out struct{ DeactivateUser struct{ Active bool } }
		env.Must(t, co.AdminToken, `mutation($id:ID!){ deactivateUser(id:$id){ active } }`,
			map[string]any{"id": co.Member.ID}, &out)
		if out.DeactivateUser.Active {
			t.Fatal("still active")
		}
		if _, res := login(t, env, co.Member.Email, testenv.Password); res.Code() != "UNAUTHENTICATED" ||
			!strings.Contains(res.Errors[0].Message, "deactivated") {
			t.Errorf("login: %+v", res.Errors)
		}
		if _, res := meEmail(t, env, s.AccessToken); res.Code() != "UNAUTHENTICATED" {
			t.Errorf("access token still works: %+v", res.Errors)
		}
		if _, res := refresh(t, env, s.RefreshToken); res.Code() != "UNAUTHENTICATED" {
			t.Errorf("refresh token still works: %+v", res.Errors)
		}
		res := env.Query(t, co.AdminToken, `mutation($id:ID!){ deactivateUser(id:$id){ active } }`, map[string]any{"id": co.Admin.ID})
		if res.Code() != "BAD_USER_INPUT" || res.Field() != "id" {
			t.Errorf("an admin deactivating themself: %+v", res.Errors)
		}
	})
}

func TestIntegratorTokenReadsButCannotWrite(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		if res := env.Query(t, co.MemberToken, `mutation{ createAPIToken(name:"x"){ token } }`, nil); res.Code() != "FORBIDDEN" {
			t.Fatalf("a member created an API token: %+v", res.Errors)
		}
		var created struct {
			CreateAPIToken struct {
				Token    string
				APIToken struct{ ID string }
			}
		}
		env.Must(t, co.AdminToken, `mutation{ createAPIToken(name:"CRM sync"){ token apiToken { id } } }`, nil, &created)
		token := created.CreateAPIToken.Token
		var users struct{ Users struct{ TotalCount int } }
		env.Must(t, token, `{ users { totalCount } }`, nil, &users)
		if users.Users.TotalCount != 2 {
			t.Fatalf("integrator sees %d users, want 2", users.Users.TotalCount)
		}
		res := env.Query(t, token, `mutation{ createRoom(input:{name:"Hack"}){ id } }`, nil)
		if res.Code() != "FORBIDDEN" || !strings.Contains(res.Errors[0].Message, "integrator") {
			t.Fatalf("integrator mutation: %+v", res.Errors)
		}
		if _, res := meEmail(t, env, token); res.Code() != "UNAUTHENTICATED" {
			t.Fatalf("integrator me: %+v", res.Errors)
		}
		env.Must(t, co.AdminToken, `mutation($id:ID!){ revokeAPIToken(id:$id){ revokedAt } }`,
			map[string]any{"id": created.CreateAPIToken.APIToken.ID}, &struct{}{})
		if res := env.Query(t, token, `{ users { totalCount } }`, nil); res.Code() != "UNAUTHENTICATED" {
			t.Fatalf("revoked token still reads: %+v", res.Errors)
		}
	})
}
