package realtime

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/nats-io/nats.go"
)

// NATS is a Broker shared by every replica through a NATS server, for
// deployments that outgrow Postgres notifications. Each replica fans out to
// its own subscribers in memory.
type NATS struct {
	*Memory
	conn   *nats.Conn
	prefix string
}

// NewNATS connects to url and carries notices under subjects prefix.<topic>
// until ctx ends. Deployments sharing a server use different prefixes.
func NewNATS(ctx context.Context, url, prefix string, log *slog.Logger) (*NATS, error) {
	n := &NATS{Memory: NewMemory(), prefix: prefix}
	conn, err := nats.Connect(url, nats.Name("convene"), nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("realtime: NATS connection lost; reconnecting", "err", err)
		}),
		// Core NATS does not replay what was sent meanwhile.
		nats.ReconnectHandler(func(*nats.Conn) { n.endAll(ErrMissedNotices) }))
	if err != nil {
		return nil, fmt.Errorf("realtime: nats: %w", err)
	}
	_, err = conn.Subscribe(prefix+".>", func(m *nats.Msg) {
		_ = n.Memory.Publish(ctx, strings.TrimPrefix(m.Subject, prefix+"."), m.Data)
	})
	if err == nil {
		err = conn.Flush() // the subscription is in place before anything is published
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("realtime: nats: %w", err)
	}
	n.conn = conn
	context.AfterFunc(ctx, conn.Close)
	return n, nil
}

// Publish implements Broker.
func (n *NATS) Publish(_ context.Context, topic string, payload []byte) error {
	if err := n.conn.Publish(n.prefix+"."+topic, payload); err != nil {
		return fmt.Errorf("realtime: nats publish: %w", err)
	}
	return nil
}
