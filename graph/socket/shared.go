package socket

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// sharedContexts keeps the operation context of each running subscription
// by the payload it was sent with, for the next subscription sent alike.
// The clients of one app subscribe in the same words, and a context holds
// the operation's variables, field caches and extension stats: made once,
// it costs ten thousand idle subscribers nothing more. Contexts are read
// only once made, and hold nothing of who subscribed: that is in the
// context.Context each operation runs in.
type sharedContexts struct {
	mu sync.Mutex
	m  map[string]*sharedContext
}

type sharedContext struct {
	payload string
	rc      *graphql.OperationContext
	shape   string // see shapeOf
	users   int
}

// get returns the context made for payload, if a subscription sent with
// it runs, and holds it until ctx ends.
func (s *sharedContexts) get(ctx context.Context, payload []byte) *sharedContext {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.m[string(payload)]
	if sc != nil {
		s.hold(ctx, sc)
	}
	return sc
}

// put keeps sc for its payload, unless another was kept meanwhile, and
// returns the kept one, held until ctx ends.
func (s *sharedContexts) put(ctx context.Context, sc *sharedContext) *sharedContext {
	s.mu.Lock()
	defer s.mu.Unlock()
	if kept := s.m[sc.payload]; kept != nil {
		sc = kept
	} else {
		s.m[sc.payload] = sc
	}
	s.hold(ctx, sc)
	return sc
}

// hold counts one more user of sc until ctx ends; s.mu is held.
func (s *sharedContexts) hold(ctx context.Context, sc *sharedContext) {
	sc.users++
	context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if sc.users--; sc.users == 0 {
			delete(s.m, sc.payload)
		}
	})
}
