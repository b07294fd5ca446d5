// Package google reaches Google for a company's OAuth app: the consent and
// token endpoints, and Calendar API v3 events that carry a Google Meet link.
package google

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/convene/convene/connectors/rest"
	"golang.org/x/oauth2"
)

// Endpoints are Google's hosts; tests point them at a fake.
type Endpoints struct {
	Auth     string // the consent page
	Token    string // the token endpoint
	Calendar string // Calendar API v3 base, without the trailing slash
}

// Production are Google's own.
var Production = Endpoints{
	Auth:     "https://accounts.google.com/o/oauth2/auth",
	Token:    "https://oauth2.googleapis.com/token",
	Calendar: "https://www.googleapis.com/calendar/v3",
}

// Scope is what Convene asks for: the calendar, for Meet events now and
// calendar sync later.
const Scope = "https://www.googleapis.com/auth/calendar"

// OAuth is the company's app as golang.org/x/oauth2 knows it.
func OAuth(at Endpoints, clientID, clientSecret, redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURL,
		Endpoint: oauth2.Endpoint{AuthURL: at.Auth, TokenURL: at.Token, AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   []string{Scope},
	}
}

// ConsentURL is where an admin, or an employee for their own calendar,
// grants the app offline access: Google sends a refresh token only with
// access_type=offline, and again on a repeated consent only with
// prompt=consent. A hint (an email) picks the account to sign in with.
func ConsentURL(cfg *oauth2.Config, state, verifier, hint string) string {
	opts := []oauth2.AuthCodeOption{oauth2.AccessTypeOffline, oauth2.SetAuthURLParam("prompt", "consent"), oauth2.S256ChallengeOption(verifier)}
	if hint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", hint))
	}
	return cfg.AuthCodeURL(state, opts...)
}

// IsRevoked reports whether Google refused a refresh token for good
// (invalid_grant: revoked, expired, or unused for six months).
func IsRevoked(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}

// Calendar calls Calendar API v3 with an access token.
type Calendar struct{ api *rest.Client }

// NewCalendar returns a client of the calendars the token reaches.
func NewCalendar(at Endpoints, accessToken string) *Calendar {
	return &Calendar{api: rest.New(at.Calendar, accessToken, func(res *http.Response, raw []byte) error { return refusal(res, raw) })}
}

// Time is an event's start or end: a local time in an IANA zone.
type Time struct {
	DateTime string `json:"dateTime,omitempty"` // RFC 3339
	Date     string `json:"date,omitempty"`     // YYYY-MM-DD, for an all-day event
	TimeZone string `json:"timeZone,omitempty"`
}

// At is t as Google takes it.
func At(t time.Time, zone string) *Time {
	return &Time{DateTime: t.Format(time.RFC3339), TimeZone: zone}
}

// Event is the part of Google's Event resource Convene reads and writes.
type Event struct {
	ID             string          `json:"id,omitempty"`
	Status         string          `json:"status,omitempty"`
	Summary        string          `json:"summary,omitempty"`
	Description    string          `json:"description,omitempty"`
	Start          *Time           `json:"start,omitempty"`
	End            *Time           `json:"end,omitempty"`
	Recurrence     []string        `json:"recurrence,omitempty"`
	HangoutLink    string          `json:"hangoutLink,omitempty"`
	ConferenceData *ConferenceData `json:"conferenceData,omitempty"`
	// Read by calendar sync.
	ICalUID           string     `json:"iCalUID,omitempty"`
	ETag              string     `json:"etag,omitempty"`
	Updated           string     `json:"updated,omitempty"`
	Attendees         []Attendee `json:"attendees,omitempty"`
	RecurringEventID  string     `json:"recurringEventId,omitempty"`
	OriginalStartTime *Time      `json:"originalStartTime,omitempty"`
}

// Attendee is a guest of an event.
type Attendee struct {
	Email          string `json:"email"`
	DisplayName    string `json:"displayName,omitempty"`
	ResponseStatus string `json:"responseStatus,omitempty"` // needsAction, declined, tentative, accepted
	Self           bool   `json:"self,omitempty"`
}

// EventPage is one page of events.list: the changes on it, and either the
// token of the next page or, on the last, the token of the next sync.
type EventPage struct {
	Items         []Event `json:"items"`
	NextPageToken string  `json:"nextPageToken"`
	NextSyncToken string  `json:"nextSyncToken"`
}

// List reads a page (Google's default, 250) of the primary calendar's
// events: all of them with no syncToken, else what changed since it;
// pageToken continues a listing. Cancelled events come too.
func (c *Calendar) List(ctx context.Context, syncToken, pageToken string) (*EventPage, error) {
	q := url.Values{"showDeleted": {"true"}} // a full listing says what went, too: links to it are dropped
	if syncToken != "" {
		q.Set("syncToken", syncToken)
	}
	if pageToken != "" {
		q.Set("pageToken", pageToken)
	}
	var out EventPage
	return &out, c.api.Call(ctx, http.MethodGet, "/calendars/primary/events?"+q.Encode(), nil, &out)
}

// ConferenceData asks for a Meet link, and carries it once made.
type ConferenceData struct {
	CreateRequest *CreateRequest `json:"createRequest,omitempty"`
	EntryPoints   []EntryPoint   `json:"entryPoints,omitempty"`
	ConferenceID  string         `json:"conferenceId,omitempty"`
}

// CreateRequest asks Google to make a conference; its requestId makes a
// repeated request count once.
type CreateRequest struct {
	RequestID             string `json:"requestId"`
	ConferenceSolutionKey struct {
		Type string `json:"type"`
	} `json:"conferenceSolutionKey"`
	Status *struct {
		StatusCode string `json:"statusCode"` // pending, success, failure
	} `json:"status,omitempty"`
}

// EntryPoint is one way into the conference.
type EntryPoint struct {
	EntryPointType string `json:"entryPointType"` // video, phone, sip, more
	URI            string `json:"uri"`
	Passcode       string `json:"passcode,omitempty"`
	Password       string `json:"password,omitempty"`
}

// MeetRequest asks for a Google Meet conference, once per requestID.
func MeetRequest(requestID string) *ConferenceData {
	r := &CreateRequest{RequestID: requestID}
	r.ConferenceSolutionKey.Type = "hangoutsMeet"
	return &ConferenceData{CreateRequest: r}
}

// MeetState is how far Google is with the event's Meet link: pending,
// success or failure ("" when none was asked for).
func (e *Event) MeetState() string {
	if e.ConferenceData == nil || e.ConferenceData.CreateRequest == nil || e.ConferenceData.CreateRequest.Status == nil {
		if e.JoinURL() != "" {
			return "success"
		}
		return ""
	}
	return e.ConferenceData.CreateRequest.Status.StatusCode
}

// JoinURL is the Meet link: the video entry point, or the older flat field.
func (e *Event) JoinURL() string {
	if e.ConferenceData != nil {
		for _, p := range e.ConferenceData.EntryPoints {
			if p.EntryPointType == "video" {
				return p.URI
			}
		}
	}
	return e.HangoutLink
}

// Error is Google's refusal, in its error JSON.
type Error struct {
	Status     int
	Code       int    `json:"code"`
	Message    string `json:"message"`
	Reason     string // the first error's reason: notFound, duplicate, rateLimitExceeded…
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("google: %s (%s, HTTP %d)", e.Message, e.Reason, e.Status)
}

// Retryable reports whether the same call may succeed later.
func (e *Error) Retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500 ||
		e.Reason == "rateLimitExceeded" || e.Reason == "userRateLimitExceeded"
}

// Words is what Google said.
func (e *Error) Words() string { return e.Message }

// Unauthorized reports a refused access token.
func (e *Error) Unauthorized() bool { return e.Status == http.StatusUnauthorized }

// Wait is how long Google asked to wait before trying again, if it did.
func (e *Error) Wait() time.Duration { return e.RetryAfter }

// Gone reports whether the event is not there (never was, or deleted).
func (e *Error) Gone() bool { return e.Status == http.StatusNotFound || e.Status == http.StatusGone }

// FullSyncRequired reports an expired sync token: list everything again.
func (e *Error) FullSyncRequired() bool {
	return e.Status == http.StatusGone && e.Reason == "fullSyncRequired"
}

// Duplicate reports an insert whose event id is taken: the event exists.
func (e *Error) Duplicate() bool { return e.Status == http.StatusConflict }

// Insert adds ev to the primary calendar without mailing anyone (Convene
// sends the invitations), making its Meet link if it asks for one.
func (c *Calendar) Insert(ctx context.Context, ev Event) (*Event, error) {
	var out Event
	q := url.Values{"conferenceDataVersion": {"1"}, "sendUpdates": {"none"}}
	return &out, c.api.Call(ctx, http.MethodPost, "/calendars/primary/events?"+q.Encode(), ev, &out)
}

// Get reads an event of the primary calendar.
func (c *Calendar) Get(ctx context.Context, id string) (*Event, error) {
	var out Event
	return &out, c.api.Call(ctx, http.MethodGet, "/calendars/primary/events/"+url.PathEscape(id), nil, &out)
}

// Patch changes the fields ev sets, telling no one.
func (c *Calendar) Patch(ctx context.Context, id string, ev Event) error {
	_, err := c.PatchEvent(ctx, id, ev)
	return err
}

// PatchEvent is Patch, with the event as it is now (its new etag).
func (c *Calendar) PatchEvent(ctx context.Context, id string, ev Event) (*Event, error) {
	q := url.Values{"conferenceDataVersion": {"1"}, "sendUpdates": {"none"}}
	var out Event
	return &out, c.api.Call(ctx, http.MethodPatch, "/calendars/primary/events/"+url.PathEscape(id)+"?"+q.Encode(), ev, &out)
}

// Delete removes an event, telling no one.
func (c *Calendar) Delete(ctx context.Context, id string) error {
	return c.api.Call(ctx, http.MethodDelete, "/calendars/primary/events/"+url.PathEscape(id)+"?sendUpdates=none", nil, nil)
}

// Instance is the occurrence of series whose original start is
// originalStart: the event to patch or delete to change that occurrence
// alone. A cancelled occurrence, or a time the series has none at, is Gone.
func (c *Calendar) Instance(ctx context.Context, seriesID string, originalStart time.Time) (*Event, error) {
	var out EventPage
	q := url.Values{"originalStart": {originalStart.UTC().Format(time.RFC3339)}}
	err := c.api.Call(ctx, http.MethodGet, "/calendars/primary/events/"+url.PathEscape(seriesID)+"/instances?"+q.Encode(), nil, &out)
	if err != nil {
		return nil, err
	}
	if len(out.Items) == 0 {
		return nil, &Error{Status: http.StatusNotFound, Code: http.StatusNotFound, Message: "no such occurrence", Reason: "notFound"}
	}
	return &out.Items[0], nil
}

// Recurrence is a series' recurrence lines: its rule, and its occurrences
// taken out as EXDATEs in the series' zone.
func Recurrence(rule string, exdates []time.Time, loc *time.Location) []string {
	lines := []string{"RRULE:" + rule}
	for _, x := range exdates {
		lines = append(lines, fmt.Sprintf("EXDATE;TZID=%s:%s", loc, x.In(loc).Format("20060102T150405")))
	}
	return lines
}

// PrimaryCalendar reads the primary calendar's id: the cheapest real call,
// for checking a connection.
func (c *Calendar) PrimaryCalendar(ctx context.Context) (string, error) {
	var out struct{ ID string }
	return out.ID, c.api.Call(ctx, http.MethodGet, "/calendars/primary", nil, &out)
}

// refusal reads Google's error JSON; a body that is not one keeps its text.
func refusal(res *http.Response, raw []byte) *Error {
	var body struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	e := &Error{Status: res.StatusCode, Message: http.StatusText(res.StatusCode)}
	if json.Unmarshal(raw, &body) == nil && body.Error.Message != "" {
		e.Code, e.Message = body.Error.Code, body.Error.Message
		if len(body.Error.Errors) > 0 {
			e.Reason = body.Error.Errors[0].Reason
		}
	} else if len(raw) > 0 {
		e.Message = string(raw)
	}
	e.RetryAfter = rest.RetryAfter(res.Header)
	return e
}
