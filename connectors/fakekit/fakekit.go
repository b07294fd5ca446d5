// Package fakekit holds what the fake providers share: the OAuth tokens
// they issue, the failures tests inject, and the shape of their answers.
package fakekit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Tokens are the access and refresh tokens a fake has issued, each for
// an account ("" for the app's own).
type Tokens struct {
	mu      sync.Mutex
	access  map[string]issued
	refresh map[string]string // → account
}

type issued struct {
	account string
	expiry  time.Time
}

// Access issues an access token to account that lives ttl.
func (t *Tokens) Access(prefix, account string, ttl time.Duration) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.access == nil {
		t.access = map[string]issued{}
	}
	token := prefix + Random()
	t.access[token] = issued{account, time.Now().Add(ttl)}
	return token
}

// Refresh issues a refresh token to account.
func (t *Tokens) Refresh(prefix, account string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.refresh == nil {
		t.refresh = map[string]string{}
	}
	token := prefix + Random()
	t.refresh[token] = account
	return token
}

// Valid reports whether an access token was issued and has not expired.
func (t *Tokens) Valid(access string) bool {
	_, ok := t.Account(access)
	return ok
}

// Account is whose a live access token is.
func (t *Tokens) Account(access string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	is, ok := t.access[access]
	return is.account, ok && time.Now().Before(is.expiry)
}

// Redeem reports whether a refresh token is good, and whose, spending it
// if spend.
func (t *Tokens) Redeem(refresh string, spend bool) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	account, ok := t.refresh[refresh]
	if spend {
		delete(t.refresh, refresh)
	}
	return account, ok
}

// ExpireAccess ends every access token early, as a provider may; refresh
// tokens stay good.
func (t *Tokens) ExpireAccess() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.access)
}

// Revoke withdraws every token, as an admin removing the app's access.
func (t *Tokens) Revoke() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.access)
	clear(t.refresh)
}

// Trouble is what tests make go wrong at a fake: statuses for the next
// calls, a while of being down, creates whose answers are lost after the
// work was done, and slow answers. A fake
// embeds it and passes its calls through Serve.
type Trouble struct {
	mu   sync.Mutex
	next []int
	down int // the status every call gets while down
	lose int // POSTs still to come whose answers are lost
	slow time.Duration
}

// FailNext answers the next calls with these statuses.
func (t *Trouble) FailNext(statuses ...int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.next = append(t.next, statuses...)
}

// GoDown answers every call with status until ComeBack.
func (t *Trouble) GoDown(status int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.down = status
}

// ComeBack ends GoDown.
func (t *Trouble) ComeBack() { t.GoDown(0) }

// LoseNextCreates does the next n POSTs' work but answers each with 504
// Gateway Timeout, as a proxy that gave up waiting: the caller does not
// know that what it asked for was made.
func (t *Trouble) LoseNextCreates(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lose = n
}

// Slow makes every answer wait d (see Wait).
func (t *Trouble) Slow(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.slow = d
}

// Wait holds a call as long as answers are slow. A fake calls it before
// it locks its state, so that one slow call does not hold up the others.
func (t *Trouble) Wait() {
	t.mu.Lock()
	slow := t.slow
	t.mu.Unlock()
	time.Sleep(slow)
}

// Serve gives a call the failure set for it: refuse answers the status it
// fails with; otherwise serve runs, its answer kept from the caller if
// that one is to be lost.
func (t *Trouble) Serve(w http.ResponseWriter, r *http.Request, serve http.HandlerFunc, refuse func(http.ResponseWriter, int)) {
	t.mu.Lock()
	status, lost := t.down, false
	switch {
	case status != 0:
	case len(t.next) > 0:
		status, t.next = t.next[0], t.next[1:]
	case t.lose > 0 && r.Method == http.MethodPost:
		t.lose--
		lost = true
	}
	t.mu.Unlock()
	switch {
	case status != 0:
		refuse(w, status)
	case lost:
		serve(httptest.NewRecorder(), r)
		refuse(w, http.StatusGatewayTimeout)
	default:
		serve(w, r)
	}
}

// PKCE reports whether verifier answers an S256 challenge.
func PKCE(verifier, challenge string) bool {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:]) == challenge
}

// WriteJSON answers with v.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Copy is a deep copy of a JSON object, for handing a fake's state out.
func Copy(v map[string]any) map[string]any {
	raw, _ := json.Marshal(v)
	var copied map[string]any
	_ = json.Unmarshal(raw, &copied)
	return copied
}

// Random is an unguessable token.
func Random() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
