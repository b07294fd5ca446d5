// Package zoom creates, changes and deletes Zoom meetings through a
// Server-to-Server OAuth app (the account_credentials grant).
package zoom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Endpoints are Zoom's hosts; tests point them at a fake.
type Endpoints struct {
	API   string // https://api.zoom.us/v2
	OAuth string // https://zoom.us
}

// Zoom's own hosts.
var Production = Endpoints{API: "https://api.zoom.us/v2", OAuth: "https://zoom.us"}

// App is a company's Server-to-Server OAuth app.
type App struct {
	AccountID, ClientID, ClientSecret string
}

// JWTApp is a legacy JWT app, which signs its own tokens. Zoom stopped
// taking them when it retired the app type on September 8, 2023.
type JWTApp struct {
	APIKey, APISecret string
	TTL               time.Duration // each token's lifetime
}

// Token is a token as the JWT app issued it: HS256 with the API secret,
// iss the API key, exp in Unix seconds.
func (a JWTApp) Token(now time.Time) (string, time.Time, error) {
	exp := now.Add(a.TTL)
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Issuer: a.APIKey, ExpiresAt: jwt.NewNumericDate(exp)}).SignedString([]byte(a.APISecret))
	return token, exp, err
}

// Client calls Zoom for one app, keeping its access token until shortly
// before it expires. Zoom lets several tokens live at once, so replicas
// each keep their own.
type Client struct {
	at    Endpoints
	http  *http.Client
	issue func(context.Context) (string, time.Time, error) // a new token
	jwt   bool

	mu      sync.Mutex
	token   string
	expires time.Time
}

// New returns a client of a Server-to-Server OAuth app at endpoints.
func New(at Endpoints, app App) *Client {
	c := &Client{at: at, http: &http.Client{Timeout: 30 * time.Second}}
	c.issue = func(ctx context.Context) (string, time.Time, error) { return c.requestToken(ctx, app) }
	return c
}

// NewJWT returns a client of a legacy JWT app at endpoints.
func NewJWT(at Endpoints, app JWTApp) *Client {
	return &Client{at: at, http: &http.Client{Timeout: 30 * time.Second}, jwt: true,
		issue: func(context.Context) (string, time.Time, error) { return app.Token(time.Now()) }}
}

// Error is Zoom's refusal: its HTTP status, its code and message (or, when
// Zoom answers in XML or not at all, the body's text).
type Error struct {
	Status     int
	Code       int    `json:"code"`
	Message    string `json:"message"`
	OAuthError string `json:"error"`  // the token endpoint's "invalid_client" and the like
	Reason     string `json:"reason"` // the token endpoint's words
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("zoom: %s (code %d, HTTP %d)", e.Words(), e.Code, e.Status)
}

// Words is what Zoom said: the API's message or the token endpoint's reason.
func (e *Error) Words() string {
	if e.Message != "" {
		return e.Message
	}
	return e.Reason
}

// Retryable reports whether the same call may succeed later.
func (e *Error) Retryable() bool { return e.Status == http.StatusTooManyRequests || e.Status >= 500 }

// Wait is how long Zoom asked to wait before trying again, if it did.
func (e *Error) Wait() time.Duration { return e.RetryAfter }

// Gone reports whether the meeting is not there.
func (e *Error) Gone() bool { return e.Status == http.StatusNotFound }

// tokenExpired is Zoom's code for an access token it no longer takes.
const tokenExpired = 124

// MeetingRequest is a meeting to create or the fields to change.
type MeetingRequest struct {
	Topic     string `json:"topic,omitempty"`
	Type      int    `json:"type,omitempty"`       // 2 scheduled, 8 recurring with a fixed time
	StartTime string `json:"start_time,omitempty"` // local wall time, read in Timezone
	Duration  int    `json:"duration,omitempty"`   // minutes
	Timezone  string `json:"timezone,omitempty"`
	Password  string `json:"password,omitempty"`
	Agenda    string `json:"agenda,omitempty"`
	// Recurrence is a type 8 meeting's rule.
	Recurrence *Recurrence `json:"recurrence,omitempty"`
}

// Recurrence is Zoom's repeat rule: daily (1), weekly (2) or monthly (3),
// ending after a count or at a time.
type Recurrence struct {
	Type           int    `json:"type"`
	RepeatInterval int    `json:"repeat_interval,omitempty"`
	WeeklyDays     string `json:"weekly_days,omitempty"` // "2,4": 1 is Sunday
	MonthlyDay     int    `json:"monthly_day,omitempty"`
	MonthlyWeek    int    `json:"monthly_week,omitempty"` // -1 last, 1 to 4
	MonthlyWeekDay int    `json:"monthly_week_day,omitempty"`
	EndTimes       int    `json:"end_times,omitempty"`
	EndDateTime    string `json:"end_date_time,omitempty"` // UTC
}

// Meeting is what Zoom answers about a meeting.
type Meeting struct {
	ID        int64  `json:"id"`
	UUID      string `json:"uuid"`
	HostID    string `json:"host_id"`
	Topic     string `json:"topic"`
	StartTime string `json:"start_time"`
	Duration  int    `json:"duration"`
	Timezone  string `json:"timezone"`
	JoinURL   string `json:"join_url"`
	StartURL  string `json:"start_url"`
	Password  string `json:"password"`
}

// LocalTime formats t as Zoom's start_time read in t's own zone.
func LocalTime(t time.Time) string { return t.Format("2006-01-02T15:04:05") }

// CreateMeeting schedules a meeting hosted by user (a Zoom user id or
// email).
func (c *Client) CreateMeeting(ctx context.Context, user string, m MeetingRequest) (Meeting, error) {
	var out Meeting
	err := c.call(ctx, http.MethodPost, "/users/"+url.PathEscape(user)+"/meetings", m, http.StatusCreated, &out)
	return out, err
}

// GetMeeting reads a meeting.
func (c *Client) GetMeeting(ctx context.Context, id int64) (Meeting, error) {
	var out Meeting
	err := c.call(ctx, http.MethodGet, "/meetings/"+strconv.FormatInt(id, 10), nil, http.StatusOK, &out)
	return out, err
}

// UpdateMeeting changes a meeting's fields.
func (c *Client) UpdateMeeting(ctx context.Context, id int64, m MeetingRequest) error {
	return c.call(ctx, http.MethodPatch, "/meetings/"+strconv.FormatInt(id, 10), m, http.StatusNoContent, nil)
}

// DeleteMeeting deletes a meeting.
func (c *Client) DeleteMeeting(ctx context.Context, id int64) error {
	return c.call(ctx, http.MethodDelete, "/meetings/"+strconv.FormatInt(id, 10), nil, http.StatusNoContent, nil)
}

// CheckConnection makes the cheapest call that proves the app's
// credentials: a token for an OAuth app, a user for a JWT app, which signs
// its tokens itself.
func (c *Client) CheckConnection(ctx context.Context) error {
	if c.jwt {
		_, err := c.Users(ctx, 1, "")
		return err
	}
	_, err := c.accessToken(ctx, true)
	return err
}

// call sends one API request, getting a new token once if Zoom says the
// one it had no longer works.
func (c *Client) call(ctx context.Context, method, path string, body any, want int, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		token, err := c.accessToken(ctx, attempt > 0)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, method, c.at.API+path, bytes.NewReader(payload))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		err = c.do(req, want, out)
		var refused *Error
		if attempt == 0 && !c.jwt && errors.As(err, &refused) && refused.Status == http.StatusUnauthorized && refused.Code == tokenExpired {
			continue
		}
		if c.jwt && errors.As(err, &refused) && refused.Status == http.StatusUnauthorized {
			refused.Message += " (Zoom retired JWT apps on September 8, 2023: connect a Server-to-Server OAuth app)"
		}
		return err
	}
}

// accessToken returns the cached token, or a new one when it is about to
// expire or fresh is asked for.
func (c *Client) accessToken(ctx context.Context, fresh bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !fresh && c.token != "" && time.Until(c.expires) > time.Minute {
		return c.token, nil
	}
	token, expires, err := c.issue(ctx)
	if err != nil {
		return "", err
	}
	c.token, c.expires = token, expires
	return token, nil
}

// requestToken asks for a token with the account_credentials grant.
func (c *Client) requestToken(ctx context.Context, app App) (string, time.Time, error) {
	form := url.Values{"grant_type": {"account_credentials"}, "account_id": {app.AccountID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.at.OAuth+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", time.Time{}, err
	}
	req.SetBasicAuth(app.ClientID, app.ClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := c.do(req, http.StatusOK, &tok); err != nil {
		return "", time.Time{}, err
	}
	return tok.AccessToken, time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second), nil
}

// do sends req and reads a want answer into out, or Zoom's error.
func (c *Client) do(req *http.Request, want int, out any) error {
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("zoom: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("zoom: reading the answer: %w", err)
	}
	if res.StatusCode != want {
		return refusal(res, body)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("zoom: reading the answer: %w", err)
	}
	return nil
}

// refusal reads Zoom's error, tolerating the XML and empty bodies it
// sometimes sends.
func refusal(res *http.Response, body []byte) *Error {
	e := &Error{}
	if json.Unmarshal(body, e) != nil || e.Message == "" && e.Reason == "" {
		e.Message = strings.TrimSpace(string(body))
		if e.Message == "" || len(e.Message) > 300 {
			e.Message = http.StatusText(res.StatusCode)
		}
	}
	e.Status = res.StatusCode
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}

// User is a user of the Zoom account.
type User struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Type      int    `json:"type"`
}

// UserPage is one page of the account's active users.
type UserPage struct {
	Users         []User `json:"users"`
	NextPageToken string `json:"next_page_token"` // "" on the last page
	TotalRecords  int    `json:"total_records"`
}

// Users lists the account's active users, size a page (at most 300),
// from the page token a previous page gave ("" for the first).
func (c *Client) Users(ctx context.Context, size int, pageToken string) (UserPage, error) {
	q := url.Values{"status": {"active"}, "page_size": {strconv.Itoa(min(max(size, 1), 300))}}
	if pageToken != "" {
		q.Set("next_page_token", pageToken)
	}
	var page UserPage
	err := c.call(ctx, http.MethodGet, "/users?"+q.Encode(), nil, http.StatusOK, &page)
	return page, err
}
