// Package jobs runs durable background work stored in the database: mail,
// reminders, provider calls, sync. A job is written in the same
// transaction as the change that causes it (an outbox), under a unique
// idempotency key, and run by a pool of workers on every replica.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/job"
	"github.com/convene/convene/viewer"
)

// New is work to do.
type New struct {
	CompanyID int
	Kind      string
	// Key makes the job's effect happen once: a job whose key was ever
	// enqueued is not enqueued again. Name what the effect is about, e.g.
	// "invite:<event>:<attendee>:<sequence>".
	Key     string
	Payload any       // stored as JSON
	RunAt   time.Time // zero: now
}

// Enqueue writes jobs through client; pass a transaction's client to write
// them with the change that causes them. Keys already taken are skipped.
func Enqueue(ctx context.Context, client *ent.Client, jobs ...New) error {
	if len(jobs) == 0 {
		return nil
	}
	ctx = viewer.NewSystemContext(ctx, viewer.SystemJobs)
	creates := make([]*ent.JobCreate, len(jobs))
	for i, j := range jobs {
		payload, err := json.Marshal(j.Payload)
		if err != nil {
			return fmt.Errorf("jobs: %s payload: %w", j.Kind, err)
		}
		runAt := j.RunAt
		if runAt.IsZero() {
			runAt = time.Now()
		}
		creates[i] = client.Job.Create().SetCompanyID(j.CompanyID).SetKind(j.Kind).
			SetIdempotencyKey(j.Key).SetPayload(payload).SetRunAt(runAt.UTC())
	}
	err := client.Job.CreateBulk(creates...).OnConflictColumns(job.FieldIdempotencyKey).DoNothing().Exec(ctx)
	if err != nil {
		return fmt.Errorf("jobs: enqueue: %w", err)
	}
	return nil
}

// Job is a claimed job, handed to its Handler.
type Job struct {
	ID          int
	CompanyID   int
	Kind        string
	Key         string
	Payload     []byte
	Attempt     int // 1 on the first run
	MaxAttempts int
	doneInTx    bool // the handler marked it done with its effect (DoneWith)
}

// Decode reads the job's payload into v.
func (j *Job) Decode(v any) error {
	if err := json.Unmarshal(j.Payload, v); err != nil {
		return Permanent(fmt.Errorf("jobs: %s payload: %w", j.Kind, err))
	}
	return nil
}

// Handler does a job. It runs with a context allowed to act for the job's
// company. A nil error marks the job done; an error retries it later, up
// to its attempts, unless it is Permanent. A handler records its effect
// before it returns, so that a second run finds it and does nothing.
type Handler func(ctx context.Context, j *Job) error

// permanentError is a failure that retrying cannot mend.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// Permanent marks err as one no retry can mend: the job fails at once.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// laterError is a failure whose cause says when to try again.
type laterError struct {
	error
	after time.Duration
}

func (e laterError) Unwrap() error { return e.error }

// RetryAfter marks err as one to retry no sooner than after (a provider's
// Retry-After), or at the usual backoff if that is later.
func RetryAfter(err error, after time.Duration) error { return laterError{err, after} }

// retryDelay is how long err asks to wait, if it says.
func retryDelay(err error) time.Duration {
	var l laterError
	if errors.As(err, &l) {
		return l.after
	}
	return 0
}

// Retry gives a FAILED job a fresh set of attempts, due now. The caller's
// own rights apply: jobs are for admins.
func Retry(ctx context.Context, client *ent.Client, id int) (*ent.Job, error) {
	j, err := client.Job.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.State != job.StateFAILED {
		return nil, apperr.Invalid("id", "only a failed job can be retried; this one is %s", j.State)
	}
	return j.Update().SetState(job.StatePENDING).SetAttempts(0).SetRunAt(time.Now().UTC()).Save(ctx)
}
