// Package coalesce makes a value once for everyone who asks for it at about
// the same time: the first caller makes it, callers meanwhile wait for that
// result, and callers shortly after get it from a cache. A notice fanned out
// to ten thousand subscribers is read and rendered once, not ten thousand
// times.
package coalesce

import (
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache holds each value for ttl after it is made.
type Cache[V any] struct {
	ttl   time.Duration
	group singleflight.Group
	mu    sync.Mutex
	done  map[string]entry[V]
}

type entry[V any] struct {
	value   V
	expires time.Time
}

// New returns a cache that keeps values for ttl.
func New[V any](ttl time.Duration) *Cache[V] {
	return &Cache[V]{ttl: ttl, done: map[string]entry[V]{}}
}

// Get returns the value for key, calling produce only if no fresh value is
// kept and no other caller is making one. What produce makes goes to the
// callers waiting for it, and is kept for later ones if it reports true.
func (c *Cache[V]) Get(key string, produce func() (V, bool)) V {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.done[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.value
	}
	v, _, _ := c.group.Do(key, func() (any, error) {
		value, keep := produce()
		if keep {
			c.keep(key, value, now)
		}
		return value, nil
	})
	return v.(V)
}

// keep stores value and drops what has expired: few keys live at once (one
// per recent notice), so the sweep is cheap.
func (c *Cache[V]) keep(key string, value V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, old := range c.done {
		if now.After(old.expires) {
			delete(c.done, k)
		}
	}
	c.done[key] = entry[V]{value: value, expires: time.Now().Add(c.ttl)}
}
