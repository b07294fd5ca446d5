package graph

import (
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

// who names whose connection it is.
func who(v viewer.Viewer) string {
	if v.UserID != 0 {
		return fmt.Sprintf("user:%d", v.UserID)
	}
	return fmt.Sprintf("token:%d", v.TokenID)
}

// acquire counts a connection for v, refusing one over the limit; release
// frees it, once.
func (l *connLimit) acquire(v viewer.Viewer) (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := who(v)
	if l.open[key] >= l.max {
		return nil, false
	}
	l.open[key]++
	var once sync.Once
	return func() { once.Do(func() { l.release(key) }) }, true
}

func (l *connLimit) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}
