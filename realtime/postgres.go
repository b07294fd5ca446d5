package realtime

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lib/pq"
)

// maxNotifyPayload is Postgres's limit on a NOTIFY payload (8000 bytes,
// less one): notices carry ids, bulky data is loaded by id.
const maxNotifyPayload = 7999

// ErrMissedNotices ends the subscriptions of a replica whose listener lost
// its connection: notices sent meanwhile are gone, so clients reconnect and
// catch up from the stored rows instead of silently missing them.
var ErrMissedNotices = errors.New("realtime: notices may have been missed while reconnecting")

// Postgres is a Broker shared by every replica on one database, through
// LISTEN/NOTIFY. Each replica fans out to its own subscribers in memory.
type Postgres struct {
	*Memory
	db       *sql.DB
	channel  string
	listener *pq.Listener
	log      *slog.Logger
}

// envelope is a notice on the wire: its topic and its payload.
type envelope struct {
	Topic   string          `json:"t"`
	Payload json.RawMessage `json:"p"`
}

// NewPostgres listens on dsn and publishes through db until ctx ends.
// The channel is named after the database schema, so deployments sharing a
// database in different schemas do not hear each other.
func NewPostgres(ctx context.Context, dsn string, db *sql.DB, log *slog.Logger) (*Postgres, error) {
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, fmt.Errorf("realtime: %w", err)
	}
	p := &Postgres{Memory: NewMemory(), db: db, channel: "convene_" + schema, log: log}
	p.listener = pq.NewListener(dsn, 100*time.Millisecond, 10*time.Second, p.connectionEvent)
	if err := p.listener.Listen(p.channel); err != nil {
		p.listener.Close()
		return nil, fmt.Errorf("realtime: listen: %w", err)
	}
	go p.run(ctx)
	return p, nil
}

// Publish implements Broker: a NOTIFY that every replica's listener hears,
// this one's included.
func (p *Postgres) Publish(ctx context.Context, topic string, payload []byte) error {
	msg, err := json.Marshal(envelope{Topic: topic, Payload: payload})
	if err != nil {
		return fmt.Errorf("realtime: %w", err)
	}
	if len(msg) > maxNotifyPayload {
		return fmt.Errorf("realtime: notice of %d bytes is over Postgres's %d", len(msg), maxNotifyPayload)
	}
	if _, err := p.db.ExecContext(ctx, "SELECT pg_notify($1, $2)", p.channel, string(msg)); err != nil {
		return fmt.Errorf("realtime: notify: %w", err)
	}
	return nil
}

// pingEvery checks the listener's connection while no notice arrives, so a
// dead one is found and replaced.
const pingEvery = 30 * time.Second

func (p *Postgres) run(ctx context.Context) {
	defer p.listener.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-p.listener.Notify:
			if n == nil { // the connection was re-established
				p.endAll(ErrMissedNotices)
				continue
			}
			var e envelope
			if err := json.Unmarshal([]byte(n.Extra), &e); err != nil {
				p.log.WarnContext(ctx, "realtime: unreadable notice", "err", err)
				continue
			}
			_ = p.Memory.Publish(ctx, e.Topic, e.Payload)
		case <-time.After(pingEvery):
			_ = p.listener.Ping()
		}
	}
}

func (p *Postgres) connectionEvent(ev pq.ListenerEventType, err error) {
	if ev == pq.ListenerEventDisconnected || ev == pq.ListenerEventConnectionAttemptFailed {
		p.log.Warn("realtime: listener connection lost; reconnecting", "err", err)
	}
}
