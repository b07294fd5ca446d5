package realtime_test

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"testing"
	"time"

	"github.com/convene/convene/internal/testdb"
	"github.com/convene/convene/realtime"
)

// newNATS returns a replica on its own subject prefix, shared by the
// replicas of one test.
func newNATS(t *testing.T, prefix string) *realtime.NATS {
	t.Helper()
	n, err := realtime.NewNATS(t.Context(), testdb.NATSURL(t), prefix, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func testPrefix() string {
	raw := make([]byte, 6)
	_, _ = rand.Read(raw)
	return "convene_test_" + hex.EncodeToString(raw)
}

func TestNATSConformance(t *testing.T) {
	conformance(t, func(t *testing.T) realtime.Broker { return newNATS(t, testPrefix()) })
}

func TestNATSReplicasHearEachOther(t *testing.T) {
	prefix := testPrefix()
	a, b := newNATS(t, prefix), newNATS(t, prefix)
	other := newNATS(t, testPrefix()) // another deployment on the same server
	onB := subscribe(t, t.Context(), b, "user:7")
	onOther := subscribe(t, t.Context(), other, "user:7")
	if err := a.Publish(t.Context(), "user:7", []byte(`{"eventId":1}`)); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, onB); got != `{"eventId":1}` {
		t.Fatalf("replica B got %q", got)
	}
	select {
	case m := <-onOther.Messages:
		t.Fatalf("another deployment heard %q", m)
	case <-time.After(200 * time.Millisecond):
	}
}
