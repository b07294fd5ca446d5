// Package trueconffake is a TrueConf Server for tests and the demo: the
// client_credentials token endpoint (JSON or form bodies) and API v3
// conferences with the token as access_token, answering with the
// server's bodies and errors.
package trueconffake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/convene/convene/connectors/fakekit"
)

// TrueConf is the fake. Its zero value is not usable; call New.
type TrueConf struct {
	ClientID, ClientSecret string
	URL                    string // where it is served, for the links it gives

	mu              sync.Mutex
	tokens          fakekit.Tokens
	conferences     map[string]map[string]any
	fakekit.Trouble // failures, downtime, lost and slow answers for tests
	mux             *http.ServeMux
}

// New returns a server with one OAuth client.
func New(clientID, clientSecret string) *TrueConf {
	f := &TrueConf{ClientID: clientID, ClientSecret: clientSecret, conferences: map[string]map[string]any{}}
	f.mux = http.NewServeMux()
	f.mux.HandleFunc("POST /oauth2/v1/token", f.token)
	f.mux.HandleFunc("POST /api/v3.3/conferences", f.authorized(f.create))
	f.mux.HandleFunc("GET /api/v3.3/conferences/{id}", f.authorized(f.get))
	f.mux.HandleFunc("PUT /api/v3.3/conferences/{id}", f.authorized(f.update))
	f.mux.HandleFunc("DELETE /api/v3.3/conferences/{id}", f.authorized(f.remove))
	return f
}

func (f *TrueConf) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.Trouble.Wait() // before the lock: a slow call holds up no other
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mux.ServeHTTP(w, r)
}

func (f *TrueConf) token(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		_ = json.NewDecoder(r.Body).Decode(&form)
	} else {
		_ = r.ParseForm()
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
	}
	if form["grant_type"] != "client_credentials" || form["client_id"] != f.ClientID || form["client_secret"] != f.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "reason": "InvalidCredentials"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": f.tokens.Access("", "", 604800*time.Second), "expires_in": 604800,
		"token_type": "Bearer", "scope": "conferences conferences:read conferences:write users users:read"})
}

func (f *TrueConf) authorized(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !f.tokens.Valid(r.URL.Query().Get("access_token")) {
			apiError(w, http.StatusUnauthorized, "accessTokenInvalid", "Access token is invalid or expired.", "access_token")
			return
		}
		f.Serve(w, r, next, func(w http.ResponseWriter, status int) {
			apiError(w, status, "internalError", "Internal Server Error", "")
		})
	}
}

func apiError(w http.ResponseWriter, status int, reason, message, location string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "message": http.StatusText(status),
		"errors": []map[string]string{{"reason": reason, "message": message, "locationType": "path", "location": location}}}})
}

var conferenceID = regexp.MustCompile(`^[0-9A-Za-z_]{1,128}$`)

func (f *TrueConf) create(w http.ResponseWriter, r *http.Request) {
	var c map[string]any
	if json.NewDecoder(r.Body).Decode(&c) != nil {
		apiError(w, http.StatusBadRequest, "invalidRequest", "Request body is not valid JSON.", "")
		return
	}
	id, _ := c["id"].(string)
	topic, _ := c["topic"].(string)
	switch {
	case id == "":
		id = fmt.Sprint(time.Now().UnixNano() % 1e10)
	case !conferenceID.MatchString(id):
		apiError(w, http.StatusBadRequest, "invalidParameter", "Conference ID may contain digits, Latin letters and _.", "id")
		return
	case f.conferences[id] != nil:
		apiError(w, http.StatusBadRequest, "conferenceAlreadyExists", fmt.Sprintf("Conference '%s' already exists.", id), "id")
		return
	}
	if topic == "" || len(topic) > 240 {
		apiError(w, http.StatusBadRequest, "invalidParameter", "Topic must be 1 to 240 characters.", "topic")
		return
	}
	c["id"], c["url"], c["webclient_url"], c["state"] = id, f.URL+"/c/"+id, f.URL+"/webrtc/"+id, "stopped"
	c["created_at"] = time.Now().Unix()
	f.conferences[id] = c
	writeJSON(w, http.StatusOK, map[string]any{"conference": c})
}

func (f *TrueConf) get(w http.ResponseWriter, r *http.Request) {
	if c, ok := f.found(w, r); ok {
		writeJSON(w, http.StatusOK, map[string]any{"conference": c})
	}
}

func (f *TrueConf) update(w http.ResponseWriter, r *http.Request) {
	c, ok := f.found(w, r)
	if !ok {
		return
	}
	var change map[string]any
	if json.NewDecoder(r.Body).Decode(&change) != nil {
		apiError(w, http.StatusBadRequest, "invalidRequest", "Request body is not valid JSON.", "")
		return
	}
	for k, v := range change {
		if k != "id" {
			c[k] = v
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"conference": c})
}

func (f *TrueConf) remove(w http.ResponseWriter, r *http.Request) {
	if _, ok := f.found(w, r); ok {
		delete(f.conferences, r.PathValue("id"))
		writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
	}
}

func (f *TrueConf) found(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	c := f.conferences[r.PathValue("id")]
	if c == nil {
		apiError(w, http.StatusNotFound, "conferenceNotFound", fmt.Sprintf("Conference '%s' is not found.", r.PathValue("id")), "conference_id")
	}
	return c, c != nil
}

// Conference is a conference as the server holds it, if it is there.
func (f *TrueConf) Conference(id string) (map[string]any, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.conferences[id]
	if !ok {
		return nil, false
	}
	return fakekit.Copy(c), true
}

// Conferences counts the conferences held.
func (f *TrueConf) Conferences() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.conferences)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	fakekit.WriteJSON(w, status, "application/json", v)
}
