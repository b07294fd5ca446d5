package graph_test

import (
	"strings"
	"testing"

	"github.com/convene/convene/internal/testenv"
)

func TestTestingAZoomCredentialReportsItsState(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	const configure = `mutation($in:ConfigureZoomInput!){ configureZoom(input:$in){ id status } }`
	const check = `mutation($id:ID!){ testCredential(id:$id){ status lastError lastCheckedAt } }`
	type checked struct {
		TestCredential struct {
			Status, LastError string
			LastCheckedAt     *string
		}
	}
	var made struct{ ConfigureZoom struct{ ID, Status string } }
	env.Must(t, co.AdminToken, configure, map[string]any{"in": map[string]any{"accountId": testenv.ZoomAccountID,
		"clientId": testenv.ZoomClientID, "clientSecret": "not-the-secret"}}, &made)
	var got checked
	env.Must(t, co.AdminToken, check, map[string]any{"id": made.ConfigureZoom.ID}, &got)
	if got.TestCredential.Status != "ERROR" || !strings.Contains(got.TestCredential.LastError, "client secret") || got.TestCredential.LastCheckedAt == nil {
		t.Fatalf("a wrong secret: %+v", got)
	}
	if res := env.Query(t, co.MemberToken, check, map[string]any{"id": made.ConfigureZoom.ID}); res.Code() != "NOT_FOUND" && res.Code() != "FORBIDDEN" {
		t.Errorf("a member tested it: %+v", res.Errors)
	}
	env.Must(t, co.AdminToken, configure, map[string]any{"in": map[string]any{"accountId": testenv.ZoomAccountID,
		"clientId": testenv.ZoomClientID, "clientSecret": testenv.ZoomClientSecret}}, &made)
	env.Must(t, co.AdminToken, check, map[string]any{"id": made.ConfigureZoom.ID}, &got)
	if got.TestCredential.Status != "CONNECTED" || got.TestCredential.LastError != "" {
		t.Fatalf("the right secret: %+v", got)
	}
}
