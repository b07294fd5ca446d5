// Package sms sends text messages through a gateway that speaks Twilio's
// Messages API (2010-04-01), Twilio's own by default.
package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config says which gateway and account to send through.
type Config struct {
	BaseURL    string // https://api.twilio.com, or a compatible gateway
	AccountSID string
	AuthToken  string
	From       string // a number, short code or sender id of the account
}

// Configured reports whether SMS can be sent at all.
func (c Config) Configured() bool { return c.AccountSID != "" && c.AuthToken != "" && c.From != "" }

// Client sends messages.
type Client struct {
	cfg  Config
	http *http.Client
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Client{cfg: cfg, http: &http.Client{Timeout: 20 * time.Second}}
}

// Error is the gateway's refusal, in its own words.
type Error struct {
	Status   int    `json:"status"`
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("sms gateway: %s (code %d, HTTP %d)", e.Message, e.Code, e.Status)
}

// Retryable reports whether the same message may succeed later: the
// gateway was busy or broken, not the message wrong.
func (e *Error) Retryable() bool { return e.Status == http.StatusTooManyRequests || e.Status >= 500 }

// Message is the gateway's record of a sent message.
type Message struct {
	SID    string `json:"sid"`
	Status string `json:"status"`
}

// Send sends body to the E.164 number to.
func (c *Client) Send(ctx context.Context, to, body string) (Message, error) {
	form := url.Values{"To": {to}, "From": {c.cfg.From}, "Body": {body}}
	endpoint := fmt.Sprintf("%s/2010-04-01/Accounts/%s/Messages.json", c.cfg.BaseURL, url.PathEscape(c.cfg.AccountSID))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return Message{}, err
	}
	req.SetBasicAuth(c.cfg.AccountSID, c.cfg.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.http.Do(req)
	if err != nil {
		return Message{}, fmt.Errorf("sms gateway: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		apiErr := &Error{Status: res.StatusCode}
		if json.NewDecoder(res.Body).Decode(apiErr) != nil || apiErr.Message == "" {
			apiErr.Message = http.StatusText(res.StatusCode)
		}
		apiErr.Status = res.StatusCode
		return Message{}, apiErr
	}
	var m Message
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		return Message{}, fmt.Errorf("sms gateway: reading the answer: %w", err)
	}
	return m, nil
}
