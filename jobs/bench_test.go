package jobs

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/convene/convene/ent/delivery"
	"github.com/convene/convene/internal/testdb"
	"github.com/convene/convene/viewer"
)

// BenchmarkQueueOnPostgres: jobs per second through the queue on Postgres,
// each recording a delivery the way a mail does, with one replica of four
// workers and with two.
func BenchmarkQueueOnPostgres(b *testing.B) {
	for _, replicas := range []int{1, 2} {
		b.Run(fmt.Sprintf("replicas=%d", replicas), func(b *testing.B) {
			d := testdb.OpenPostgres(b, nil)
			co := d.Client.Company.Create().SetName("Acme").SaveX(viewer.NewSystemContext(b.Context(), viewer.SystemSeed))
			const batch = 2000
			var done atomic.Int64
			ctx, stop := context.WithCancel(b.Context())
			defer stop()
			for range replicas {
				q := NewQueue(d, Options{Workers: 4, Poll: 10 * time.Millisecond})
				q.Handle("mail", func(ctx context.Context, j *Job) error {
					defer done.Add(1)
					return Once(ctx, d.Client, j, delivery.ChannelEMAIL, "ann@acme.example", func(context.Context) error { return nil })
				})
				go q.Run(ctx)
			}
			var elapsed time.Duration
			for round := 0; b.Loop(); round++ {
				jobs := make([]New, batch)
				for i := range jobs {
					jobs[i] = New{CompanyID: co.ID, Kind: "mail", Key: fmt.Sprintf("mail:%d:%d", round, i)}
				}
				start := time.Now()
				if err := Enqueue(b.Context(), d.Client, jobs...); err != nil {
					b.Fatal(err)
				}
				want := int64(round+1) * batch
				for deadline := time.Now().Add(time.Minute); done.Load() < want; time.Sleep(time.Millisecond) {
					if time.Now().After(deadline) {
						b.Fatalf("%d of %d done", done.Load(), want)
					}
				}
				elapsed += time.Since(start)
			}
			b.ReportMetric(float64(done.Load())/elapsed.Seconds(), "jobs/s")
		})
	}
}
