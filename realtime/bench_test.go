package realtime_test

import (
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/convene/convene/internal/testdb"
	"github.com/convene/convene/realtime"
)

// BenchmarkAcrossReplicas publishes on replica A and receives on replica B:
// the latency of one notice at a time (p50, p99), and how many notices per
// second flow when A publishes as fast as it can.
func BenchmarkAcrossReplicas(b *testing.B) {
	replicas := map[string]func(b *testing.B) (a, c realtime.Broker){
		"postgres": func(b *testing.B) (realtime.Broker, realtime.Broker) {
			d := testdb.OpenPostgres(b, nil)
			mk := func() realtime.Broker {
				p, err := realtime.NewPostgres(b.Context(), d.URL, d.SQL, slog.New(slog.DiscardHandler))
				if err != nil {
					b.Fatal(err)
				}
				return p
			}
			return mk(), mk()
		},
		"nats": func(b *testing.B) (realtime.Broker, realtime.Broker) {
			prefix := testPrefix()
			mk := func() realtime.Broker {
				n, err := realtime.NewNATS(b.Context(), testdb.NATSURL(b), prefix, slog.New(slog.DiscardHandler))
				if err != nil {
					b.Fatal(err)
				}
				return n
			}
			return mk(), mk()
		},
	}
	for name, mk := range replicas {
		b.Run(name, func(b *testing.B) {
			a, c := mk(b)
			sub := subscribe(b, b.Context(), c, "user:1")
			var lat []time.Duration
			for b.Loop() { // one notice at a time
				sent := time.Now()
				_ = a.Publish(b.Context(), "user:1", []byte(strconv.FormatInt(sent.UnixNano(), 10)))
				select {
				case <-sub.Messages:
					lat = append(lat, time.Since(sent))
				case <-time.After(5 * time.Second):
					b.Fatal("lost a notice")
				}
			}
			slices.Sort(lat)
			// Throughput: a burst of 2,000, paced by the reader's buffer.
			const burst = 2000
			start := time.Now()
			got := 0
			for i := range burst {
				_ = a.Publish(b.Context(), "user:1", []byte(strconv.Itoa(i)))
				for drained := false; !drained; {
					select {
					case <-sub.Messages:
						got++
					default:
						drained = true
					}
				}
			}
			for deadline := time.After(10 * time.Second); got < burst; {
				select {
				case <-sub.Messages:
					got++
				case <-deadline:
					b.Fatalf("%d of %d arrived", got, burst)
				}
			}
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(burst/time.Since(start).Seconds(), "notices/s")
		})
	}
}
