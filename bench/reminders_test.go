package bench

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/convene/convene/ent/delivery"
	"github.com/convene/convene/ent/job"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/jobs"
	"github.com/convene/convene/notify"
	"github.com/convene/convene/server/app"
	"github.com/convene/convene/viewer"
)

// BenchmarkRemindersDueTogether: 10,000 in-app reminders due in the same
// second, on Postgres, through one server's queue of 4 workers (the
// default) and of 16: how long after its due time each is stored and
// pushed (p50, p99).
func BenchmarkRemindersDueTogether(b *testing.B) {
	for _, workers := range []int{4, 16} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) { remindersDueTogether(b, workers) })
	}
}

func remindersDueTogether(b *testing.B, workers int) {
	const n = 10000
	env := testenv.New(b, "postgres", func(o *app.Options) { o.JobWorkers = workers })
	co := env.NewCompany(b, "Acme")
	ctx := viewer.NewSystemContext(b.Context(), viewer.SystemJobs)
	e := env.DB.Client.Event.Create().SetTitle("All hands").SetStartAt(time.Now().Add(time.Hour)).SetDurationMinutes(30).
		SetOrganizer(co.Admin).SetIcalUID("all-hands").SaveX(testenv.As(co.Admin))
	var lat []time.Duration
	for round := 0; b.Loop(); round++ {
		due := time.Now().Add(3 * time.Second).Truncate(time.Second)
		batch := make([]jobs.New, n)
		for i := range batch {
			batch[i] = jobs.New{CompanyID: co.Company.ID, Kind: notify.KindReminderSend, RunAt: due,
				Key:     fmt.Sprintf("bench:%d:%d", round, i),
				Payload: notify.ReminderSend{EventID: e.ID, Start: e.StartAt, MinutesBefore: 15, UserID: co.Member.ID, Channel: schematype.ReminderInApp}}
		}
		for chunk := range slices.Chunk(batch, 1000) {
			if err := jobs.Enqueue(ctx, env.DB.Client, chunk...); err != nil {
				b.Fatal(err)
			}
		}
		for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
			left := env.DB.Client.Job.Query().Where(job.StateNEQ(job.StateDONE)).CountX(ctx)
			if left == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d reminders left after 5 minutes", left)
			}
		}
		for _, d := range env.DB.Client.Delivery.Query().Where(delivery.KeyHasPrefix(fmt.Sprintf("bench:%d:", round))).AllX(ctx) {
			lat = append(lat, d.CreatedAt.Sub(due))
		}
	}
	if len(lat) == 0 {
		b.Fatal("nothing was delivered")
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(len(lat))/float64(b.N)/lat[len(lat)-1].Seconds(), "reminders/s")
}
