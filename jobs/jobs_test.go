package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/convene/convene/db"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/delivery"
	"github.com/convene/convene/ent/job"
	"github.com/convene/convene/internal/testdb"
	"github.com/convene/convene/viewer"
)

func forEachDB(t *testing.T, f func(t *testing.T, d *db.DB, company int)) {
	for _, name := range []string{"sqlite3", "postgres"} {
		t.Run(name, func(t *testing.T) {
			d := testdb.Open(t, name, nil)
			ctx := viewer.NewSystemContext(t.Context(), viewer.SystemSeed)
			co := d.Client.Company.Create().SetName("Acme").SaveX(ctx)
			f(t, d, co.ID)
		})
	}
}

func system(ctx context.Context) context.Context {
	return viewer.NewSystemContext(ctx, viewer.SystemJobs)
}

func fastQueue(d *db.DB, o Options) *Queue {
	o.Poll = 20 * time.Millisecond
	o.Backoff = func(int) time.Duration { return time.Millisecond }
	return NewQueue(d, o)
}

// runUntil runs q until done reports true or a minute passes (the race
// detector on a busy machine slows SQLite's one writer a lot).
func runUntil(t *testing.T, q *Queue, done func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	finished := make(chan struct{})
	go func() { q.Run(ctx); close(finished) }()
	for deadline := time.Now().Add(time.Minute); !done() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-finished
	if !done() {
		t.Fatal("not done within a minute")
	}
}

func state(t *testing.T, d *db.DB, key string) *ent.Job {
	t.Helper()
	return d.Client.Job.Query().Where(job.IdempotencyKey(key)).OnlyX(system(t.Context()))
}

func TestAJobRunsOnceAndRetriesUntilItSucceedsOrFails(t *testing.T) {
	forEachDB(t, func(t *testing.T, d *db.DB, company int) {
		ctx := t.Context()
		for range 2 { // the same key twice is one job
			if err := Enqueue(ctx, d.Client, New{CompanyID: company, Kind: "flaky", Key: "flaky:1", Payload: map[string]int{"n": 1}},
				New{CompanyID: company, Kind: "broken", Key: "broken:1"}, New{CompanyID: company, Kind: "bad", Key: "bad:1"}); err != nil {
				t.Fatal(err)
			}
		}
		if n := d.Client.Job.Query().CountX(system(ctx)); n != 3 {
			t.Fatalf("%d jobs, want 3", n)
		}
		var runs atomic.Int32
		q := fastQueue(d, Options{})
		q.Handle("flaky", func(ctx context.Context, j *Job) error {
			var p struct{ N int }
			if err := j.Decode(&p); err != nil || p.N != 1 {
				return Permanent(fmt.Errorf("payload %+v: %v", p, err))
			}
			if v, _ := viewer.FromContext(ctx); v.CompanyID != company {
				return Permanent(fmt.Errorf("ran for company %d", v.CompanyID))
			}
			if runs.Add(1) < 3 {
				return errors.New("provider is down")
			}
			return nil
		})
		q.Handle("broken", func(context.Context, *Job) error { return errors.New("always down") })
		q.Handle("bad", func(context.Context, *Job) error { return Permanent(errors.New("no such meeting")) })
		runUntil(t, q, func() bool {
			return d.Client.Job.Query().Where(job.StateIn(job.StatePENDING, job.StateRUNNING)).CountX(system(ctx)) == 0
		})
		if j := state(t, d, "flaky:1"); j.State != job.StateDONE || j.Attempts != 3 || runs.Load() != 3 {
			t.Errorf("flaky: %s after %d attempts (%d runs), %q", j.State, j.Attempts, runs.Load(), j.LastError)
		}
		if j := state(t, d, "broken:1"); j.State != job.StateFAILED || j.Attempts != j.MaxAttempts || j.LastError != "always down" {
			t.Errorf("broken: %s after %d of %d attempts, %q", j.State, j.Attempts, j.MaxAttempts, j.LastError)
		}
		if j := state(t, d, "bad:1"); j.State != job.StateFAILED || j.Attempts != 1 {
			t.Errorf("a permanent failure: %s after %d attempts", j.State, j.Attempts)
		}
	})
}

// TestACrashedWorkersJobsAreTakenAgainAndSendOnce: a worker claims a batch,
// sends part of it and dies, one job sent but not marked done. After its
// lease another worker finishes the batch, and each mail went out once.
func TestACrashedWorkersJobsAreTakenAgainAndSendOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, d *db.DB, company int) {
		ctx := t.Context()
		const n = 20
		for i := range n {
			if err := Enqueue(ctx, d.Client, New{CompanyID: company, Kind: "mail", Key: fmt.Sprintf("mail:%d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		sent := map[string]int{}
		mail := func(ctx context.Context, j *Job) error {
			return Once(ctx, d.Client, j, delivery.ChannelEMAIL, "ann@acme.example", func(context.Context) error {
				mu.Lock()
				defer mu.Unlock()
				sent[j.Key]++
				return nil
			})
		}
		// The worker that dies: it claims ten with a short lease and sends
		// four; the fifth it sends, and its delivery is recorded, but the
		// job is never marked done (a handler that records its effect on
		// its own, then dies).
		dying := fastQueue(d, Options{Lease: 300 * time.Millisecond})
		dying.Handle("mail", mail)
		batch, err := dying.claim(ctx, 10)
		if err != nil || len(batch) != 10 {
			t.Fatalf("claimed %d: %v", len(batch), err)
		}
		for _, j := range batch[:4] {
			dying.run(ctx, j)
		}
		fifth := batch[4]
		sent[fifth.Key]++
		d.Client.Delivery.Create().SetKey(fifth.Key).SetChannel(delivery.ChannelEMAIL).SetRecipient("ann@acme.example").
			ExecX(dying.asCompany(ctx, company))
		// A worker that starts at once finds only the unclaimed ten.
		if again, _ := fastQueue(d, Options{}).claim(ctx, 20); len(again) != 10 {
			t.Fatalf("a second worker claimed %d while the lease held, want the other 10", len(again))
		} else {
			for _, j := range again {
				dying.run(ctx, j)
			}
		}
		time.Sleep(400 * time.Millisecond) // the dead worker's lease runs out
		restarted := fastQueue(d, Options{})
		restarted.Handle("mail", mail)
		runUntil(t, restarted, func() bool {
			return d.Client.Job.Query().Where(job.StateNEQ(job.StateDONE)).CountX(system(ctx)) == 0
		})
		mu.Lock()
		defer mu.Unlock()
		for i := range n {
			if key := fmt.Sprintf("mail:%d", i); sent[key] != 1 {
				t.Errorf("%s sent %d times", key, sent[key])
			}
		}
	})
}

// TestTwoReplicasShareTheWorkAndDoEachJobOnce: two queues over one table
// race through 1,000 due jobs; each is run once, and both took part.
func TestTwoReplicasShareTheWorkAndDoEachJobOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, d *db.DB, company int) {
		ctx := t.Context()
		const n = 1000
		batch := make([]New, n)
		for i := range batch {
			batch[i] = New{CompanyID: company, Kind: "remind", Key: fmt.Sprintf("remind:%d", i)}
		}
		if err := Enqueue(ctx, d.Client, batch...); err != nil {
			t.Fatal(err)
		}
		var runs [2]atomic.Int32
		var mu sync.Mutex
		seen := map[string]int{}
		replicas := make([]*Queue, 2)
		for r := range replicas {
			replicas[r] = fastQueue(d, Options{Workers: 4})
			replicas[r].Handle("remind", func(_ context.Context, j *Job) error {
				runs[r].Add(1)
				mu.Lock()
				defer mu.Unlock()
				seen[j.Key]++
				return nil
			})
		}
		other, stopOther := context.WithCancel(ctx)
		otherStopped := make(chan struct{})
		go func() { replicas[1].Run(other); close(otherStopped) }()
		runUntil(t, replicas[0], func() bool { return runs[0].Load()+runs[1].Load() >= n })
		stopOther()
		<-otherStopped
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != n {
			t.Fatalf("%d distinct jobs ran, want %d", len(seen), n)
		}
		for key, times := range seen {
			if times != 1 {
				t.Fatalf("%s ran %d times", key, times)
			}
		}
		if d.Dialect == "postgres" && (runs[0].Load() == 0 || runs[1].Load() == 0) {
			t.Errorf("one replica did all the work: %d / %d", runs[0].Load(), runs[1].Load())
		}
	})
}

// TestShutdownHandsBackWhatItCannotFinish: a job still running when the
// grace period ends is released as it was, for another worker.
func TestShutdownHandsBackWhatItCannotFinish(t *testing.T) {
	forEachDB(t, func(t *testing.T, d *db.DB, company int) {
		ctx := t.Context()
		if err := Enqueue(ctx, d.Client, New{CompanyID: company, Kind: "slow", Key: "slow:1"}); err != nil {
			t.Fatal(err)
		}
		started := make(chan struct{})
		q := fastQueue(d, Options{Grace: 100 * time.Millisecond})
		q.Handle("slow", func(ctx context.Context, _ *Job) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		runCtx, stop := context.WithCancel(ctx)
		stopped := make(chan struct{})
		go func() { q.Run(runCtx); close(stopped) }()
		<-started
		stop()
		<-stopped
		if j := state(t, d, "slow:1"); j.State != job.StatePENDING || j.Attempts != 0 || j.LockedUntil != nil {
			t.Fatalf("after shutdown: %s, %d attempts, locked until %v", j.State, j.Attempts, j.LockedUntil)
		}
	})
}

func TestRetryAfterIsHonoured(t *testing.T) {
	d := testdb.Open(t, "sqlite3", nil)
	ctx := t.Context()
	co := d.Client.Company.Create().SetName("Acme").SaveX(viewer.NewSystemContext(ctx, viewer.SystemSeed))
	if err := Enqueue(ctx, d.Client, New{CompanyID: co.ID, Kind: "throttled", Key: "throttled:1"}); err != nil {
		t.Fatal(err)
	}
	q := fastQueue(d, Options{})
	var ran atomic.Int32
	q.Handle("throttled", func(context.Context, *Job) error {
		ran.Add(1)
		return RetryAfter(errors.New("429 Too Many Requests"), time.Hour)
	})
	before := time.Now()
	runUntil(t, q, func() bool { return ran.Load() == 1 && state(t, d, "throttled:1").State == job.StatePENDING })
	j := state(t, d, "throttled:1")
	if j.RunAt.Before(before.Add(59*time.Minute)) || ran.Load() != 1 {
		t.Fatalf("retry due %v after %d runs, want an hour from now (the backoff alone is a millisecond)", j.RunAt, ran.Load())
	}
}
