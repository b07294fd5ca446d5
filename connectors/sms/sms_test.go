package sms_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/convene/convene/connectors/sms"
	"github.com/convene/convene/connectors/sms/smsfake"
)

func TestSendAndTheGatewaysRefusals(t *testing.T) {
	gw := &smsfake.Gateway{AccountSID: "AC" + strings.Repeat("ab", 16), AuthToken: "token"}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	client := sms.New(sms.Config{BaseURL: srv.URL, AccountSID: gw.AccountSID, AuthToken: gw.AuthToken, From: "+15005550006"})

	m, err := client.Send(t.Context(), "+358401234567", "Stand-up starts at 09:00")
	if err != nil || !strings.HasPrefix(m.SID, "SM") || m.Status != "queued" {
		t.Fatalf("send: %+v %v", m, err)
	}
	if sent := gw.Sent(); len(sent) != 1 || sent[0].To != "+358401234567" || sent[0].From != "+15005550006" {
		t.Fatalf("the gateway got %+v", sent)
	}

	var refused *sms.Error
	if _, err := client.Send(t.Context(), "5551234567", "x"); !errors.As(err, &refused) || refused.Code != 21211 || refused.Retryable() {
		t.Errorf("an invalid number: %v", err)
	}
	wrong := sms.New(sms.Config{BaseURL: srv.URL, AccountSID: gw.AccountSID, AuthToken: "wrong", From: "+15005550006"})
	if _, err := wrong.Send(t.Context(), "+358401234567", "x"); !errors.As(err, &refused) || refused.Code != 20003 || refused.Status != http.StatusUnauthorized {
		t.Errorf("a wrong token: %v", err)
	}
	gw.FailWith(func(*http.Request) (int, map[string]any) {
		return http.StatusTooManyRequests, map[string]any{"code": 20429, "message": "Too Many Requests", "status": 429}
	})
	if _, err := client.Send(t.Context(), "+358401234567", "x"); !errors.As(err, &refused) || !refused.Retryable() {
		t.Errorf("a busy gateway: %v", err)
	}
}
