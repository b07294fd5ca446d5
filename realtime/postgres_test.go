package realtime_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/convene/convene/internal/testdb"
	"github.com/convene/convene/realtime"
)

func newPostgres(t *testing.T) *realtime.Postgres {
	t.Helper()
	d := testdb.OpenPostgres(t, nil)
	p, err := realtime.NewPostgres(t.Context(), d.URL, d.SQL, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPostgresConformance(t *testing.T) {
	conformance(t, func(t *testing.T) realtime.Broker { return newPostgres(t) })
}

func TestPostgresReplicasHearEachOther(t *testing.T) {
	d := testdb.OpenPostgres(t, nil)
	replica := func() *realtime.Postgres {
		p, err := realtime.NewPostgres(t.Context(), d.URL, d.SQL, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := replica(), replica()
	onB := subscribe(t, t.Context(), b, "user:7")
	if err := a.Publish(t.Context(), "user:7", []byte(`{"eventId":1}`)); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, onB); got != `{"eventId":1}` {
		t.Fatalf("replica B got %q", got)
	}
	if err := a.Publish(t.Context(), "user:7", make([]byte, 8000)); err == nil {
		t.Fatal("a notice over Postgres's limit was sent")
	}
}

// TestListenerReconnectEndsSubscriptions kills the listener's connection:
// notices sent meanwhile are lost, so subscribers are told to catch up, and
// new subscriptions work once the listener is back.
func TestListenerReconnectEndsSubscriptions(t *testing.T) {
	d := testdb.OpenPostgres(t, nil)
	p, err := realtime.NewPostgres(t.Context(), d.URL, d.SQL, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	sub := subscribe(t, t.Context(), p, "user:1")
	var schema string
	_ = d.SQL.QueryRow("SELECT current_schema()").Scan(&schema)
	res, err := d.SQL.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`, `LISTEN "convene_`+schema+`"`)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("terminating the listener: %v (%d)", err, n)
	}
	waitClosed(t, sub)
	if !errors.Is(sub.Err(), realtime.ErrMissedNotices) {
		t.Fatalf("subscription ended with %v", sub.Err())
	}
	again := subscribe(t, t.Context(), p, "user:1")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_ = p.Publish(context.Background(), "user:1", []byte(`"back"`))
		select {
		case m := <-again.Messages:
			if string(m) == `"back"` {
				return
			}
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatal("no notice after the listener reconnected")
}
