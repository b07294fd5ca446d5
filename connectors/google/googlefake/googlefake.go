// Package googlefake is Google for tests and the demo: the OAuth consent
// and token endpoints (authorization code with PKCE, refresh, revocation)
// and Calendar API v3 events with asynchronous Meet links. It checks each
// request as Google does and answers with Google's bodies and status codes.
package googlefake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/convene/convene/connectors/google"

	"github.com/convene/convene/connectors/fakekit"
)

// Google is the fake. Its zero value is not usable; call New.
type Google struct {
	ClientID, ClientSecret string
	// PendingReads is how many reads of a new event still show its Meet
	// link pending, as Google makes it asynchronously.
	PendingReads int
	// PageSize is events.list's default maxResults (Google's is 250).
	PageSize int

	mu              sync.Mutex
	codes           map[string]grant // authorization code → what it grants
	tokens          fakekit.Tokens
	events          map[string]*event
	seq             int // counts changes; an event keeps the count of its last
	epoch           int // sync tokens of an earlier epoch are expired
	lists           int // events.list calls
	fakekit.Trouble     // failures, downtime, lost and slow answers for tests
	mux             *http.ServeMux
}

type grant struct{ redirect, challenge, account string }

type event struct {
	account      string // whose calendar holds it ("" for the app's admin)
	body         map[string]any
	pendingReads int
	deleted      bool
	changed      int // g.seq at its last change
}

// Endpoints are where a client finds the fake served at base.
func Endpoints(base string) google.Endpoints {
	return google.Endpoints{Auth: base + "/o/oauth2/auth", Token: base + "/token", Calendar: base + "/calendar/v3"}
}

// New returns a fake Google with one OAuth client.
func New(clientID, clientSecret string) *Google {
	g := &Google{ClientID: clientID, ClientSecret: clientSecret, PageSize: 250, codes: map[string]grant{}, events: map[string]*event{}}
	g.mux = http.NewServeMux()
	g.mux.HandleFunc("GET /o/oauth2/auth", g.consent)
	g.mux.HandleFunc("POST /token", g.token)
	g.mux.HandleFunc("GET /calendar/v3/calendars/primary", g.authorized(g.primary))
	g.mux.HandleFunc("POST /calendar/v3/calendars/primary/events", g.authorized(g.insert))
	g.mux.HandleFunc("GET /calendar/v3/calendars/primary/events", g.authorized(g.list))
	g.mux.HandleFunc("GET /calendar/v3/calendars/primary/events/{id}", g.authorized(g.get))
	g.mux.HandleFunc("GET /calendar/v3/calendars/primary/events/{id}/instances", g.authorized(g.instances))
	g.mux.HandleFunc("PATCH /calendar/v3/calendars/primary/events/{id}", g.authorized(g.patch))
	g.mux.HandleFunc("DELETE /calendar/v3/calendars/primary/events/{id}", g.authorized(g.remove))
	return g
}

func (g *Google) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.Trouble.Wait() // before the lock: a slow call holds up no other
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mux.ServeHTTP(w, r)
}

// consent is the consent page with the admin already clicking Allow: it
// sends the browser back to the redirect URI with a code, or with
// error=access_denied when asked to (deny=1, the test's "Cancel").
func (g *Google) consent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("client_id") != g.ClientID:
		http.Error(w, "Error 401: invalid_client. The OAuth client was not found.", http.StatusUnauthorized)
		return
	case err != nil || q.Get("redirect_uri") == "":
		http.Error(w, "Error 400: redirect_uri_mismatch", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code" || q.Get("scope") == "" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		http.Error(w, "Error 400: invalid_request", http.StatusBadRequest)
		return
	}
	back := url.Values{"state": {q.Get("state")}}
	if q.Get("deny") == "1" {
		back.Set("error", "access_denied")
	} else {
		code := "4/0A" + fakekit.Random()
		g.codes[code] = grant{redirect: redirect.String(), challenge: q.Get("code_challenge"), account: q.Get("login_hint")}
		back.Set("code", code)
		back.Set("scope", q.Get("scope"))
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token exchanges a code (checking PKCE) or a refresh token.
func (g *Google) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if r.PostForm.Get("client_id") != g.ClientID || r.PostForm.Get("client_secret") != g.ClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	}
	answer := map[string]any{"expires_in": 3599, "token_type": "Bearer", "scope": "https://www.googleapis.com/auth/calendar"}
	var account string
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		gr, ok := g.codes[r.PostForm.Get("code")]
		delete(g.codes, r.PostForm.Get("code")) // a code is good once
		if !ok || gr.redirect != r.PostForm.Get("redirect_uri") || !fakekit.PKCE(r.PostForm.Get("code_verifier"), gr.challenge) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Bad Request")
			return
		}
		account = gr.account
		answer["refresh_token"] = g.tokens.Refresh("1//0g", account)
	case "refresh_token": // Google's refresh tokens stay; none comes back
		var ok bool
		if account, ok = g.tokens.Redeem(r.PostForm.Get("refresh_token"), false); !ok {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
			return
		}
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+r.PostForm.Get("grant_type"))
		return
	}
	answer["access_token"] = g.tokens.Access("ya29.", account, 3599*time.Second)
	writeJSON(w, http.StatusOK, answer)
}

func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// authorized checks the bearer token and serves an injected failure first.
func (g *Google) authorized(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !g.tokens.Valid(bearer(r)) {
			apiError(w, http.StatusUnauthorized, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
			return
		}
		g.Serve(w, r, next, func(w http.ResponseWriter, status int) {
			if status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "1")
				apiError(w, status, "rateLimitExceeded", "Rate Limit Exceeded")
				return
			}
			apiError(w, status, "backendError", "Backend Error")
		})
	}
}

func bearer(r *http.Request) string {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return token
}

func apiError(w http.ResponseWriter, status int, reason, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "message": message,
		"errors": []map[string]string{{"domain": "global", "reason": reason, "message": message}}}})
}

func (g *Google) primary(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"kind": "calendar#calendar", "id": "admin@example.com", "summary": "admin@example.com", "timeZone": "UTC"})
}

// eventID is Google's rule for ids a client picks: base32hex, 5 to 1024.
var eventID = regexp.MustCompile(`^[a-v0-9]+$`)

func (g *Google) insert(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeEvent(w, r)
	if !ok {
		return
	}
	start, _ := body["start"].(map[string]any)
	end, _ := body["end"].(map[string]any)
	if start == nil || end == nil || (start["dateTime"] == nil && start["date"] == nil) {
		apiError(w, http.StatusBadRequest, "required", "Missing end time.")
		return
	}
	id, _ := body["id"].(string)
	switch {
	case id == "":
		id = strings.ToLower(hex.EncodeToString([]byte(fakekit.Random()))[:26])
	case !eventID.MatchString(id) || len(id) < 5 || len(id) > 1024:
		apiError(w, http.StatusBadRequest, "invalid", "Invalid resource id value.")
		return
	case g.events[id] != nil:
		apiError(w, http.StatusConflict, "duplicate", "The requested identifier already exists.")
		return
	}
	body["id"], body["status"], body["kind"] = id, "confirmed", "calendar#event"
	body["iCalUID"] = id + "@google.com"
	body["htmlLink"] = "https://www.google.com/calendar/event?eid=" + id
	account, _ := g.tokens.Account(bearer(r))
	e := &event{account: account, body: body, pendingReads: g.PendingReads}
	if r.URL.Query().Get("conferenceDataVersion") != "1" {
		delete(body, "conferenceData") // version 0 ignores conference data
	}
	g.events[id] = e
	g.touch(e)
	writeJSON(w, http.StatusOK, g.view(e))
}

// view is the event as Google shows it now: its Meet link pending until
// PendingReads reads have passed, then made.
func (g *Google) view(e *event) map[string]any {
	cd, _ := e.body["conferenceData"].(map[string]any)
	if cd == nil {
		return e.body
	}
	req, _ := cd["createRequest"].(map[string]any)
	if e.pendingReads > 0 {
		req["status"] = map[string]string{"statusCode": "pending"}
		e.pendingReads--
		return e.body
	}
	if _, made := cd["conferenceId"]; !made {
		code := fmt.Sprintf("%s-%s-%s", letters(3), letters(4), letters(3))
		link := "https://meet.google.com/" + code
		req["status"] = map[string]string{"statusCode": "success"}
		cd["conferenceId"] = code
		cd["entryPoints"] = []map[string]string{{"entryPointType": "video", "uri": link, "label": "meet.google.com/" + code, "meetingCode": code}}
		cd["conferenceSolution"] = map[string]any{"key": map[string]string{"type": "hangoutsMeet"}, "name": "Google Meet"}
		e.body["hangoutLink"] = link
	}
	return e.body
}

func (g *Google) get(w http.ResponseWriter, r *http.Request) {
	e := g.events[r.PathValue("id")]
	if e == nil {
		apiError(w, http.StatusNotFound, "notFound", "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, g.view(e))
}

func (g *Google) patch(w http.ResponseWriter, r *http.Request) {
	e := g.lookup(r.PathValue("id"))
	if e == nil || e.deleted {
		apiError(w, http.StatusNotFound, "notFound", "Not Found")
		return
	}
	body, ok := decodeEvent(w, r)
	if !ok {
		return
	}
	for k, v := range body {
		if k != "id" && k != "conferenceData" {
			e.body[k] = v
		}
	}
	g.touch(e)
	writeJSON(w, http.StatusOK, g.view(e))
}

func (g *Google) remove(w http.ResponseWriter, r *http.Request) {
	e := g.lookup(r.PathValue("id"))
	switch {
	case e == nil:
		apiError(w, http.StatusNotFound, "notFound", "Not Found")
	case e.deleted:
		apiError(w, http.StatusGone, "deleted", "Resource has been deleted")
	default:
		g.cancel(e)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (g *Google) cancel(e *event) {
	e.deleted = true
	e.body["status"] = "cancelled"
	g.touch(e)
}

// touch records a change of e: a new etag and updated time, and a place
// in the order sync tokens follow.
func (g *Google) touch(e *event) {
	g.seq++
	e.changed = g.seq
	e.body["etag"] = fmt.Sprintf(`"%d"`, 3181161784712000+g.seq)
	e.body["updated"] = time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
}

func decodeEvent(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	var body map[string]any
	if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil {
		apiError(w, http.StatusBadRequest, "parseError", "Parse Error")
		return nil, false
	}
	return body, true
}

// ExpireAccessTokens ends the access tokens issued so far before their time.
func (g *Google) ExpireAccessTokens() { g.tokens.ExpireAccess() }

// Revoke withdraws every consent, as an admin removing the app's access.
func (g *Google) Revoke() { g.tokens.Revoke() }

// Event is the event with id as Google holds it now, and whether it is
// there and not deleted.
func (g *Google) Event(id string) (map[string]any, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.events[id]
	if e == nil {
		return nil, false
	}
	return fakekit.Copy(e.body), !e.deleted
}

// Live counts the events not deleted.
func (g *Google) Live() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, e := range g.events {
		if !e.deleted {
			n++
		}
	}
	return n
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	fakekit.WriteJSON(w, status, "application/json; charset=UTF-8", v)
}

func letters(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return string(b)
}
