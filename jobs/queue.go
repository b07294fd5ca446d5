package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"

	"github.com/convene/convene/db"
	"github.com/convene/convene/viewer"
)

// Options tune a Queue; zero values take the defaults.
type Options struct {
	Workers int           // jobs run at once by this replica; 4
	Lease   time.Duration // how long a claim holds; a job must end within it; 2 min
	Poll    time.Duration // how often idle workers look for due jobs; 1 s
	Grace   time.Duration // how long shutdown lets running jobs finish; 10 s
	// Backoff is the wait before attempt n+1 after attempt n failed;
	// exponential from 2 s, capped at 1 h, with jitter.
	Backoff func(attempt int) time.Duration
	Log     *slog.Logger
}

// Queue claims due jobs and runs them. Replicas share one table: on
// Postgres claims skip rows another replica holds (FOR UPDATE SKIP
// LOCKED); SQLite runs one writer at a time anyway.
type Queue struct {
	db       *db.DB
	o        Options
	handlers map[string]Handler
	wake     chan struct{}
	now      func() time.Time
}

// NewQueue returns a queue over d's jobs table.
func NewQueue(d *db.DB, o Options) *Queue {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Grace <= 0 {
		o.Grace = 10 * time.Second
	}
	if o.Backoff == nil {
		o.Backoff = Backoff
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Queue{db: d, o: o, handlers: map[string]Handler{}, wake: make(chan struct{}, 1), now: time.Now}
}

// Handle sets the handler of a kind of job. Call it before Run.
func (q *Queue) Handle(kind string, h Handler) { q.handlers[kind] = h }

// Wake tells idle workers that a job was enqueued, so it runs without
// waiting for the next poll.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Backoff waits 2 s, 4 s, 8 s… up to an hour, less up to a quarter at
// random so that jobs failing together do not retry together.
func Backoff(attempt int) time.Duration {
	d := min(2*time.Second<<min(attempt-1, 20), time.Hour)
	return d - rand.N(d/4+1)
}

// Run claims and runs jobs until ctx ends, then lets running jobs finish
// for the grace period and hands back the rest for another worker.
func (q *Queue) Run(ctx context.Context) {
	// Jobs keep running past ctx for the grace period.
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	var running sync.WaitGroup
	slots := make(chan struct{}, q.o.Workers)
	poll := time.NewTicker(q.o.Poll)
	defer poll.Stop()
	for ctx.Err() == nil {
		// Claim enough for every free worker and as many again, which wait
		// here for a worker: a busy queue claims once per batch, not once
		// per job.
		claimed, err := q.claim(ctx, 2*q.o.Workers-len(slots))
		if err != nil && ctx.Err() == nil {
			q.o.Log.WarnContext(ctx, "jobs: claiming", "err", err)
		}
		q.start(ctx, runCtx, claimed, slots, &running)
		if len(claimed) > 0 {
			continue // there may be more due
		}
		select {
		case <-ctx.Done():
		case <-q.wake:
		case <-poll.C:
		}
	}
	done := make(chan struct{})
	go func() { running.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(q.o.Grace):
		cancelRuns() // handlers see it and their jobs are released
		<-done
	}
}

// start hands claimed jobs to workers as they free up; once ctx ends it
// releases those still waiting.
func (q *Queue) start(ctx, runCtx context.Context, claimed []*Job, slots chan struct{}, running *sync.WaitGroup) {
	for i, j := range claimed {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			for _, waiting := range claimed[i:] {
				q.release(waiting)
			}
			return
		}
		running.Add(1)
		go func() {
			defer running.Done()
			defer func() { <-slots; q.Wake() }()
			q.run(runCtx, j)
		}()
	}
}

// claim takes up to n due jobs: pending ones whose time has come, and
// running ones whose worker's lease ran out (it died).
func (q *Queue) claim(ctx context.Context, n int) ([]*Job, error) {
	if n <= 0 {
		return nil, nil
	}
	now := q.now().UTC()
	lock := ""
	if q.db.Dialect == dialect.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := q.db.SQL.QueryContext(ctx, q.rebind(`UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1,
		locked_until = ?, updated_at = ?
		WHERE id IN (SELECT id FROM jobs
			WHERE (state = 'PENDING' AND run_at <= ?) OR (state = 'RUNNING' AND locked_until < ?)
			ORDER BY run_at LIMIT ?`+lock+`)
		RETURNING id, company_id, kind, idempotency_key, payload, attempts, max_attempts`),
		now.Add(q.o.Lease), now, now, now, n)
	if err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	defer rows.Close()
	var claimed []*Job
	for rows.Next() {
		j := &Job{}
		if err := rows.Scan(&j.ID, &j.CompanyID, &j.Kind, &j.Key, &j.Payload, &j.Attempt, &j.MaxAttempts); err != nil {
			return nil, fmt.Errorf("jobs: claim: %w", err)
		}
		claimed = append(claimed, j)
	}
	return claimed, rows.Err()
}

// run does one job and records how it went.
func (q *Queue) run(ctx context.Context, j *Job) {
	h, ok := q.handlers[j.Kind]
	err := fmt.Errorf("jobs: no handler for kind %q", j.Kind)
	if ok {
		// A job may not outlive its lease: past it another worker takes it.
		hctx, cancel := context.WithTimeout(q.asCompany(ctx, j.CompanyID), q.o.Lease*9/10)
		err = safely(hctx, h, j)
		cancel()
	}
	if err != nil && ctx.Err() != nil { // shutting down: hand it back untouched
		q.release(j)
		return
	}
	switch {
	case err == nil && j.doneInTx:
	case err == nil:
		q.finish(j, `state = 'DONE', last_error = '', locked_until = NULL`)
	case IsPermanent(err) || j.Attempt >= j.MaxAttempts:
		q.o.Log.Error("jobs: failed for good", "kind", j.Kind, "key", j.Key, "attempt", j.Attempt, "err", err)
		q.finish(j, `state = 'FAILED', last_error = ?, locked_until = NULL`, errText(err))
	default:
		q.o.Log.Warn("jobs: will retry", "kind", j.Kind, "key", j.Key, "attempt", j.Attempt, "err", err)
		q.finish(j, `state = 'PENDING', last_error = ?, run_at = ?, locked_until = NULL`,
			errText(err), q.now().Add(max(q.o.Backoff(j.Attempt), retryDelay(err))).UTC())
	}
}

// release hands a claimed job back untouched, for another worker.
func (q *Queue) release(j *Job) {
	q.finish(j, `state = 'PENDING', attempts = attempts - 1, locked_until = NULL`)
}

// finish records a job's outcome, unless its lease ran out and another
// worker claimed it meanwhile: attempts fences the claim.
func (q *Queue) finish(j *Job, set string, args ...any) {
	args = append(args, q.now().UTC(), j.ID, j.Attempt)
	_, err := q.db.SQL.ExecContext(context.Background(),
		q.rebind(`UPDATE jobs SET `+set+`, updated_at = ? WHERE id = ? AND state = 'RUNNING' AND attempts = ?`), args...)
	if err != nil {
		q.o.Log.Error("jobs: recording an outcome", "kind", j.Kind, "key", j.Key, "err", err)
	}
}

// asCompany is ctx acting for a job's company through the jobs path.
func (q *Queue) asCompany(ctx context.Context, companyID int) context.Context {
	return viewer.NewCompanyContext(ctx, viewer.SystemJobs, companyID)
}

// safely runs h, turning a panic into a permanent failure.
func safely(ctx context.Context, h Handler, j *Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Permanent(fmt.Errorf("jobs: %s panicked: %v", j.Kind, r))
		}
	}()
	return h(ctx, j)
}

// errText keeps a stored error short.
func errText(err error) string {
	s := err.Error()
	if len(s) > 2000 {
		s = s[:2000]
	}
	return s
}

// rebind turns ? placeholders into Postgres's $n.
func (q *Queue) rebind(query string) string {
	if q.db.Dialect != dialect.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Counts says how many jobs are in each state, company by company summed.
func (q *Queue) Counts(ctx context.Context) (map[string]int, error) {
	rows, err := q.db.SQL.QueryContext(ctx, `SELECT state, count(*) FROM jobs GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("jobs: counting: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("jobs: counting: %w", err)
		}
		counts[state] = n
	}
	return counts, rows.Err()
}
