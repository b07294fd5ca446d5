package graph

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/convene/convene/viewer"
)

func TestSharedLoadsShareWithinACompanyOnly(t *testing.T) {
	s := newSharedLoads()
	var reads atomic.Int32
	load := func(ctx context.Context) (any, bool) {
		reads.Add(1)
		v, _ := viewer.FromContext(ctx)
		return v.CompanyID, true
	}
	var wg sync.WaitGroup
	results := make([]any, 100)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := viewer.NewContext(context.Background(), viewer.Viewer{CompanyID: 1, UserID: i + 1})
			results[i], _ = s.load(ctx, "event:7:1", load)
		}()
	}
	wg.Wait()
	if reads.Load() != 1 {
		t.Fatalf("100 subscribers of one company read %d times", reads.Load())
	}
	other, _ := s.load(viewer.NewContext(context.Background(), viewer.Viewer{CompanyID: 2}), "event:7:1", load)
	if other != 2 || reads.Load() != 2 {
		t.Fatalf("another company got %v (reads %d)", other, reads.Load())
	}
	canceled, cancel := context.WithCancel(viewer.NewContext(context.Background(), viewer.Viewer{CompanyID: 3}))
	cancel()
	if _, ok := s.load(canceled, "event:7:2", func(ctx context.Context) (any, bool) { return nil, ctx.Err() == nil }); !ok {
		t.Fatal("a cancelled subscriber's context failed the shared read")
	}
}
