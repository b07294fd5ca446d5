package jobs

import (
	"context"
	"fmt"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/delivery"
)

// Once sends unless a delivery named key was recorded, and records it
// after sending. The only window for a second send is a crash between the
// two, which a stable Message-ID or notice key lets the receiver absorb.
func Once(ctx context.Context, client *ent.Client, key string, channel delivery.Channel, recipient string, send func(context.Context) error) error {
	done, err := client.Delivery.Query().Where(delivery.Key(key)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("jobs: delivery %s: %w", key, err)
	}
	if done {
		return nil
	}
	if err := send(ctx); err != nil {
		return err
	}
	err = client.Delivery.Create().SetKey(key).SetChannel(channel).SetRecipient(recipient).
		OnConflictColumns(delivery.FieldKey).DoNothing().Exec(ctx)
	if err != nil {
		return fmt.Errorf("jobs: recording delivery %s: %w", key, err)
	}
	return nil
}
