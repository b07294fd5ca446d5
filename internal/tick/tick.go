// Package tick runs periodic background work.
package tick

import (
	"context"
	"time"
)

// Every calls do with the tick's time every interval until ctx ends.
func Every(ctx context.Context, interval time.Duration, do func(now time.Time)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			do(now)
		}
	}
}
