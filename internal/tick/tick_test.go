package tick_test

import (
	"context"
	"testing"
	"time"

	"github.com/convene/convene/internal/tick"
)

func TestEveryTicksUntilTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	ticks := 0
	done := make(chan struct{})
	go func() {
		tick.Every(ctx, time.Millisecond, func(time.Time) {
			if ticks++; ticks == 3 {
				cancel()
			}
		})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Every did not return once its context ended")
	}
	if ticks != 3 {
		t.Errorf("%d ticks", ticks)
	}
}
