// Package trueconf reaches a company's own TrueConf Server: an OAuth
// client_credentials token, and conferences through API v3.
package trueconf

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/convene/convene/connectors/rest"
)

// apiPath is the API version Convene speaks.
const apiPath = "/api/v3.3"

// App is the OAuth client registered on the server.
type App struct {
	Server, ClientID, ClientSecret string // Server: https://video.example.com
}

// Client calls one TrueConf Server, keeping its token (which lives days)
// until shortly before it expires.
type Client struct {
	app  App
	http *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
}

// New returns a client of app's server.
func New(app App) *Client { return &Client{app: app, http: &http.Client{Timeout: 30 * time.Second}} }

// Schedule is when a conference runs: type 1 once, at start_time (Unix
// seconds) for duration seconds.
type Schedule struct {
	Type      int   `json:"type"`
	StartTime int64 `json:"start_time,omitempty"`
	Duration  int   `json:"duration,omitempty"`
}

// Conference is the part of TrueConf's conference object Convene uses.
type Conference struct {
	ID           string    `json:"id,omitempty"` // ours: digits, Latin letters and _
	Topic        string    `json:"topic,omitempty"`
	Description  string    `json:"description,omitempty"`
	Owner        string    `json:"owner,omitempty"`
	Type         *int      `json:"type,omitempty"` // 0 all on screen
	Schedule     *Schedule `json:"schedule,omitempty"`
	URL          string    `json:"url,omitempty"`
	WebclientURL string    `json:"webclient_url,omitempty"`
}

// Error is the server's refusal.
type Error struct {
	Status  int
	Message string
	Reason  string // conferenceNotFound, accessTokenInvalid, InvalidCredentials…
}

func (e *Error) Error() string {
	return fmt.Sprintf("trueconf: %s (%s, HTTP %d)", e.Message, e.Reason, e.Status)
}

// Retryable reports whether the same call may succeed later.
func (e *Error) Retryable() bool { return e.Status == http.StatusTooManyRequests || e.Status >= 500 }

// Words is what the server said.
func (e *Error) Words() string { return e.Message }

// Wait is never asked for by TrueConf.
func (e *Error) Wait() time.Duration { return 0 }

// Gone reports whether the conference is not there.
func (e *Error) Gone() bool { return e.Status == http.StatusNotFound }

// Create makes a conference.
func (c *Client) Create(ctx context.Context, conf Conference) (Conference, error) {
	return c.conference(ctx, http.MethodPost, "/conferences", conf)
}

// Get reads a conference.
func (c *Client) Get(ctx context.Context, id string) (Conference, error) {
	return c.conference(ctx, http.MethodGet, "/conferences/"+url.PathEscape(id), nil)
}

// Update changes the fields conf sets.
func (c *Client) Update(ctx context.Context, id string, conf Conference) error {
	_, err := c.conference(ctx, http.MethodPut, "/conferences/"+url.PathEscape(id), conf)
	return err
}

// Delete removes a conference.
func (c *Client) Delete(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, "/conferences/"+url.PathEscape(id), nil, nil)
}

// CheckConnection gets a token: the cheapest call that proves the app.
func (c *Client) CheckConnection(ctx context.Context) error {
	_, err := c.accessToken(ctx)
	return err
}

// conference sends a call whose answer is {"conference": …}.
func (c *Client) conference(ctx context.Context, method, path string, body any) (Conference, error) {
	var out struct{ Conference Conference }
	err := c.call(ctx, method, path, body, &out)
	return out.Conference, err
}

// call sends an API call with the token as access_token, as the server
// takes it.
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
	token, err := c.accessToken(ctx)
	if err != nil {
		return err
	}
	api := rest.New(c.app.Server+apiPath, "", refusal)
	return api.Call(ctx, method, path+"?"+url.Values{"access_token": {token}}.Encode(), body, out)
}

func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && time.Until(c.expires) > time.Minute {
		return c.token, nil
	}
	body, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": c.app.ClientID, "client_secret": c.app.ClientSecret})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.app.Server+"/oauth2/v1/token", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("trueconf: %w", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode != http.StatusOK {
		return "", refusal(res, raw)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(raw, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("trueconf: no token in the answer (%v)", err)
	}
	c.token, c.expires = tok.AccessToken, time.Now().Add(time.Duration(tok.ExpiresIn)*time.Second)
	return c.token, nil
}

// refusal reads the server's error JSON, or the token endpoint's reason.
func refusal(res *http.Response, raw []byte) error {
	var body struct {
		Reason string `json:"reason"`
		Error  json.RawMessage
	}
	e := &Error{Status: res.StatusCode, Message: http.StatusText(res.StatusCode)}
	if json.Unmarshal(raw, &body) != nil {
		return e
	}
	var api struct {
		Message string
		Errors  []struct{ Reason, Message string }
	}
	if json.Unmarshal(body.Error, &api) == nil && len(api.Errors) > 0 {
		e.Reason, e.Message = api.Errors[0].Reason, api.Errors[0].Message
	}
	if body.Reason != "" {
		e.Reason = body.Reason
	}
	return e
}
