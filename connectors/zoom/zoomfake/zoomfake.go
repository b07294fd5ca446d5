// Package zoomfake is Zoom for tests: the S2S OAuth token endpoint and the
// meetings API, checking each request as Zoom does (auth header, required
// fields and their types) and answering with Zoom's bodies and status
// codes. Failures are injected with FailNext.
package zoomfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/convene/convene/connectors/zoom"
)

// Zoom is the fake. Its zero value is not usable; call New.
type Zoom struct {
	AccountID, ClientID, ClientSecret string

	mu       sync.Mutex
	tokens   map[string]time.Time // access token → expiry
	meetings map[int64]*meeting
	nextID   int64
	fail     []failure
	slow     time.Duration // every answer waits this long
	users    []User
	mux      *http.ServeMux
}

// User is a user of the fake account.
type User struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Type      int    `json:"type"`
	Status    string `json:"status"`
}

type meeting struct {
	ID        int64  `json:"id"`
	UUID      string `json:"uuid"`
	HostID    string `json:"host_id"`
	Topic     string `json:"topic"`
	Type      int    `json:"type"`
	Status    string `json:"status"`
	StartTime string `json:"start_time"`
	Duration  int    `json:"duration"`
	Timezone  string `json:"timezone"`
	CreatedAt string `json:"created_at"`
	Agenda    string `json:"agenda,omitempty"`
	JoinURL   string `json:"join_url"`
	StartURL  string `json:"start_url"`
	Password  string `json:"password"`

	Recurrence *recurrence `json:"recurrence,omitempty"`
}

type failure struct {
	status int
	body   string
}

// Endpoints are where a client finds the fake served at base.
func Endpoints(base string) zoom.Endpoints { return zoom.Endpoints{API: base + "/v2", OAuth: base} }

// New returns a fake Zoom account with one S2S app.
func New(accountID, clientID, clientSecret string) *Zoom {
	z := &Zoom{AccountID: accountID, ClientID: clientID, ClientSecret: clientSecret,
		tokens: map[string]time.Time{}, meetings: map[int64]*meeting{}, nextID: 85746065000}
	z.mux = http.NewServeMux()
	z.mux.HandleFunc("POST /oauth/token", z.token)
	z.mux.HandleFunc("GET /v2/users", z.authorized(z.listUsers))
	z.mux.HandleFunc("POST /v2/users/{user}/meetings", z.authorized(z.create))
	z.mux.HandleFunc("GET /v2/meetings/{id}", z.authorized(z.get))
	z.mux.HandleFunc("PATCH /v2/meetings/{id}", z.authorized(z.update))
	z.mux.HandleFunc("DELETE /v2/meetings/{id}", z.authorized(z.remove))
	return z
}

func (z *Zoom) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	z.mu.Lock()
	slow := z.slow
	z.mu.Unlock()
	time.Sleep(slow)
	z.mu.Lock()
	var f *failure
	if len(z.fail) > 0 {
		f, z.fail = &z.fail[0], z.fail[1:]
	}
	z.mu.Unlock()
	if f != nil {
		if f.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "2")
		}
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(f.body))
		return
	}
	z.mux.ServeHTTP(w, r)
}

// AddUser adds an active, licensed user to the account.
func (z *Zoom) AddUser(id, email, first, last string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.users = append(z.users, User{ID: id, Email: email, FirstName: first, LastName: last, Type: 2, Status: "active"})
}

// listUsers pages through the users with next_page_token, as Zoom does.
func (z *Zoom) listUsers(w http.ResponseWriter, r *http.Request) {
	size, err := strconv.Atoi(r.URL.Query().Get("page_size"))
	if r.URL.Query().Get("page_size") == "" {
		size, err = 30, nil
	}
	if err != nil || size < 1 || size > 300 {
		invalid(w, "page_size")
		return
	}
	from := 0
	if token := r.URL.Query().Get("next_page_token"); token != "" {
		if from, err = strconv.Atoi(strings.TrimPrefix(token, "page-")); err != nil || !strings.HasPrefix(token, "page-") {
			reply(w, http.StatusBadRequest, map[string]any{"code": 300, "message": "Invalid next_page_token."})
			return
		}
	}
	z.mu.Lock()
	users := z.users[min(from, len(z.users)):min(from+size, len(z.users))]
	total := len(z.users)
	z.mu.Unlock()
	next := ""
	if from+size < total {
		next = fmt.Sprintf("page-%d", from+size)
	}
	reply(w, http.StatusOK, map[string]any{"page_count": (total + size - 1) / size, "page_size": size,
		"total_records": total, "next_page_token": next, "users": users})
}

// Recurrence is a meeting's recurrence as Zoom holds it: its type, and
// the recurrence object as JSON ("" for none).
func (z *Zoom) Recurrence(id int64) (meetingType int, recurrence string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	m, ok := z.meetings[id]
	if !ok {
		return 0, ""
	}
	if m.Recurrence != nil {
		raw, _ := json.Marshal(m.Recurrence)
		recurrence = string(raw)
	}
	return m.Type, recurrence
}

// Slow makes every answer wait d, as a Zoom having a bad day.
func (z *Zoom) Slow(d time.Duration) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.slow = d
}

// FailNext answers the next request with status and body, whatever it is.
func (z *Zoom) FailNext(status int, body string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.fail = append(z.fail, failure{status, body})
}

// ExpireTokens makes every token issued so far invalid, as Zoom does when
// they run out.
func (z *Zoom) ExpireTokens() {
	z.mu.Lock()
	defer z.mu.Unlock()
	clear(z.tokens)
}

// Meetings counts the meetings that exist.
func (z *Zoom) Meetings() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return len(z.meetings)
}

// MeetingsHostedBy counts the meetings made for host (the user in the
// path they were created under).
func (z *Zoom) MeetingsHostedBy(host string) int {
	z.mu.Lock()
	defer z.mu.Unlock()
	n := 0
	for _, m := range z.meetings {
		if m.HostID == host {
			n++
		}
	}
	return n
}

// Meeting returns a meeting's topic and local start, if it exists.
func (z *Zoom) Meeting(id int64) (topic, start string, ok bool) {
	z.mu.Lock()
	defer z.mu.Unlock()
	m, ok := z.meetings[id]
	if !ok {
		return "", "", false
	}
	return m.Topic, m.StartTime, true
}

func (z *Zoom) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != z.ClientID || secret != z.ClientSecret {
		reply(w, http.StatusUnauthorized, map[string]any{"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
		return
	}
	if r.PostFormValue("grant_type") != "account_credentials" || r.PostFormValue("account_id") != z.AccountID {
		reply(w, http.StatusBadRequest, map[string]any{"reason": "Invalid request : Account id is invalid.", "error": "invalid_request"})
		return
	}
	token := randomHex(24)
	z.mu.Lock()
	z.tokens[token] = time.Now().Add(time.Hour)
	z.mu.Unlock()
	reply(w, http.StatusOK, map[string]any{"access_token": token, "token_type": "bearer", "expires_in": 3600,
		"scope": "meeting:write:meeting:admin meeting:read:meeting:admin user:read:list_users:admin"})
}

// authorized checks the bearer token as the API does.
func (z *Zoom) authorized(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		z.mu.Lock()
		expires, known := z.tokens[token]
		z.mu.Unlock()
		switch {
		case !ok || !known:
			reply(w, http.StatusUnauthorized, map[string]any{"code": 124, "message": "Invalid access token."})
		case time.Now().After(expires):
			reply(w, http.StatusUnauthorized, map[string]any{"code": 124, "message": "Access token is expired."})
		default:
			next(w, r)
		}
	}
}

var (
	utcStart   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	localStart = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`)
	password   = regexp.MustCompile(`^[a-zA-Z0-9@\-_*]{1,10}$`)
)

// request is a create or update body, typed loosely so wrong types are
// caught and named the way Zoom does.
type request struct {
	Topic     *string         `json:"topic"`
	Type      json.RawMessage `json:"type"`
	StartTime *string         `json:"start_time"`
	Duration  json.RawMessage `json:"duration"`
	Timezone  *string         `json:"timezone"`
	Password  *string         `json:"password"`
	Agenda    *string         `json:"agenda"`
	// Recurrence is checked for a type 8 meeting, as Zoom does.
	Recurrence *recurrence `json:"recurrence"`
}

type recurrence struct {
	Type           int             `json:"type"`
	RepeatInterval int             `json:"repeat_interval"`
	WeeklyDays     json.RawMessage `json:"weekly_days"` // a string, or a bare number as some clients send
	MonthlyDay     int             `json:"monthly_day"`
	MonthlyWeek    int             `json:"monthly_week"`
	MonthlyWeekDay int             `json:"monthly_week_day"`
	EndTimes       int             `json:"end_times"`
	EndDateTime    string          `json:"end_date_time"`
}

var weeklyDays = regexp.MustCompile(`^"?[1-7](,[1-7])*"?$`)

// valid applies Zoom's rules to a recurrence, returning the field at fault.
func (r *recurrence) valid() (string, bool) {
	limits := map[int]int{1: 90, 2: 12, 3: 3}
	switch {
	case limits[r.Type] == 0:
		return "recurrence.type", false
	case r.RepeatInterval < 0 || r.RepeatInterval > limits[r.Type]:
		return "recurrence.repeat_interval", false
	case r.Type == 2 && !weeklyDays.Match(r.WeeklyDays):
		return "recurrence.weekly_days", false
	case r.Type == 3 && (r.MonthlyDay < 0 || r.MonthlyDay > 31 || r.MonthlyDay == 0 && (r.MonthlyWeekDay < 1 || r.MonthlyWeekDay > 7)):
		return "recurrence.monthly_day", false
	case r.EndTimes > 0 && r.EndDateTime != "" || r.EndTimes > 50:
		return "recurrence.end_times", false
	case r.EndDateTime != "" && !utcStart.MatchString(r.EndDateTime):
		return "recurrence.end_date_time", false
	}
	return "", true
}

// check applies Zoom's rules to a body, returning the field at fault.
func (q request) check(creating bool) (string, bool) {
	if q.Type != nil {
		if t, err := strconv.Atoi(string(q.Type)); err != nil || (t != 1 && t != 2 && t != 3 && t != 8) {
			return "type", false
		}
	}
	if q.Duration != nil {
		if d, err := strconv.Atoi(string(q.Duration)); err != nil || d <= 0 {
			return "duration", false
		}
	}
	if q.StartTime != nil {
		local := localStart.MatchString(*q.StartTime)
		if !local && !utcStart.MatchString(*q.StartTime) || local && (q.Timezone == nil || *q.Timezone == "") {
			return "start_time", false
		}
	}
	if q.Timezone != nil {
		if _, err := time.LoadLocation(*q.Timezone); err != nil || *q.Timezone == "" {
			return "timezone", false
		}
	}
	if q.Password != nil && !password.MatchString(*q.Password) {
		return "password", false
	}
	if creating && (q.StartTime == nil || q.Duration == nil) {
		return "start_time", false
	}
	if string(q.Type) == "8" {
		if q.Recurrence == nil {
			return "recurrence", false
		}
		return q.Recurrence.valid()
	}
	return "", true
}

func (z *Zoom) create(w http.ResponseWriter, r *http.Request) {
	var q request
	if json.NewDecoder(r.Body).Decode(&q) != nil {
		reply(w, http.StatusBadRequest, map[string]any{"code": 300, "message": "Request Body should be a valid JSON object."})
		return
	}
	if field, ok := q.check(true); !ok {
		invalid(w, field)
		return
	}
	z.mu.Lock()
	z.nextID++
	m := &meeting{ID: z.nextID, UUID: randomHex(11) + "==", HostID: r.PathValue("user"), Type: 2, Status: "waiting",
		CreatedAt: time.Now().UTC().Format(time.RFC3339)}
	z.meetings[m.ID] = m
	apply(m, q)
	m.JoinURL = fmt.Sprintf("https://zoom.us/j/%d?pwd=%s", m.ID, randomHex(16))
	m.StartURL = fmt.Sprintf("https://zoom.us/s/%d?zak=%s", m.ID, randomHex(32))
	out := *m
	z.mu.Unlock()
	reply(w, http.StatusCreated, out)
}

func apply(m *meeting, q request) {
	if q.Topic != nil {
		m.Topic = *q.Topic
	}
	if q.Type != nil {
		m.Type, _ = strconv.Atoi(string(q.Type))
	}
	if q.StartTime != nil {
		m.StartTime = *q.StartTime
	}
	if q.Duration != nil {
		m.Duration, _ = strconv.Atoi(string(q.Duration))
	}
	if q.Timezone != nil {
		m.Timezone = *q.Timezone
	}
	if q.Agenda != nil {
		m.Agenda = *q.Agenda
	}
	if q.Recurrence != nil {
		m.Recurrence = q.Recurrence
	}
	if m.Type != 8 { // only a recurring meeting with a fixed time keeps a rule
		m.Recurrence = nil
	}
	if q.Password != nil {
		m.Password = *q.Password
	}
}

// found runs f on the meeting named by the path, or answers 404.
func (z *Zoom) found(w http.ResponseWriter, r *http.Request, f func(*meeting)) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	z.mu.Lock()
	defer z.mu.Unlock()
	m, ok := z.meetings[id]
	if err != nil || !ok {
		reply(w, http.StatusNotFound, map[string]any{"code": 3001, "message": fmt.Sprintf("Meeting does not exist: %s.", r.PathValue("id"))})
		return
	}
	f(m)
}

func (z *Zoom) get(w http.ResponseWriter, r *http.Request) {
	z.found(w, r, func(m *meeting) { reply(w, http.StatusOK, *m) })
}

func (z *Zoom) update(w http.ResponseWriter, r *http.Request) {
	var q request
	if json.NewDecoder(r.Body).Decode(&q) != nil {
		reply(w, http.StatusBadRequest, map[string]any{"code": 300, "message": "Request Body should be a valid JSON object."})
		return
	}
	if field, ok := q.check(false); !ok {
		invalid(w, field)
		return
	}
	z.found(w, r, func(m *meeting) {
		apply(m, q) // a change keeps the meeting's links
		w.WriteHeader(http.StatusNoContent)
	})
}

func (z *Zoom) remove(w http.ResponseWriter, r *http.Request) {
	z.found(w, r, func(m *meeting) {
		delete(z.meetings, m.ID)
		w.WriteHeader(http.StatusNoContent)
	})
}

func invalid(w http.ResponseWriter, field string) {
	reply(w, http.StatusBadRequest, map[string]any{"code": 300, "message": "Validation Failed.",
		"errors": []map[string]string{{"field": field, "message": "Invalid field."}}})
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
