package microsoftfake

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/convene/convene/connectors/fakekit"
)

// Graph keeps a delta query's state, window included, in its skip and
// delta tokens; the fake keeps the window in the request that started it
// and names the rest in the token.
const (
	skipPrefix  = "MSkip"
	deltaPrefix = "MDelta"
)

// delta is GET /me/calendarView/delta: the events in the window, or with
// $deltatoken the changes since (removed ones as "@removed"), a page at a
// time by Prefer: odata.maxpagesize. Only the last page has a deltaLink.
func (m *Microsoft) delta(w http.ResponseWriter, r *http.Request) {
	m.deltas++
	q := r.URL.Query()
	l, ok := m.deltaListing(w, q)
	if !ok {
		return
	}
	from, errFrom := time.Parse(time.RFC3339, q.Get("startDateTime"))
	to, errTo := time.Parse(time.RFC3339, q.Get("endDateTime"))
	if l.Since < 0 && (errFrom != nil || errTo != nil) {
		graphError(w, http.StatusBadRequest, "ErrorInvalidParameter", "The parameter 'startDateTime' or 'endDateTime' is missing or invalid.")
		return
	}
	account, _ := m.tokens.Account(bearer(r))
	items := m.deltaItems(account, l, from, to)
	size := 10
	if n, err := strconv.Atoi(strings.TrimPrefix(r.Header.Get("Prefer"), "odata.maxpagesize=")); err == nil && n > 0 {
		size = n
	}
	size = min(size, m.PageSize)
	page := items[min(l.Offset, len(items)):min(l.Offset+size, len(items))]
	link := "http://" + r.Host + "/v1.0/me/calendarView/delta?"
	window := "startDateTime=" + q.Get("startDateTime") + "&endDateTime=" + q.Get("endDateTime") + "&"
	answer := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(event)", "value": page}
	if l.Offset+size < len(items) {
		l.Offset += size
		answer["@odata.nextLink"] = link + window + "$skiptoken=" + l.Token(skipPrefix)
	} else {
		answer["@odata.deltaLink"] = link + window + "$deltatoken=" + fakekit.Listing{Epoch: m.epoch, At: l.At, Since: l.At}.Token(deltaPrefix)
	}
	writeJSON(w, http.StatusOK, answer)
}

// deltaListing reads the tokens of a delta query, or answers why they are
// no good: a token of an earlier epoch is 410 syncStateNotFound.
func (m *Microsoft) deltaListing(w http.ResponseWriter, q map[string][]string) (fakekit.Listing, bool) {
	l := fakekit.Listing{Epoch: m.epoch, At: m.seq, Since: -1}
	var ok bool
	switch skip, token := first(q["$skiptoken"]), first(q["$deltatoken"]); {
	case skip != "":
		l, ok = fakekit.ParseListing(skipPrefix, skip)
	case token != "":
		l, ok = fakekit.ParseListing(deltaPrefix, token)
		l.At = m.seq
	default:
		ok = true
	}
	if !ok {
		graphError(w, http.StatusBadRequest, "BadRequest", "The delta token is malformed.")
		return l, false
	}
	if l.Epoch != m.epoch {
		graphError(w, http.StatusGone, "syncStateNotFound", "The sync state generation is not found: a full sync is required.")
		return l, false
	}
	return l, true
}

func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

// deltaItems are the events of a delta query in the order they changed: a
// full one lists the live events starting in the window; a later one every
// change, removals as "@removed".
func (m *Microsoft) deltaItems(account string, l fakekit.Listing, from, to time.Time) []map[string]any {
	var picked []*item
	for _, it := range m.events {
		switch {
		case it.account != account || it.changed > l.At || it.body["seriesMasterId"] != nil: // exceptions come with their series
		case it.body["recurrence"] != nil: // a calendar view shows a series' occurrences, not the series
			picked = append(picked, m.seriesChanges(it, l.Since, from, to)...)
		case l.Since < 0 && !it.deleted && startsWithin(it.body, from, to), l.Since >= 0 && it.changed > l.Since:
			picked = append(picked, it)
		}
	}
	slices.SortFunc(picked, func(a, b *item) int { return a.changed - b.changed })
	out := make([]map[string]any, len(picked))
	for i, it := range picked {
		if it.deleted || it.body["seriesMasterId"] != nil && m.events[it.body["seriesMasterId"].(string)].deleted {
			out[i] = map[string]any{"@odata.type": "#microsoft.graph.event", "id": it.body["id"], "@removed": map[string]string{"reason": "deleted"}}
			continue
		}
		out[i] = fakekit.Copy(it.body)
	}
	return out
}

// startsWithin reads an event's start, written in UTC as Graph writes it.
func startsWithin(body map[string]any, from, to time.Time) bool {
	start, _ := body["start"].(map[string]any)
	at, err := time.Parse("2006-01-02T15:04:05.0000000", start["dateTime"].(string))
	return err == nil && !at.Before(from) && at.Before(to)
}

// Put makes an event in account's calendar, as its owner does in Outlook,
// and returns its id.
func (m *Microsoft) Put(account string, body map[string]any) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := "AAMkAGI2" + fakekit.Random()
	it := &item{account: account, body: fakekit.Copy(body)}
	it.body["id"] = id
	held(it.body)
	if it.body["iCalUId"] == nil {
		it.body["iCalUId"] = "040000008200E00074C5B7101A82E008" + fakekit.Random()
	}
	m.events[id] = it
	m.touch(it)
	return id
}

// Edit changes fields of an event, as its owner does in Outlook.
func (m *Microsoft) Edit(id string, fields map[string]any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it := m.lookup(id)
	for k, v := range fields {
		it.body[k] = v
	}
	held(it.body)
	m.touch(it)
}

// Delete deletes an event, as its owner does in Outlook.
func (m *Microsoft) Delete(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it := m.lookup(id)
	it.deleted = true
	m.touch(it)
}

// Deltas is how many delta calls were served.
func (m *Microsoft) Deltas() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.deltas
}

// ExpireDeltaTokens makes every skip and delta token given so far gone.
func (m *Microsoft) ExpireDeltaTokens() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.epoch++
}

// Of are the live events in account's calendar.
func (m *Microsoft) Of(account string) []map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []map[string]any
	for _, it := range m.events {
		if it.account == account && !it.deleted {
			out = append(out, fakekit.Copy(it.body))
		}
	}
	return out
}
