// Package vccfake is a VNPT cloud contact center for tests and the demo:
// the agent login, taking the token as JSON (as VNPT's README sends it) or
// as a form field (as its demo does), checked as the center checks it.
package vccfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/convene/convene/connectors/fakekit"
	"github.com/convene/convene/connectors/vcc"
)

// Center is one tenant of the fake center.
type Center struct {
	Domain, AccessKey string

	mu     sync.Mutex
	logins map[string]int // ipphone → logins
	users  map[string]int // ipphone → the center's user id
}

// New returns a center for domain, whose agents' tokens are signed with
// accessKey.
func New(domain, accessKey string) *Center {
	return &Center{Domain: domain, AccessKey: accessKey, logins: map[string]int{}, users: map[string]int{}}
}

func (c *Center) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/"+c.Domain+"/thirdParty/login" {
		http.NotFound(w, r)
		return
	}
	ipphone, err := c.agent(r)
	if err != nil {
		fakekit.WriteJSON(w, http.StatusOK, "application/json", map[string]string{"code": "error", "message": err.Error()})
		return
	}
	c.mu.Lock()
	c.logins[ipphone]++
	if c.users[ipphone] == 0 {
		c.users[ipphone] = 35000 + len(c.users)
	}
	id := c.users[ipphone]
	c.mu.Unlock()
	fakekit.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"code": "ok",
		"user": map[string]any{"user_id": id, "token": fakekit.Random(), "ipphone": ipphone, "domain": c.Domain}})
}

// agent reads the request's token and returns its extension, if the token
// is signed with the access key and has not expired.
func (c *Center) agent(r *http.Request) (string, error) {
	var token string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body struct{ Token string }
		if json.NewDecoder(r.Body).Decode(&body) != nil {
			return "", errors.New("bad request body")
		}
		token = body.Token
	} else {
		token = r.FormValue("token")
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return []byte(c.AccessKey), nil },
		jwt.WithValidMethods([]string{"HS256"}))
	if err != nil {
		return "", errors.New("invalid token")
	}
	ipphone, _ := claims["ipphone"].(string)
	expired, _ := claims["expired"].(string)
	vietnam, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	until, err := time.ParseInLocation(time.DateTime, expired, vietnam)
	switch {
	case ipphone == "":
		return "", errors.New("ipphone is required")
	case err != nil:
		return "", errors.New("expired must be YYYY-MM-DD HH:MM:SS")
	case time.Now().After(until):
		return "", errors.New("token expired")
	}
	return ipphone, nil
}

// Logins is how many times the agent at ipphone logged in.
func (c *Center) Logins(ipphone string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.logins[ipphone]
}

// Report posts r to a webhook as the center reports a call event, signed
// at sent with the access key, and returns the answer's status and body.
func (c *Center) Report(url string, r vcc.Report, sent time.Time) (int, string, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(vcc.TimestampHeader, strconv.FormatInt(sent.Unix(), 10))
	req.Header.Set(vcc.SignatureHeader, vcc.Center{AccessKey: c.AccessKey}.Sign(sent, body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	return res.StatusCode, string(answer), err
}
