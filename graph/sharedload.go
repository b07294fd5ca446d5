package graph

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/convene/convene/viewer"
)

// sharedLoadTTL is how long a notice's loaded object is kept for the other
// subscribers still handling the same notice.
const sharedLoadTTL = 5 * time.Second

// sharedLoads loads what one notice names once per company, not once per
// subscriber: ten thousand sockets watching one room need one read, not ten
// thousand. Use it only where what a viewer may read depends on their
// company alone (an event); never where it depends on the user (a post).
type sharedLoads struct {
	group singleflight.Group
	mu    sync.Mutex
	done  map[string]sharedResult
}

type sharedResult struct {
	value   any
	ok      bool
	expires time.Time
}

func newSharedLoads() *sharedLoads { return &sharedLoads{done: map[string]sharedResult{}} }

// load returns load(ctx) for key within the viewer's company, computed once
// while it is fresh.
func (s *sharedLoads) load(ctx context.Context, key string, load func(context.Context) (any, bool)) (any, bool) {
	v, _ := viewer.FromContext(ctx)
	key = strconv.Itoa(v.CompanyID) + "|" + key
	now := time.Now()
	s.mu.Lock()
	if r, ok := s.done[key]; ok && now.Before(r.expires) {
		s.mu.Unlock()
		return r.value, r.ok
	}
	s.mu.Unlock()
	res, _, _ := s.group.Do(key, func() (any, error) {
		// The viewer stays, the cancellation goes: one subscriber leaving must
		// not fail the read for the others sharing it.
		value, ok := load(context.WithoutCancel(ctx))
		r := sharedResult{value: value, ok: ok, expires: time.Now().Add(sharedLoadTTL)}
		s.mu.Lock()
		defer s.mu.Unlock()
		for k, old := range s.done { // few notices live at once: sweeping is cheap
			if now.After(old.expires) {
				delete(s.done, k)
			}
		}
		s.done[key] = r
		return r, nil
	})
	r := res.(sharedResult)
	return r.value, r.ok
}
