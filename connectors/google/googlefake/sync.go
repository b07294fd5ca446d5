package googlefake

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/convene/convene/connectors/fakekit"
)

const (
	syncPrefix = "CPDAlvWDx"
	pagePrefix = "EjYKKD"
)

// list is events.list: a full listing, or with syncToken the changes since
// (cancelled events included), a page of maxResults at a time. Only the
// last page has nextSyncToken.
func (g *Google) list(w http.ResponseWriter, r *http.Request) {
	g.lists++
	q := r.URL.Query()
	l, ok := g.listingOf(w, q.Get("syncToken"), q.Get("pageToken"))
	if !ok {
		return
	}
	size := g.PageSize
	if n, err := strconv.Atoi(q.Get("maxResults")); err == nil && n > 0 {
		size = min(n, 2500)
	}
	account, _ := g.tokens.Account(bearer(r))
	items := g.changes(account, l, q.Get("showDeleted") == "true")
	page := items[min(l.Offset, len(items)):min(l.Offset+size, len(items))]
	answer := map[string]any{"kind": "calendar#events", "etag": fmt.Sprintf(`"p%d"`, l.At), "summary": account,
		"updated": time.Now().UTC().Format(time.RFC3339), "timeZone": "UTC", "accessRole": "owner",
		"defaultReminders": []any{}, "items": page}
	if l.Offset+size < len(items) {
		l.Offset += size
		answer["nextPageToken"] = l.Token(pagePrefix)
	} else {
		answer["nextSyncToken"] = fakekit.Listing{Epoch: g.epoch, At: l.At, Since: l.At}.Token(syncPrefix)
	}
	writeJSON(w, http.StatusOK, answer)
}

// listingOf reads the tokens of a listing, or answers why they are no good.
func (g *Google) listingOf(w http.ResponseWriter, syncToken, pageToken string) (fakekit.Listing, bool) {
	l := fakekit.Listing{Epoch: g.epoch, At: g.seq, Since: -1}
	var ok bool
	switch {
	case pageToken != "":
		if l, ok = fakekit.ParseListing(pagePrefix, pageToken); !ok {
			apiError(w, http.StatusBadRequest, "invalid", "Invalid page token value.")
			return l, false
		}
	case syncToken != "":
		if l, ok = fakekit.ParseListing(syncPrefix, syncToken); !ok {
			apiError(w, http.StatusBadRequest, "invalid", "Invalid sync token value.")
			return l, false
		}
		l.At = g.seq
	}
	if l.Epoch != g.epoch {
		fullSyncRequired(w)
		return l, false
	}
	return l, true
}

// fullSyncRequired is Google's 410 for an expired sync token.
func fullSyncRequired(w http.ResponseWriter) {
	const msg = "Sync token is no longer valid, a full sync is required."
	writeJSON(w, http.StatusGone, map[string]any{"error": map[string]any{"code": http.StatusGone, "message": msg,
		"errors": []map[string]string{{"domain": "calendar", "reason": "fullSyncRequired", "message": msg,
			"locationType": "parameter", "location": "syncToken"}}}})
}

// changes are account's events of a listing, in the order they changed.
func (g *Google) changes(account string, l fakekit.Listing, showDeleted bool) []map[string]any {
	var picked []*event
	for _, e := range g.events {
		switch {
		case e.account != account || e.changed > l.At:
		case l.Since < 0 && (!e.deleted || showDeleted), l.Since >= 0 && e.changed > l.Since:
			picked = append(picked, e)
		}
	}
	slices.SortFunc(picked, func(a, b *event) int { return a.changed - b.changed })
	items := make([]map[string]any, len(picked))
	for i, e := range picked {
		items[i] = fakekit.Copy(e.body)
	}
	return items
}

// Put makes an event in account's calendar, as its owner does in Google
// Calendar, and returns its id.
func (g *Google) Put(account string, body map[string]any) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	id := fakekit.Random()[:20]
	e := &event{account: account, body: fakekit.Copy(body)}
	e.body["id"], e.body["kind"], e.body["status"] = id, "calendar#event", "confirmed"
	e.body["iCalUID"] = id + "@google.com"
	if uid, ok := body["iCalUID"].(string); ok {
		e.body["iCalUID"] = uid
	}
	g.events[id] = e
	g.touch(e)
	return id
}

// Edit changes fields of an event, as its owner does in Google Calendar.
func (g *Google) Edit(id string, fields map[string]any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.events[id]
	for k, v := range fields {
		e.body[k] = v
	}
	g.touch(e)
}

// Cancel deletes an event, as its owner does in Google Calendar.
func (g *Google) Cancel(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cancel(g.events[id])
}

// ExpireSyncTokens makes every sync and page token given so far expired.
func (g *Google) ExpireSyncTokens() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.epoch++
}

// Lists is how many events.list calls came.
func (g *Google) Lists() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lists
}

// Of are the live events in account's calendar.
func (g *Google) Of(account string) []map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []map[string]any
	for _, e := range g.events {
		if e.account == account && !e.deleted {
			out = append(out, fakekit.Copy(e.body))
		}
	}
	return out
}
