package jobs

import (
	"context"
	"fmt"

	"github.com/convene/convene/db"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/delivery"
	"github.com/convene/convene/ent/job"
)

// Once sends unless a delivery under the job's key was recorded, then
// records it and marks the job done in one transaction. The only window
// for a second send is a crash between sending and that commit, which a
// stable Message-ID lets the receiver absorb.
func Once(ctx context.Context, client *ent.Client, j *Job, channel delivery.Channel, recipient string, send func(context.Context) error) error {
	sent, err := client.Delivery.Query().Where(delivery.Key(j.Key)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("jobs: delivery %s: %w", j.Key, err)
	}
	if !sent {
		if err := send(ctx); err != nil {
			return err
		}
	}
	return db.WithTx(ctx, client, func(tx *ent.Tx) error {
		if sent {
			return j.DoneWith(ctx, tx)
		}
		return j.delivered(ctx, tx, channel, recipient)
	})
}

// OnceInTx is Once for an effect that is itself a database write (an
// in-app notice): effect, its delivery and the job's end commit together,
// so it happens exactly once. It reports whether effect ran.
func OnceInTx(ctx context.Context, client *ent.Client, j *Job, channel delivery.Channel, recipient string, effect func(*ent.Tx) error) (bool, error) {
	ran := false
	err := db.WithTx(ctx, client, func(tx *ent.Tx) error {
		sent, err := tx.Delivery.Query().Where(delivery.Key(j.Key)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("jobs: delivery %s: %w", j.Key, err)
		}
		if sent {
			return j.DoneWith(ctx, tx)
		}
		if err := effect(tx); err != nil {
			return err
		}
		ran = true
		return j.delivered(ctx, tx, channel, recipient)
	})
	return ran && err == nil, err
}

// delivered records the job's effect and marks the job done, in tx.
func (j *Job) delivered(ctx context.Context, tx *ent.Tx, channel delivery.Channel, recipient string) error {
	err := tx.Delivery.Create().SetKey(j.Key).SetChannel(channel).SetRecipient(recipient).
		OnConflictColumns(delivery.FieldKey).DoNothing().Exec(ctx)
	if err != nil {
		return fmt.Errorf("jobs: recording delivery %s: %w", j.Key, err)
	}
	return j.DoneWith(ctx, tx)
}

// DoneWith marks the job done in tx, with the effect recorded there: the
// two commit together. The queue then leaves the job as tx left it.
func (j *Job) DoneWith(ctx context.Context, tx *ent.Tx) error {
	err := tx.Job.Update().Where(job.ID(j.ID), job.StateEQ(job.StateRUNNING), job.Attempts(j.Attempt)).
		SetState(job.StateDONE).SetLastError("").ClearLockedUntil().Exec(ctx)
	if err != nil {
		return fmt.Errorf("jobs: marking %s done: %w", j.Key, err)
	}
	j.doneInTx = true
	return nil
}
