// Package microsoft reaches Microsoft for a company's Entra app: the
// identity platform's consent and token endpoints, and Microsoft Graph
// calendar events that carry a Teams link.
package microsoft

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/convene/convene/connectors/rest"
	"golang.org/x/oauth2"
)

// Endpoints are Microsoft's hosts; tests point them at a fake.
type Endpoints struct {
	Login string // the identity platform, without the tenant
	Graph string // Graph v1.0 base, without the trailing slash
}

// Production are Microsoft's own.
var Production = Endpoints{Login: "https://login.microsoftonline.com", Graph: "https://graph.microsoft.com/v1.0"}

// Scopes are what Convene asks for: the calendar, for Teams meetings now
// and calendar sync later, and offline access for a refresh token.
var Scopes = []string{"offline_access", "Calendars.ReadWrite", "OnlineMeetings.ReadWrite", "User.Read"}

// OAuth is the company's app as golang.org/x/oauth2 knows it; tenant is
// "common", "organizations" or the tenant's id or domain.
func OAuth(at Endpoints, tenant, clientID, clientSecret, redirectURL string) *oauth2.Config {
	base := at.Login + "/" + url.PathEscape(tenant) + "/oauth2/v2.0"
	return &oauth2.Config{
		ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURL,
		Endpoint: oauth2.Endpoint{AuthURL: base + "/authorize", TokenURL: base + "/token", AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   Scopes,
	}
}

// ConsentURL is where an admin grants the app access; offline_access in
// the scopes brings the refresh token.
func ConsentURL(cfg *oauth2.Config, state, verifier, hint string) string {
	opts := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("response_mode", "query"), oauth2.S256ChallengeOption(verifier)}
	if hint != "" { // the account to sign in with
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", hint))
	}
	return cfg.AuthCodeURL(state, opts...)
}

// Graph calls Microsoft Graph with an access token.
type Graph struct{ api *rest.Client }

// NewGraph returns a client of the mailbox the token reaches.
func NewGraph(at Endpoints, accessToken string) *Graph {
	api := rest.New(at.Graph, accessToken, func(res *http.Response, raw []byte) error { return refusal(res, raw) })
	// Delta pages hold 10 events unless asked; a preference only collections heed.
	api.Header = http.Header{"Prefer": {"odata.maxpagesize=" + strconv.Itoa(DeltaPageSize)}}
	return &Graph{api: api}
}

// DeltaPageSize is the page size asked of a delta query.
const DeltaPageSize = 250

// Time is an event's start or end: a local wall time in a zone.
type Time struct {
	DateTime string `json:"dateTime"` // local, no offset
	TimeZone string `json:"timeZone"`
}

// At is t as Graph takes it.
func At(t time.Time, zone string) *Time {
	return &Time{DateTime: t.Format("2006-01-02T15:04:05"), TimeZone: zone}
}

// Body is an event's text.
type Body struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
}

// Event is the part of Graph's event resource Convene reads and writes.
type Event struct {
	ID                    string         `json:"id,omitempty"`
	Subject               string         `json:"subject,omitempty"`
	Body                  *Body          `json:"body,omitempty"`
	Start                 *Time          `json:"start,omitempty"`
	End                   *Time          `json:"end,omitempty"`
	IsOnlineMeeting       bool           `json:"isOnlineMeeting,omitempty"`
	OnlineMeetingProvider string         `json:"onlineMeetingProvider,omitempty"`
	TransactionID         string         `json:"transactionId,omitempty"`
	OnlineMeeting         *OnlineMeeting `json:"onlineMeeting,omitempty"`
	Recurrence            *Recurrence    `json:"recurrence,omitempty"`
	// Read by calendar sync.
	ICalUID     string `json:"iCalUId,omitempty"`
	ChangeKey   string `json:"changeKey,omitempty"`
	IsAllDay    bool   `json:"isAllDay,omitempty"`
	IsCancelled bool   `json:"isCancelled,omitempty"`
	// A series' occurrence or exception: seriesMaster, occurrence, exception
	// or singleInstance; its series; the start it has in the series.
	Type                 string     `json:"type,omitempty"`
	LastModifiedDateTime string     `json:"lastModifiedDateTime,omitempty"`
	SeriesMasterID       string     `json:"seriesMasterId,omitempty"`
	OriginalStart        string     `json:"originalStart,omitempty"`
	Attendees            []Attendee `json:"attendees,omitempty"`
	Removed              *struct {
		Reason string `json:"reason"`
	} `json:"@removed,omitempty"`
}

// Attendee is a guest of an event.
type Attendee struct {
	EmailAddress struct {
		Address string `json:"address"`
		Name    string `json:"name,omitempty"`
	} `json:"emailAddress"`
	Type   string `json:"type,omitempty"` // required, optional, resource
	Status *struct {
		Response string `json:"response"` // none, organizer, tentativelyAccepted, accepted, declined, notResponded
	} `json:"status,omitempty"`
}

// DeltaPage is one page of a calendar view's delta query: the changes on
// it, and the link to the next page or, on the last, to the next round.
type DeltaPage struct {
	Value     []Event `json:"value"`
	NextLink  string  `json:"@odata.nextLink"`
	DeltaLink string  `json:"@odata.deltaLink"`
}

// Delta follows link (a nextLink or deltaLink Graph gave), or with none
// starts a delta query of the calendar view from from to to.
func (g *Graph) Delta(ctx context.Context, link string, from, to time.Time) (*DeltaPage, error) {
	path := "/me/calendarView/delta?" + url.Values{"startDateTime": {from.UTC().Format(time.RFC3339)},
		"endDateTime": {to.UTC().Format(time.RFC3339)}}.Encode()
	if link != "" {
		var err error
		if path, err = g.api.Relative(link); err != nil {
			return nil, err
		}
	}
	var out DeltaPage
	return &out, g.api.Call(ctx, http.MethodGet, path, nil, &out)
}

// OnlineMeeting is the Teams meeting of an event.
type OnlineMeeting struct {
	JoinURL      string `json:"joinUrl"`
	ConferenceID string `json:"conferenceId,omitempty"`
}

// Error is Graph's refusal.
type Error struct {
	Status     int
	Code       string // itemNotFound, accessDenied, activityLimitReached…
	Message    string
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("microsoft graph: %s (%s, HTTP %d)", e.Message, e.Code, e.Status)
}

// Retryable reports whether the same call may succeed later.
func (e *Error) Retryable() bool { return e.Status == http.StatusTooManyRequests || e.Status >= 500 }

// Words is what Graph said.
func (e *Error) Words() string { return e.Message }

// Unauthorized reports a refused access token.
func (e *Error) Unauthorized() bool { return e.Status == http.StatusUnauthorized }

// Wait is how long Graph asked to wait before trying again, if it did.
func (e *Error) Wait() time.Duration { return e.RetryAfter }

// SyncStateNotFound reports an expired delta token: start the query again.
func (e *Error) SyncStateNotFound() bool {
	return e.Code == "syncStateNotFound" || e.Code == "resyncRequired" || e.Status == http.StatusGone
}

// Gone reports whether the event is not there.
func (e *Error) Gone() bool { return e.Status == http.StatusNotFound || e.Code == "ErrorItemNotFound" }

// Create adds ev to the signed-in mailbox's calendar, with a Teams link.
// Its transactionId makes a repeated create return the first event.
func (g *Graph) Create(ctx context.Context, ev Event) (*Event, error) {
	ev.IsOnlineMeeting, ev.OnlineMeetingProvider = true, "teamsForBusiness"
	return g.Add(ctx, ev)
}

// Add creates ev in the calendar as it is: with no attendees, Outlook
// mails no one.
func (g *Graph) Add(ctx context.Context, ev Event) (*Event, error) {
	var out Event
	return &out, g.api.Call(ctx, http.MethodPost, "/me/events", ev, &out)
}

// Update changes the fields ev sets.
func (g *Graph) Update(ctx context.Context, id string, ev Event) error {
	_, err := g.UpdateEvent(ctx, id, ev)
	return err
}

// UpdateEvent is Update, with the event as it is now (its new changeKey).
func (g *Graph) UpdateEvent(ctx context.Context, id string, ev Event) (*Event, error) {
	var out Event
	return &out, g.api.Call(ctx, http.MethodPatch, "/me/events/"+url.PathEscape(id), ev, &out)
}

// Get reads an event: a series' master, for its recurrence.
func (g *Graph) Get(ctx context.Context, id string) (*Event, error) {
	var out Event
	return &out, g.api.Call(ctx, http.MethodGet, "/me/events/"+url.PathEscape(id), nil, &out)
}

// Occurrence is the occurrence of a series whose original start is at:
// the event to patch or delete to change that occurrence alone. One that
// was deleted, or a time the series has none at, is not found.
func (g *Graph) Occurrence(ctx context.Context, seriesID string, at time.Time) (*Event, error) {
	// An exception stays between its neighbours; a month each side holds
	// it for every pattern but yearly ones, which Convene rarely moves.
	const reach = 32 * 24 * time.Hour
	q := url.Values{"startDateTime": {at.Add(-reach).UTC().Format(time.RFC3339)}, "endDateTime": {at.Add(reach).UTC().Format(time.RFC3339)}}
	var out struct{ Value []Event }
	if err := g.api.Call(ctx, http.MethodGet, "/me/events/"+url.PathEscape(seriesID)+"/instances?"+q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	for _, e := range out.Value {
		if original, err := time.Parse(time.RFC3339, e.OriginalStart); err == nil && original.Equal(at) {
			return &e, nil
		}
	}
	return nil, &Error{Status: http.StatusNotFound, Code: "ErrorItemNotFound", Message: "no such occurrence"}
}

// Delete removes an event.
func (g *Graph) Delete(ctx context.Context, id string) error {
	return g.api.Call(ctx, http.MethodDelete, "/me/events/"+url.PathEscape(id), nil, nil)
}

// Calendar reads the default calendar: the cheapest real call, for
// checking a connection, and whether it offers Teams.
func (g *Graph) Calendar(ctx context.Context) (providers []string, err error) {
	var out struct {
		AllowedOnlineMeetingProviders []string `json:"allowedOnlineMeetingProviders"`
	}
	return out.AllowedOnlineMeetingProviders, g.api.Call(ctx, http.MethodGet, "/me/calendar", nil, &out)
}

// refusal reads Graph's error JSON; a body that is not one keeps its text.
func refusal(res *http.Response, raw []byte) *Error {
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	e := &Error{Status: res.StatusCode, Message: http.StatusText(res.StatusCode)}
	if json.Unmarshal(raw, &body) == nil && body.Error.Code != "" {
		e.Code, e.Message = body.Error.Code, body.Error.Message
	} else if len(raw) > 0 {
		e.Message = strings.TrimSpace(string(raw))
	}
	e.RetryAfter = rest.RetryAfter(res.Header)
	return e
}
