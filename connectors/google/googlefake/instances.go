package googlefake

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/convene/convene/connectors/fakekit"
	"github.com/convene/convene/internal/zone"
	"github.com/convene/convene/scheduling"
)

// maxInstances is how many occurrences one instances call lists at most.
const maxInstances = 250

// instances is events.instances: the occurrences of a series, as events
// of their own with recurringEventId and originalStartTime; originalStart
// picks one, timeMin and timeMax a span.
func (g *Google) instances(w http.ResponseWriter, r *http.Request) {
	master := g.events[r.PathValue("id")]
	if master == nil || master.deleted || master.body["recurrence"] == nil {
		apiError(w, http.StatusNotFound, "notFound", "Not Found")
		return
	}
	q := r.URL.Query()
	from, to := seriesStart(master.body), seriesStart(master.body).AddDate(1, 0, 0)
	if at, err := time.Parse(time.RFC3339, q.Get("originalStart")); err == nil {
		from, to = at, at.Add(time.Second)
	}
	if t, err := time.Parse(time.RFC3339, q.Get("timeMin")); err == nil {
		from = t
	}
	if t, err := time.Parse(time.RFC3339, q.Get("timeMax")); err == nil {
		to = t
	}
	items := []map[string]any{}
	for _, at := range occurrences(master.body, from, to) {
		e := g.instance(master, at)
		if (!e.deleted || q.Get("showDeleted") == "true") && len(items) < maxInstances {
			items = append(items, fakekit.Copy(e.body))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"kind": "calendar#events", "items": items})
}

// instance is the occurrence of master at at: its exception if it has
// one, else the occurrence as the series makes it, not stored.
func (g *Google) instance(master *event, at time.Time) *event {
	id := master.body["id"].(string) + "_" + at.UTC().Format("20060102T150405Z")
	if e := g.events[id]; e != nil {
		return e
	}
	body := fakekit.Copy(master.body)
	delete(body, "recurrence")
	start, _ := body["start"].(map[string]any)
	tz, _ := start["timeZone"].(string)
	loc := zone.OrUTC(tz)
	length := timeOf(master.body["end"]).Sub(timeOf(master.body["start"]))
	body["id"], body["recurringEventId"] = id, master.body["id"]
	body["originalStartTime"] = map[string]any{"dateTime": at.In(loc).Format(time.RFC3339), "timeZone": tz}
	body["start"] = map[string]any{"dateTime": at.In(loc).Format(time.RFC3339), "timeZone": tz}
	body["end"] = map[string]any{"dateTime": at.Add(length).In(loc).Format(time.RFC3339), "timeZone": tz}
	return &event{account: master.account, body: body}
}

// lookup is the event with id, or the occurrence an instance id names,
// made an exception of its series so that it can be changed alone.
func (g *Google) lookup(id string) *event {
	if e := g.events[id]; e != nil {
		return e
	}
	seriesID, stamp, ok := strings.Cut(id, "_")
	master := g.events[seriesID]
	at, err := time.Parse("20060102T150405Z", stamp)
	if !ok || err != nil || master == nil || master.deleted || len(occurrences(master.body, at, at.Add(time.Second))) == 0 {
		return nil
	}
	e := g.instance(master, at)
	g.events[id] = e
	return e
}

// occurrences are the starts of a series' occurrences in [from, to), its
// EXDATEs left out.
func occurrences(body map[string]any, from, to time.Time) []time.Time {
	start := seriesStart(body)
	tz, _ := body["start"].(map[string]any)["timeZone"].(string)
	loc := zone.OrUTC(tz)
	var rule string
	var out, exdates []time.Time
	lines, _ := body["recurrence"].([]any)
	for _, l := range lines {
		line, _ := l.(string)
		if r, ok := strings.CutPrefix(line, "RRULE:"); ok {
			rule = r
		}
		if params, value, ok := strings.Cut(strings.TrimPrefix(line, "EXDATE"), ":"); ok && strings.HasPrefix(line, "EXDATE") {
			x, err := time.ParseInLocation("20060102T150405", value, zone.OrUTC(strings.TrimPrefix(params, ";TZID=")))
			if err == nil {
				exdates = append(exdates, x)
			}
		}
	}
	parsed, err := scheduling.ParseRule(rule, start, loc)
	if err != nil {
		return nil
	}
	for _, at := range parsed.Between(from, to) {
		if !slices.ContainsFunc(exdates, at.Equal) {
			out = append(out, at)
		}
	}
	return out
}

func seriesStart(body map[string]any) time.Time { return timeOf(body["start"]) }

// timeOf reads a start or end: a dateTime, or an all-day date.
func timeOf(v any) time.Time {
	m, _ := v.(map[string]any)
	if d, ok := m["date"].(string); ok {
		t, _ := time.Parse(time.DateOnly, d)
		return t
	}
	s, _ := m["dateTime"].(string)
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// Agenda is what account's calendar shows from from to to (see
// fakekit.Agenda): single events, and each series' occurrences with its
// exceptions in place.
func (g *Google) Agenda(account string, from, to time.Time) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var shown []*event
	for _, e := range g.events {
		switch {
		case e.account != account || e.deleted || e.body["recurringEventId"] != nil:
		case e.body["recurrence"] == nil:
			shown = append(shown, e)
		default:
			for _, at := range occurrences(e.body, from.AddDate(0, 0, -7), to.AddDate(0, 0, 7)) {
				if o := g.instance(e, at); !o.deleted {
					shown = append(shown, o)
				}
			}
		}
	}
	bodies := make([]map[string]any, len(shown))
	for i, e := range shown {
		bodies[i] = e.body
	}
	return fakekit.Agenda(bodies, from, to, timeOf, "summary")
}
