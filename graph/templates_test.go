package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/internal/testenv"
)

func TestCompanyTemplatesFillTheMailsAndRefuseUnknownShortcodes(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	const update = `mutation($in:UpdateCompanyInput!){ updateCompany(input:$in){ invitationTemplate hostTemplate } }`
	for name, c := range map[string]struct {
		in    map[string]any
		field string
	}{
		"unknown shortcode":       {map[string]any{"invitationTemplate": "Join {meeting_link}"}, "invitationTemplate"},
		"host link for attendees": {map[string]any{"invitationTemplate": "Start: {zoom_meeting_url_host}"}, "invitationTemplate"},
		"unknown in host mail":    {map[string]any{"hostTemplate": "{titel}"}, "hostTemplate"},
	} {
		if res := env.Query(t, co.AdminToken, update, map[string]any{"in": c.in}); res.Code() != "BAD_USER_INPUT" || res.Field() != c.field {
			t.Errorf("%s: %+v", name, res.Errors)
		}
	}
	if res := env.Query(t, co.MemberToken, update, map[string]any{"in": map[string]any{"hostTemplate": "{title}"}}); res.Code() != "FORBIDDEN" {
		t.Errorf("a member changed the templates: %+v", res.Errors)
	}
	env.Must(t, co.AdminToken, update, map[string]any{"in": map[string]any{
		"invitationTemplate": "Hello! {organizer} invites you to {title} for {duration}.",
		"hostTemplate":       "You host {title} at {start}; your link to start it: {zoom_meeting_url_host}",
	}}, &struct{}{})

	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Kick-off", "start": time.Now().Add(time.Hour),
		"durationMinutes": 45, "attendees": []int{co.Member.ID}, "sendInvitations": true}}, &struct{}{})
	text, _ := env.Mail.Wait(t, co.Member.Email, 1)[0].Part(t, "text/plain")
	if !strings.HasPrefix(text, "Hello! "+co.Admin.Name+" invites you to Kick-off for 45 minutes.") {
		t.Errorf("the attendee's mail: %q", text)
	}
	host := env.Mail.Wait(t, co.Admin.Email, 1)[0]
	if body, _ := host.Part(t, "text/plain"); !strings.HasPrefix(host.Header(t, "Subject"), "Your meeting: Kick-off") ||
		!strings.HasPrefix(body, "You host Kick-off at ") || strings.Contains(body, "{") {
		t.Errorf("the host's mail: %q %q", host.Header(t, "Subject"), body)
	}
	if cal, _ := host.Part(t, "text/calendar"); cal != "" {
		t.Error("the host's mail carries an invitation to their own meeting")
	}
}
