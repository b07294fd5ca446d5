package graph

import (
	"context"
	"fmt"
	"sync"

	"github.com/convene/convene/viewer"
)

// connLimit bounds the WebSockets one user (or API token) keeps open.
type connLimit struct {
	max  int
	mu   sync.Mutex
	open map[string]int
}

type heldConnKey struct{}

// who names whose connection it is.
func who(v viewer.Viewer) string {
	if v.UserID != 0 {
		return fmt.Sprintf("user:%d", v.UserID)
	}
	return fmt.Sprintf("token:%d", v.TokenID)
}

// acquire counts a connection for v, refusing one over the limit. The
// returned context remembers it, so release frees exactly what was taken.
func (l *connLimit) acquire(ctx context.Context, v viewer.Viewer) (context.Context, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := who(v)
	if l.open[key] >= l.max {
		return ctx, false
	}
	l.open[key]++
	return context.WithValue(ctx, heldConnKey{}, key), true
}

// release frees the connection acquire counted in ctx, if any.
func (l *connLimit) release(ctx context.Context, _ int) {
	key, ok := ctx.Value(heldConnKey{}).(string)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}
