package graph_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/notification"
	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/notify"
)

// calendarOf parses a mail's text/calendar part with a parser other than
// the one that wrote it.
func calendarOf(t *testing.T, m testenv.Received) (*ics.Calendar, *ics.VEvent, string) {
	t.Helper()
	body, contentType := m.Part(t, "text/calendar")
	if body == "" {
		t.Fatalf("no text/calendar part in %s", m.Data)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events in\n%s", len(events), body)
	}
	return cal, events[0], contentType
}

func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	if v := e.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func TestInvitationsUpdatesAndCancellationsAreMailedOnce(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
		var made struct{ CreateEvent struct{ ID string } }
		env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Quarterly review",
			"start": start, "durationMinutes": 60, "timeZone": "Europe/Helsinki", "attendees": []int{co.Member.ID},
			"sendInvitations": true, "recurrence": map[string]any{"rrule": "FREQ=WEEKLY;COUNT=4"}}}, &made)

		invitation := env.Mail.Wait(t, co.Member.Email, 1)[0]
		cal, ev, contentType := calendarOf(t, invitation)
		if !strings.Contains(contentType, "method=REQUEST") {
			t.Errorf("calendar part %q", contentType)
		}
		for name, got := range map[string][2]string{
			"METHOD":   {cal.CalendarProperties[indexOf(cal, ics.PropertyMethod)].Value, "REQUEST"},
			"SEQUENCE": {prop(ev, ics.ComponentPropertySequence), "0"},
			"SUMMARY":  {prop(ev, ics.ComponentPropertySummary), "Quarterly review"},
			"RRULE":    {prop(ev, ics.ComponentPropertyRrule), "FREQ=WEEKLY;COUNT=4"},
			"DTSTART":  {prop(ev, ics.ComponentPropertyDtStart), start.In(helsinki(t)).Format("20060102T150405")},
		} {
			if got[0] != got[1] {
				t.Errorf("%s = %q, want %q", name, got[0], got[1])
			}
		}
		if tzid := ev.GetProperty(ics.ComponentPropertyDtStart).ICalParameters["TZID"]; len(tzid) != 1 || tzid[0] != "Europe/Helsinki" {
			t.Errorf("DTSTART TZID %v", tzid)
		}
		if tz := cal.Timezones(); len(tz) != 1 || !strings.Contains(cal.Serialize(), "TZOFFSETTO:+0300") {
			t.Errorf("VTIMEZONE: %d\n%s", len(tz), cal.Serialize())
		}
		if org := ev.GetProperty(ics.ComponentPropertyOrganizer); org == nil || !strings.EqualFold(org.Value, "mailto:"+testenv.ReplyAddress) ||
			org.ICalParameters["CN"][0] != co.Admin.Name {
			t.Errorf("ORGANIZER %+v", org)
		}
		if from := invitation.Header(t, "From"); !strings.Contains(from, co.Admin.Name) {
			t.Errorf("From %q", from)
		}
		attendees := ev.Attendees()
		if len(attendees) != 1 || !strings.EqualFold(attendees[0].Email(), co.Member.Email) ||
			attendees[0].ParticipationStatus() != ics.ParticipationStatusNeedsAction || attendees[0].ICalParameters["RSVP"][0] != "TRUE" {
			t.Errorf("ATTENDEE %+v", attendees)
		}
		uid := prop(ev, ics.ComponentPropertyUniqueId)
		text, _ := invitation.Part(t, "text/plain")
		html, _ := invitation.Part(t, "text/html")
		if !strings.Contains(text, "Quarterly review") || !strings.Contains(html, "<h2>Quarterly review</h2>") {
			t.Errorf("text %q\nhtml %q", text, html)
		}
		if subject := invitation.Header(t, "Subject"); !strings.HasPrefix(subject, "Invitation: Quarterly review") {
			t.Errorf("subject %q", subject)
		}
		if id := invitation.Header(t, "Message-ID"); !regexp.MustCompile(`^<[^<>@]+\.0\.request@convene>$`).MatchString(id) {
			t.Errorf("Message-ID %q", id)
		}

		env.Must(t, co.AdminToken, updateEvent, map[string]any{"id": made.CreateEvent.ID, "s": "ALL",
			"in": map[string]any{"title": "Quarterly review (moved)"}}, &struct{}{})
		update := env.Mail.Wait(t, co.Member.Email, 2)[1]
		if _, ev, _ := calendarOf(t, update); prop(ev, ics.ComponentPropertySequence) != "1" ||
			prop(ev, ics.ComponentPropertyUniqueId) != uid || prop(ev, ics.ComponentPropertySummary) != "Quarterly review (moved)" {
			t.Errorf("update: %s", update.Data)
		}

		env.Must(t, co.AdminToken, `mutation($id:ID!){ cancelEvent(id:$id){ id } }`, map[string]any{"id": made.CreateEvent.ID}, &struct{}{})
		cancel := env.Mail.Wait(t, co.Member.Email, 3)[2]
		cal, ev, contentType = calendarOf(t, cancel)
		if !strings.Contains(contentType, "method=CANCEL") || prop(ev, ics.ComponentPropertySequence) != "2" ||
			prop(ev, ics.ComponentPropertyStatus) != "CANCELLED" || prop(ev, ics.ComponentPropertyUniqueId) != uid {
			t.Errorf("cancellation: %s\n%s", contentType, cal.Serialize())
		}

		// Pressing "send invitations" now sends nothing again, and the organizer got nothing.
		env.Must(t, co.AdminToken, `mutation($id:ID!){ sendInvitations(event:$id){ id } }`, map[string]any{"id": made.CreateEvent.ID}, &struct{}{})
		env.Mail.Wait(t, co.Member.Email, 3)
		env.Mail.Wait(t, co.Admin.Email, 0)
	})
}

func indexOf(cal *ics.Calendar, p ics.Property) int {
	for i, cp := range cal.CalendarProperties {
		if cp.IANAToken == string(p) {
			return i
		}
	}
	return 0
}

func helsinki(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

var answerLink = regexp.MustCompile(`Yes: (\S+)`)

// TestAnsweringFromTheMail: the mail's link shows a page that changes
// nothing; its button records the answer once and tells the organizer.
func TestAnsweringFromTheMail(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	var made struct{ CreateEvent struct{ ID string } }
	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Planning",
		"start": time.Now().Add(24 * time.Hour), "durationMinutes": 30, "attendees": []int{co.Member.ID}, "sendInvitations": true}}, &made)
	text, _ := env.Mail.Wait(t, co.Member.Email, 1)[0].Part(t, "text/plain")
	m := answerLink.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no answer link in %q", text)
	}
	link, _ := url.Parse(m[1])
	page := env.Server.URL + link.Path
	response := func() attendee.Response {
		return env.DB.Client.Attendee.Query().Where(attendee.UserID(co.Member.ID)).OnlyX(testenv.As(co.Member)).Response
	}

	res, body := fetch(t, http.MethodGet, page+"?"+link.RawQuery, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Planning") || !strings.Contains(body, `value="ACCEPTED" class="chosen"`) {
		t.Fatalf("GET: %d %s", res.StatusCode, body)
	}
	if r := response(); r != attendee.ResponseNEEDS_ACTION {
		t.Fatalf("opening the link answered %s", r)
	}
	if res, body := fetch(t, http.MethodPost, page, url.Values{"answer": {"ACCEPTED"}}); res.StatusCode != http.StatusOK || !strings.Contains(body, "recorded") {
		t.Fatalf("POST: %d %s", res.StatusCode, body)
	}
	if r := response(); r != attendee.ResponseACCEPTED {
		t.Fatalf("after answering: %s", r)
	}
	told := env.DB.Client.Notification.Query().Where(notification.UserID(co.Admin.ID), notification.KindEQ(notification.KindRESPONSE)).AllX(testenv.As(co.Admin))
	if len(told) != 1 || !strings.Contains(told[0].Title, "Accepted: Planning") || told[0].Body != co.Member.Name {
		t.Fatalf("the organizer was told %+v", told)
	}
	if res, _ := fetch(t, http.MethodPost, page, url.Values{"answer": {"DECLINED"}}); res.StatusCode != http.StatusConflict || response() != attendee.ResponseACCEPTED {
		t.Fatalf("a second answer by the same link: %d, %s", res.StatusCode, response())
	}

	token := strings.TrimPrefix(link.Path, "/rsvp/")
	altered := token[:len(token)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(token, "AA")]
	if res, _ := fetch(t, http.MethodGet, env.Server.URL+"/rsvp/"+altered, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("an altered token: %d", res.StatusCode)
	}

	// Tokens signed with the server's key: one expired, and one naming the
	// member's attendance of a meeting they are not invited to.
	key, err := env.Keys.DeriveKey("answer links")
	if err != nil {
		t.Fatal(err)
	}
	links := notify.NewAnswerLinks(key, "")
	mine := env.DB.Client.Attendee.Query().Where(attendee.UserID(co.Member.ID)).OnlyX(testenv.As(co.Member))
	expired, _ := links.Token(mine.ID, mine.EventID, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour))
	var other struct{ CreateEvent struct{ ID string } }
	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Board only",
		"start": time.Now().Add(24 * time.Hour), "durationMinutes": 30}}, &other)
	otherID, _ := strconv.Atoi(other.CreateEvent.ID)
	elsewhere, _ := links.Token(mine.ID, otherID, time.Now(), time.Now().Add(time.Hour))
	for name, c := range map[string]struct {
		token string
		code  int
	}{"expired": {expired, http.StatusForbidden}, "another meeting": {elsewhere, http.StatusNotFound}} {
		if res, _ := fetch(t, http.MethodPost, env.Server.URL+"/rsvp/"+c.token, url.Values{"answer": {"DECLINED"}}); res.StatusCode != c.code {
			t.Errorf("%s: %d, want %d", name, res.StatusCode, c.code)
		}
	}
	if response() != attendee.ResponseACCEPTED {
		t.Errorf("a refused link changed the answer to %s", response())
	}
}

func fetch(t *testing.T, method, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	var res *http.Response
	var err error
	if method == http.MethodPost {
		res, err = http.PostForm(target, form)
	} else {
		res, err = http.Get(target)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, res.Body)
	return res, b.String()
}

// TestAnsweringWithTheMailClientsOwnButtons: an iTIP REPLY piped from the
// reply mailbox counts, unless it is stale, spoofed or unauthorised.
func TestAnsweringWithTheMailClientsOwnButtons(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	var made struct{ CreateEvent struct{ ID string } }
	env.Must(t, co.AdminToken, createEvent, map[string]any{"in": map[string]any{"title": "Design review",
		"start": time.Now().Add(24 * time.Hour), "durationMinutes": 30, "attendees": []int{co.Member.ID}, "sendInvitations": true}}, &made)
	_, ev, _ := calendarOf(t, env.Mail.Wait(t, co.Member.Email, 1)[0])
	if org := ev.GetProperty(ics.ComponentPropertyOrganizer); org == nil || org.Value != "mailto:"+testenv.ReplyAddress || org.ICalParameters["CN"][0] != co.Admin.Name {
		t.Fatalf("ORGANIZER %+v: replies would not reach Convene", org)
	}
	uid := prop(ev, ics.ComponentPropertyUniqueId)
	reply := func(from, attendee, partstat string, sequence int) string {
		return "From: " + from + "\r\nTo: " + testenv.ReplyAddress + "\r\nSubject: Accepted: Design review\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: text/calendar; method=REPLY; charset=UTF-8\r\n\r\n" +
			"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mail client//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:" + uid + "\r\n" +
			"SEQUENCE:" + strconv.Itoa(sequence) + "\r\nDTSTAMP:20261122T120000Z\r\nORGANIZER:mailto:" + testenv.ReplyAddress + "\r\n" +
			"ATTENDEE;PARTSTAT=" + partstat + ":mailto:" + attendee + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	post := func(secret, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/inbound/itip", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	response := func() attendee.Response {
		return env.DB.Client.Attendee.Query().Where(attendee.UserID(co.Member.ID)).OnlyX(testenv.As(co.Member)).Response
	}
	if code, _ := post("wrong", reply(co.Member.Email, co.Member.Email, "ACCEPTED", 0)); code != http.StatusUnauthorized {
		t.Errorf("without the secret: %d", code)
	}
	if code, _ := post(testenv.InboundSecret, reply(co.Admin.Email, co.Member.Email, "DECLINED", 0)); code != http.StatusUnprocessableEntity || response() != attendee.ResponseNEEDS_ACTION {
		t.Errorf("someone answering for another: %d, %s", code, response())
	}
	if code, body := post(testenv.InboundSecret, reply(co.Member.Email, co.Member.Email, "ACCEPTED", 0)); code != http.StatusAccepted ||
		!strings.Contains(body, `"recorded":1`) || response() != attendee.ResponseACCEPTED {
		t.Fatalf("the member's reply: %d %s, %s", code, body, response())
	}
	env.Must(t, co.AdminToken, updateEvent, map[string]any{"id": made.CreateEvent.ID, "s": "ALL", "in": map[string]any{"title": "Design review 2"}}, &struct{}{})
	if code, body := post(testenv.InboundSecret, reply(co.Member.Email, co.Member.Email, "DECLINED", 0)); code != http.StatusAccepted ||
		!strings.Contains(body, `"recorded":0`) || response() != attendee.ResponseACCEPTED {
		t.Errorf("a reply to the older version: %d %s, %s", code, body, response())
	}
}
