// Package smsfake is a Twilio Messages API for tests: it checks requests as
// Twilio does and keeps the messages it accepted.
package smsfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"time"
)

// Gateway is the fake. Fail, when set, answers each request instead.
type Gateway struct {
	AccountSID, AuthToken string
	mu                    sync.Mutex
	sent                  []Sent
	fail                  func(r *http.Request) (status int, body map[string]any)
}

// Sent is one accepted message.
type Sent struct{ To, From, Body string }

var (
	accountSID = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	e164       = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// FailWith makes the next requests fail as f says; nil ends it.
func (g *Gateway) FailWith(f func(r *http.Request) (int, map[string]any)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail = f
}

// Sent returns the accepted messages.
func (g *Gateway) Sent() []Sent {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Sent(nil), g.sent...)
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var sid string
	if _, err := fmt.Sscanf(r.URL.Path, "/2010-04-01/Accounts/%34s", &sid); err != nil || r.Method != http.MethodPost ||
		r.URL.Path != "/2010-04-01/Accounts/"+sid+"/Messages.json" {
		reply(w, http.StatusNotFound, apiError(20404, "The requested resource was not found", http.StatusNotFound))
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != g.AccountSID || pass != g.AuthToken || sid != g.AccountSID || !accountSID.MatchString(sid) {
		reply(w, http.StatusUnauthorized, apiError(20003, "Authenticate", http.StatusUnauthorized))
		return
	}
	g.mu.Lock()
	fail := g.fail
	g.mu.Unlock()
	if fail != nil {
		status, body := fail(r)
		reply(w, status, body)
		return
	}
	to, from, body := r.PostFormValue("To"), r.PostFormValue("From"), r.PostFormValue("Body")
	switch {
	case !e164.MatchString(to):
		reply(w, http.StatusBadRequest, apiError(21211, fmt.Sprintf("The 'To' number %s is not a valid phone number.", to), http.StatusBadRequest))
		return
	case from == "":
		reply(w, http.StatusBadRequest, apiError(21603, "A 'From' phone number is required.", http.StatusBadRequest))
		return
	case body == "" || len([]rune(body)) > 1600:
		reply(w, http.StatusBadRequest, apiError(21617, "The concatenated message body exceeds the 1600 character limit.", http.StatusBadRequest))
		return
	}
	g.mu.Lock()
	g.sent = append(g.sent, Sent{To: to, From: from, Body: body})
	n := len(g.sent)
	g.mu.Unlock()
	now := time.Now().UTC().Format(time.RFC1123Z)
	reply(w, http.StatusCreated, map[string]any{
		"sid": fmt.Sprintf("SM%032x", n), "account_sid": sid, "to": to, "from": from, "body": body,
		"status": "queued", "num_segments": "1", "num_media": "0", "direction": "outbound-api",
		"date_created": now, "date_updated": now, "date_sent": nil, "price": nil, "price_unit": "USD",
		"error_code": nil, "error_message": nil, "api_version": "2010-04-01",
		"uri": fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/SM%032x.json", sid, n),
	})
}

func apiError(code int, message string, status int) map[string]any {
	return map[string]any{"code": code, "message": message, "more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status}
}

func reply(w http.ResponseWriter, status int, body map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
