// Package rest sends the JSON requests providers' REST APIs take, with a
// bearer token, and hands their refusals to the connector that knows
// their shape.
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Client calls one API with one bearer token.
type Client struct {
	// Header is sent with every call, beside the token.
	Header      http.Header
	base, token string
	http        *http.Client
	refuse      func(*http.Response, []byte) error // reads the API's error body
}

// New returns a client of the API at base (without a trailing slash)
// whose refusals refuse reads.
func New(base, token string, refuse func(*http.Response, []byte) error) *Client {
	return &Client{base: base, token: token, http: &http.Client{Timeout: 30 * time.Second}, refuse: refuse}
}

// Call sends body (if not nil) as JSON to path and reads a 2xx answer
// into out (if not nil); any other answer is the API's refusal.
func (c *Client) Call(ctx context.Context, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return err
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	if c.token != "" { // some APIs take their token in the query instead
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, req.URL.Host, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode >= 300 {
		return c.refuse(res, raw)
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// RetryAfter is how long a Retry-After header (in seconds) asks to wait.
func RetryAfter(h http.Header) time.Duration {
	s, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(s) * time.Second
}

// Relative is link, an address the API gave (a next page's, say), as a
// path under the client's base; one elsewhere is refused, so the token
// never goes to another host.
func (c *Client) Relative(link string) (string, error) {
	path, ok := strings.CutPrefix(link, c.base)
	if !ok || !strings.HasPrefix(path, "/") {
		return "", fmt.Errorf("rest: %s is not under %s", link, c.base)
	}
	return path, nil
}
