package microsoftfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/convene/convene/connectors/fakekit"
	"github.com/convene/convene/connectors/microsoft"
	"github.com/convene/convene/internal/zone"
	"github.com/convene/convene/scheduling"
)

// graphTime is how Graph writes a wall time: seven fractional digits.
const graphTime = "2006-01-02T15:04:05.0000000"

// inUTC is a start or end as Graph answers it, in UTC.
func inUTC(v any) any {
	t, ok := v.(map[string]any)
	if !ok {
		return v
	}
	return map[string]any{"dateTime": wall(t).UTC().Format(graphTime), "timeZone": "UTC"}
}

// wall reads a start or end: a wall time in its zone.
func wall(v any) time.Time {
	t, _ := v.(map[string]any)
	s, _ := t["dateTime"].(string)
	tz, _ := t["timeZone"].(string)
	at, _ := time.ParseInLocation("2006-01-02T15:04:05.9999999", s, zone.OrUTC(tz))
	return at
}

// expansion is what a series master makes: its rule, and each
// occurrence's length.
type expansion struct {
	rule   *scheduling.Rule
	length time.Duration
}

// seriesOf reads a master's recurrence, or reports it has none.
func seriesOf(master *item) (expansion, bool) {
	raw, _ := json.Marshal(master.body["recurrence"])
	var r microsoft.Recurrence
	if master.body["recurrence"] == nil || json.Unmarshal(raw, &r) != nil {
		return expansion{}, false
	}
	loc := zone.OrUTC(r.Range.RecurrenceTimeZone)
	rule, err := r.Rule(loc)
	if err != nil {
		return expansion{}, false
	}
	start := wall(master.body["start"])
	parsed, err := scheduling.ParseRule(rule, start.In(loc), loc)
	if err != nil {
		return expansion{}, false
	}
	return expansion{parsed, wall(master.body["end"]).Sub(start)}, true
}

// occurrences are master's occurrences whose original start is in
// [from, to): its exceptions, deleted ones too, and the rest as the series
// makes them, not stored.
func (m *Microsoft) occurrences(master *item, from, to time.Time) []*item {
	x, ok := seriesOf(master)
	if !ok {
		return nil
	}
	var out []*item
	for _, at := range x.rule.Between(from, to) {
		id := fmt.Sprintf("%s_%s", master.body["id"], at.UTC().Format("20060102T1504"))
		if it := m.events[id]; it != nil {
			out = append(out, it)
			continue
		}
		body := fakekit.Copy(master.body)
		delete(body, "recurrence")
		body["id"], body["type"], body["seriesMasterId"] = id, "occurrence", master.body["id"]
		body["originalStart"] = at.UTC().Format(time.RFC3339)
		body["start"] = map[string]any{"dateTime": at.UTC().Format(graphTime), "timeZone": "UTC"}
		body["end"] = map[string]any{"dateTime": at.Add(x.length).UTC().Format(graphTime), "timeZone": "UTC"}
		out = append(out, &item{account: master.account, body: body, changed: master.changed})
	}
	return out
}

// find is the event with id, or the occurrence an occurrence id names
// (not stored), if there is one.
func (m *Microsoft) find(id string) *item {
	if it := m.events[id]; it != nil {
		return it
	}
	cut := strings.LastIndex(id, "_")
	if cut < 0 {
		return nil
	}
	master := m.events[id[:cut]]
	at, err := time.Parse("20060102T1504", id[cut+1:])
	if err != nil || master == nil || master.deleted {
		return nil
	}
	for _, o := range m.occurrences(master, at, at.Add(time.Minute)) {
		if o.body["id"] == id {
			return o
		}
	}
	return nil
}

// lookup is find, an occurrence made an exception of its series so that
// it can change alone.
func (m *Microsoft) lookup(id string) *item {
	it := m.find(id)
	if it != nil && m.events[id] == nil {
		it.body["type"] = "exception"
		m.events[id] = it
	}
	return it
}

// get is GET /me/events/{id}.
func (m *Microsoft) get(w http.ResponseWriter, r *http.Request) {
	it := m.find(r.PathValue("id"))
	if it == nil || it.deleted {
		graphError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
		return
	}
	writeJSON(w, http.StatusOK, it.body)
}

// instances is GET /me/events/{id}/instances: a series' occurrences and
// exceptions that start in the window, which is required.
func (m *Microsoft) instances(w http.ResponseWriter, r *http.Request) {
	master := m.events[r.PathValue("id")]
	if master == nil || master.deleted || master.body["recurrence"] == nil {
		graphError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
		return
	}
	from, errFrom := time.Parse(time.RFC3339, r.URL.Query().Get("startDateTime"))
	to, errTo := time.Parse(time.RFC3339, r.URL.Query().Get("endDateTime"))
	if errFrom != nil || errTo != nil {
		graphError(w, http.StatusBadRequest, "ErrorInvalidParameter", "The parameter 'startDateTime' or 'endDateTime' is missing or invalid.")
		return
	}
	value := []map[string]any{}
	// An exception may have moved: look a month round the window.
	for _, o := range m.occurrences(master, from.AddDate(0, -1, 0), to.AddDate(0, 1, 0)) {
		if at := wall(o.body["start"]); !o.deleted && !at.Before(from) && at.Before(to) {
			value = append(value, o.body)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": value})
}

// seriesChanges are a series' occurrences in a delta listing: on a full
// one the live ones; on a later one all of them when the series changed,
// else its exceptions that changed.
func (m *Microsoft) seriesChanges(master *item, since int, from, to time.Time) []*item {
	var out []*item
	for _, o := range m.occurrences(master, from, to) {
		switch {
		case since < 0 && (o.deleted || master.deleted):
		case since < 0, master.changed > since, o.changed > since:
			out = append(out, o)
		}
	}
	return out
}

// Agenda is what account's calendar shows from from to to (see
// fakekit.Agenda): single events, and each series' occurrences with its
// exceptions in place.
func (m *Microsoft) Agenda(account string, from, to time.Time) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var shown []*item
	for _, it := range m.events {
		switch {
		case it.account != account || it.deleted || it.body["seriesMasterId"] != nil:
		case it.body["recurrence"] == nil:
			shown = append(shown, it)
		default:
			shown = append(shown, m.seriesChanges(it, -1, from.AddDate(0, -1, 0), to.AddDate(0, 1, 0))...)
		}
	}
	bodies := make([]map[string]any, len(shown))
	for i, it := range shown {
		bodies[i] = it.body
	}
	return fakekit.Agenda(bodies, from, to, wall, "subject")
}

// Occurrence is the id of a series' occurrence whose original start is
// at, as an owner finds it in Outlook to change it alone; "" if none.
func (m *Microsoft) Occurrence(seriesID string, at time.Time) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.occurrences(m.events[seriesID], at, at.Add(time.Minute)) {
		return o.body["id"].(string)
	}
	return ""
}
