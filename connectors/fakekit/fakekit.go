// Package fakekit holds what the fake providers share: the OAuth tokens
// they issue, the failures tests inject, and the shape of their answers.
package fakekit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Tokens are the access and refresh tokens a fake has issued.
type Tokens struct {
	mu      sync.Mutex
	access  map[string]time.Time // → expiry
	refresh map[string]bool
}

// Access issues an access token that lives ttl.
func (t *Tokens) Access(prefix string, ttl time.Duration) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.access == nil {
		t.access = map[string]time.Time{}
	}
	token := prefix + Random()
	t.access[token] = time.Now().Add(ttl)
	return token
}

// Refresh issues a refresh token.
func (t *Tokens) Refresh(prefix string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.refresh == nil {
		t.refresh = map[string]bool{}
	}
	token := prefix + Random()
	t.refresh[token] = true
	return token
}

// Valid reports whether an access token was issued and has not expired.
func (t *Tokens) Valid(access string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	exp, ok := t.access[access]
	return ok && time.Now().Before(exp)
}

// Redeem reports whether a refresh token is good, spending it if spend.
func (t *Tokens) Redeem(refresh string, spend bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	ok := t.refresh[refresh]
	if spend {
		delete(t.refresh, refresh)
	}
	return ok
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

// Failures are statuses to answer the next calls with.
type Failures struct {
	mu   sync.Mutex
	next []int
}

// Add queues statuses.
func (f *Failures) Add(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = append(f.next, statuses...)
}

// Next takes the next status, if any is queued.
func (f *Failures) Next() (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.next) == 0 {
		return 0, false
	}
	status := f.next[0]
	f.next = f.next[1:]
	return status, true
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
