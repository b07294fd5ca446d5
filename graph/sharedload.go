package graph

import (
	"context"
	"strconv"
	"time"

	"github.com/convene/convene/internal/coalesce"
	"github.com/convene/convene/viewer"
)

// sharedTTL is how long a notice's loaded object, or its rendering, is kept
// for the other subscribers still handling the same notice.
const sharedTTL = 5 * time.Second

// sharedLoads loads what one notice names once per company, not once per
// subscriber: ten thousand sockets watching one room need one read, not ten
// thousand. Use it only where what a viewer may read depends on their
// company alone (an event); never where it depends on the user (a post).
type sharedLoads struct{ cache *coalesce.Cache[sharedResult] }

type sharedResult struct {
	value any
	ok    bool
}

func newSharedLoads() *sharedLoads {
	return &sharedLoads{cache: coalesce.New[sharedResult](sharedTTL)}
}

// load returns load(ctx) for key within the viewer's company, computed once
// while it is fresh.
func (s *sharedLoads) load(ctx context.Context, key string, load func(context.Context) (any, bool)) (any, bool) {
	r := s.cache.Get(companyKey(ctx, key), func() (sharedResult, bool) {
		// The viewer stays, the cancellation goes: one subscriber leaving must
		// not fail the read for the others sharing it.
		value, ok := load(context.WithoutCancel(ctx))
		return sharedResult{value, ok}, true // a failed read is shared too
	})
	return r.value, r.ok
}

// companyKey scopes key to the viewer's company.
func companyKey(ctx context.Context, key string) string {
	v, _ := viewer.FromContext(ctx)
	return strconv.Itoa(v.CompanyID) + "|" + key
}
