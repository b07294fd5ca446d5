package graph_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/convene/convene/credentials"
	"github.com/convene/convene/internal/testenv"
)

const zoomSecret = "zoom-client-secret-7f3a9c"

func TestStoredSecretsAreSealedAndNeverReadable(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		var out struct {
			ConfigureZoom struct {
				ID, Provider, Status, ClientID, AccountID string
			}
		}
		env.Must(t, co.AdminToken, `mutation($s:String!){ configureZoom(input:{accountId:"acc-1", clientId:"cid-1", clientSecret:$s}){
			id provider status clientID accountID } }`, map[string]any{"s": zoomSecret}, &out)
		if out.ConfigureZoom.Provider != "ZOOM" || out.ConfigureZoom.ClientID != "cid-1" {
			t.Fatalf("configureZoom: %+v", out.ConfigureZoom)
		}

		// Every field GraphQL offers on Credential, asked for at once.
		var schema struct {
			Type struct{ Fields []struct{ Name string } } `json:"__type"`
		}
		env.Must(t, co.AdminToken, `{ __type(name:"Credential"){ fields { name } } }`, nil, &schema)
		var fields []string
		for _, f := range schema.Type.Fields {
			if f.Name != "company" && f.Name != "user" {
				fields = append(fields, f.Name)
			}
			if strings.Contains(strings.ToLower(f.Name), "secret") || strings.Contains(strings.ToLower(f.Name), "token") && f.Name != "tokenExpiresAt" {
				t.Errorf("Credential exposes %q", f.Name)
			}
		}
		res := env.Query(t, co.AdminToken, `{ company { credentials { `+strings.Join(fields, " ")+` } } }`, nil)
		if res.Code() != "" || !bytes.Contains(res.Data, []byte("cid-1")) {
			t.Fatalf("credentials query: %s %+v", res.Data, res.Errors)
		}
		if bytes.Contains(res.Data, []byte(zoomSecret)) {
			t.Fatal("the secret came back through GraphQL")
		}

		// The column holds ciphertext that only the keyring opens.
		var raw []byte
		if err := env.DB.SQL.QueryRow(`SELECT client_secret FROM credentials`).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if len(raw) == 0 || bytes.Contains(raw, []byte(zoomSecret)) {
			t.Fatalf("client_secret column is %q", raw)
		}
		cred, err := env.DB.Client.Credential.Query().Only(testenv.As(co.Admin))
		if err != nil {
			t.Fatal(err)
		}
		opened, err := credentials.New(env.DB.Client, env.Keys, credentials.Production, "").ClientSecret(cred)
		if err != nil || opened != zoomSecret {
			t.Fatalf("opening the stored secret: %q, %v", opened, err)
		}
		if strings.Contains(env.Logs(), zoomSecret) {
			t.Fatal("the secret was logged")
		}
		if s := cred.String(); strings.Contains(s, zoomSecret) {
			t.Fatalf("Credential.String() prints the secret: %s", s)
		}
		// Configuring again replaces the app in the same row.
		env.Must(t, co.AdminToken, `mutation{ configureZoom(input:{accountId:"acc-2", clientId:"cid-2", clientSecret:"second"}){ id } }`, nil, &struct{}{})
		creds, err := env.DB.Client.Credential.Query().All(testenv.As(co.Admin))
		if err != nil || len(creds) != 1 || creds[0].ClientID != "cid-2" {
			t.Fatalf("after reconfiguring: %v %v", creds, err)
		}
		if opened, err := credentials.New(env.DB.Client, env.Keys, credentials.Production, "").ClientSecret(creds[0]); err != nil || opened != "second" {
			t.Fatalf("the new secret: %q, %v", opened, err)
		}
	})
}

func TestConfigureZoomNamesMissingFields(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	res := env.Query(t, co.AdminToken, `mutation{ configureZoom(input:{accountId:"a", clientId:"", clientSecret:"s"}){ id } }`, nil)
	if res.Code() != "BAD_USER_INPUT" || res.Field() != "clientId" {
		t.Fatalf("%+v", res.Errors)
	}
	if n, err := env.DB.Client.Credential.Query().Count(testenv.As(co.Admin)); err != nil || n != 0 {
		t.Fatalf("%d credentials saved (%v), want none", n, err)
	}
}
