// Package microsoftfake is Microsoft for tests and the demo: the identity
// platform's authorize and token endpoints (authorization code with PKCE;
// refresh tokens that rotate on every use) and Graph calendar events with
// Teams links, answering with Graph's bodies and status codes.
package microsoftfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/convene/convene/connectors/microsoft"

	"github.com/convene/convene/connectors/fakekit"
)

// Microsoft is the fake. Its zero value is not usable; call New.
type Microsoft struct {
	ClientID, ClientSecret string

	mu              sync.Mutex
	codes           map[string]grant
	tokens          fakekit.Tokens
	events          map[string]*item
	byTx            map[string]string // transactionId → event id
	seq, epoch      int               // changes so far; delta tokens of an earlier epoch are gone
	PageSize        int               // delta's page size when the client asks none (Graph's is 10), and its largest
	deltas          int               // delta calls served
	fakekit.Trouble                   // failures, downtime, lost and slow answers for tests
	mux             *http.ServeMux
}

type grant struct{ redirect, challenge, account string }

// item is an event in a mailbox's calendar, or what is left of a deleted
// one for delta to report.
type item struct {
	account string // whose mailbox ("" for the app's admin)
	body    map[string]any
	deleted bool
	changed int // m.seq at its last change
}

// Endpoints are where a client finds the fake served at base.
func Endpoints(base string) microsoft.Endpoints {
	return microsoft.Endpoints{Login: base, Graph: base + "/v1.0"}
}

// New returns a fake tenant with one app registration.
func New(clientID, clientSecret string) *Microsoft {
	m := &Microsoft{ClientID: clientID, ClientSecret: clientSecret, codes: map[string]grant{},
		events: map[string]*item{}, byTx: map[string]string{}, PageSize: 1000}
	m.mux = http.NewServeMux()
	m.mux.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize", m.authorize)
	m.mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", m.token)
	m.mux.HandleFunc("GET /v1.0/me/calendar", m.authorized(m.calendar))
	m.mux.HandleFunc("POST /v1.0/me/events", m.authorized(m.create))
	m.mux.HandleFunc("GET /v1.0/me/events/{id}", m.authorized(m.get))
	m.mux.HandleFunc("GET /v1.0/me/events/{id}/instances", m.authorized(m.instances))
	m.mux.HandleFunc("PATCH /v1.0/me/events/{id}", m.authorized(m.update))
	m.mux.HandleFunc("DELETE /v1.0/me/events/{id}", m.authorized(m.remove))
	m.mux.HandleFunc("GET /v1.0/me/calendarView/delta", m.authorized(m.delta))
	return m
}

func (m *Microsoft) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.Trouble.Wait() // before the lock: a slow call holds up no other
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mux.ServeHTTP(w, r)
}

// authorize is the sign-in and consent page with the admin accepting.
func (m *Microsoft) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if q.Get("client_id") != m.ClientID || err != nil || q.Get("redirect_uri") == "" || q.Get("response_type") != "code" ||
		!strings.Contains(q.Get("scope"), "offline_access") || q.Get("code_challenge_method") != "S256" {
		http.Error(w, "AADSTS900144: The request body must contain the following parameter.", http.StatusBadRequest)
		return
	}
	code := "0.AX" + fakekit.Random()
	m.codes[code] = grant{redirect: redirect.String(), challenge: q.Get("code_challenge"), account: q.Get("login_hint")}
	redirect.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}, "session_state": {fakekit.Random()}}.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token redeems a code (checking PKCE) or a refresh token, which is spent:
// every answer brings a new one.
func (m *Microsoft) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	if f.Get("client_id") != m.ClientID || f.Get("client_secret") != m.ClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
		return
	}
	var account string
	switch f.Get("grant_type") {
	case "authorization_code":
		g, ok := m.codes[f.Get("code")]
		delete(m.codes, f.Get("code"))
		if !ok || g.redirect != f.Get("redirect_uri") || !fakekit.PKCE(f.Get("code_verifier"), g.challenge) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired or was already used.")
			return
		}
		account = g.account
	case "refresh_token":
		var ok bool
		if account, ok = m.tokens.Redeem(f.Get("refresh_token"), true); !ok {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "AADSTS700082: The refresh token has expired or was revoked.")
			return
		}
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
		return
	}
	at, rt := m.tokens.Access("eyJ0eXAi.", account, time.Hour), m.tokens.Refresh("0.AR", account)
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "scope": "Calendars.ReadWrite OnlineMeetings.ReadWrite User.Read",
		"expires_in": 3600, "ext_expires_in": 3600, "access_token": at, "refresh_token": rt})
}

func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": description, "error_codes": []int{70008}})
}

func (m *Microsoft) authorized(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !m.tokens.Valid(bearer(r)) {
			graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
			return
		}
		m.Serve(w, r, next, func(w http.ResponseWriter, status int) {
			w.Header().Set("Retry-After", "1")
			graphError(w, status, "serviceNotAvailable", "The service is temporarily unavailable.")
		})
	}
}

func graphError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": message,
		"innerError": map[string]string{"request-id": fakekit.Random(), "date": time.Now().UTC().Format(time.RFC3339)}}})
}

func (m *Microsoft) calendar(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"id": "AAMkAD" + fakekit.Random(), "name": "Calendar",
		"allowedOnlineMeetingProviders": []string{"teamsForBusiness"}, "defaultOnlineMeetingProvider": "teamsForBusiness"})
}

func (m *Microsoft) create(w http.ResponseWriter, r *http.Request) {
	ev, ok := decode(w, r)
	if !ok {
		return
	}
	if tx, _ := ev["transactionId"].(string); tx != "" && m.byTx[tx] != "" {
		writeJSON(w, http.StatusCreated, m.events[m.byTx[tx]].body) // a retried create: the first event
		return
	}
	if ev["start"] == nil || ev["end"] == nil || ev["subject"] == nil {
		graphError(w, http.StatusBadRequest, "ErrorInvalidRequest", "Your request can't be completed. The start and end are required.")
		return
	}
	id := "AAMkAGI2" + fakekit.Random()
	ev["id"], ev["iCalUId"], ev["changeKey"] = id, "040000008200E00074C5B7101A82E008"+fakekit.Random(), fakekit.Random()
	held(ev)
	if ev["isOnlineMeeting"] == true && ev["onlineMeetingProvider"] == "teamsForBusiness" {
		ev["onlineMeeting"] = map[string]any{"joinUrl": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" + fakekit.Random() + "%40thread.v2/0",
			"conferenceId": fmt.Sprint(time.Now().UnixNano() % 1e9)}
	}
	account, _ := m.tokens.Account(bearer(r))
	m.events[id] = &item{account: account, body: ev}
	m.touch(m.events[id])
	if tx, _ := ev["transactionId"].(string); tx != "" {
		m.byTx[tx] = id
	}
	writeJSON(w, http.StatusCreated, ev)
}

func (m *Microsoft) update(w http.ResponseWriter, r *http.Request) {
	it := m.lookup(r.PathValue("id"))
	if it == nil || it.deleted {
		graphError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
		return
	}
	change, ok := decode(w, r)
	if !ok {
		return
	}
	for k, v := range change {
		it.body[k] = v
	}
	held(it.body)
	m.touch(it)
	writeJSON(w, http.StatusOK, it.body)
}

func (m *Microsoft) remove(w http.ResponseWriter, r *http.Request) {
	it := m.lookup(r.PathValue("id"))
	if it == nil || it.deleted {
		graphError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
		return
	}
	it.deleted = true
	m.touch(it)
	w.WriteHeader(http.StatusNoContent)
}

// held is an event's body as Graph holds it: times in UTC, and the type
// its recurrence or series gives it.
func held(body map[string]any) {
	body["start"], body["end"] = inUTC(body["start"]), inUTC(body["end"])
	switch {
	case body["recurrence"] != nil:
		body["type"] = "seriesMaster"
	case body["type"] == nil:
		body["type"] = "singleInstance"
	}
}

// touch records a change of it: a new changeKey and modified time, and a
// place in the order delta follows.
func (m *Microsoft) touch(it *item) {
	m.seq++
	it.changed = m.seq
	it.body["changeKey"] = fakekit.Random()
	it.body["lastModifiedDateTime"] = time.Now().UTC().Format("2006-01-02T15:04:05.0000000Z")
}

func decode(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	var body map[string]any
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.NewDecoder(r.Body).Decode(&body) != nil {
		graphError(w, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
		return nil, false
	}
	return body, true
}

// Revoke withdraws every consent and token, as an admin removing the app.
func (m *Microsoft) Revoke() { m.tokens.Revoke() }

// Event is an event as Graph holds it, if it is there.
func (m *Microsoft) Event(id string) (map[string]any, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.events[id]
	if !ok || it.deleted {
		return nil, false
	}
	return fakekit.Copy(it.body), true
}

// Events counts the events held.
func (m *Microsoft) Events() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, it := range m.events {
		if !it.deleted {
			n++
		}
	}
	return n
}

func bearer(r *http.Request) string {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return token
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	fakekit.WriteJSON(w, status, "application/json; odata.metadata=minimal", v)
}
