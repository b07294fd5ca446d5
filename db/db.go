// Package db opens Convene's database, SQLite by default or Postgres, and
// brings its schema up to date.
package db

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/convene/convene/internal/tick"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq"  // postgres driver
	_ "modernc.org/sqlite" // pure-Go sqlite driver

	"github.com/convene/convene/ent"
	_ "github.com/convene/convene/ent/runtime" // registers privacy policies and hooks; without it they never run
)

// DB is an open database with its ent client.
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string
	URL     string // as given to Open
}

// IsPostgres reports whether a database URL selects Postgres.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// DriverWrapper wraps the ent driver, e.g. to count queries in tests.
type DriverWrapper func(dialect.Driver) dialect.Driver

// Open connects to url: postgres://… for Postgres, otherwise a SQLite file
// path (created with its folder).
func Open(url string, wrap ...DriverWrapper) (*DB, error) {
	driver, name, dsn := "sqlite", dialect.SQLite, sqliteDSN(url)
	if IsPostgres(url) {
		driver, name, dsn = "postgres", dialect.Postgres, url
	} else if err := os.MkdirAll(filepath.Dir(strings.TrimPrefix(url, "file:")), 0o700); err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	sqlDB, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open: %w", err)
	}
	if name == dialect.SQLite {
		// One writer at a time is all SQLite allows; WAL lets reads go on beside it.
		sqlDB.SetMaxOpenConns(4)
	} else {
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(16)
	}
	var drv dialect.Driver = entsql.OpenDB(name, sqlDB)
	for _, w := range wrap {
		drv = w(drv)
	}
	client := ent.NewClient(ent.Driver(drv))
	return &DB{Client: client, SQL: sqlDB, Dialect: name, URL: url}, nil
}

// sqliteDSN adds the pragmas Convene relies on: foreign keys (ent needs
// them), WAL for concurrent readers, a busy timeout instead of instant
// SQLITE_BUSY, and immediate transactions so a write never fails on upgrade.
func sqliteDSN(path string) string {
	path = strings.TrimPrefix(path, "file:")
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
		"&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"
}

// Migrate creates or updates the schema.
func (d *DB) Migrate(ctx context.Context) error {
	if err := d.Client.Schema.Create(ctx); err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	return nil
}

// Ping checks the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.SQL.PingContext(ctx) }

// Close closes the client and its connections.
func (d *DB) Close() error { return d.Client.Close() }

// WithTx runs fn in a transaction, committing if it returns nil.
func WithTx(ctx context.Context, client *ent.Client, fn func(tx *ent.Tx) error) error {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// ForUpdate locks the selected rows on Postgres; use it with a query's
// Modify. SQLite has no row locks and needs none: its transactions are
// opened IMMEDIATE, so writers already run one at a time.
func ForUpdate(s *entsql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.ForUpdate()
	}
}

// Optimize refreshes SQLite's query-planner statistics, as SQLite advises
// for long-lived connections: at start and then periodically. Without them
// SQLite takes company_id (every row of a tenant) for a selective filter and
// scans a company's events. Postgres keeps its own statistics.
func (d *DB) Optimize(ctx context.Context) error {
	if d.Dialect != dialect.SQLite {
		return nil
	}
	if _, err := d.SQL.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		return fmt.Errorf("db: optimize: %w", err)
	}
	return nil
}

// OptimizeEvery runs Optimize every interval until ctx ends.
func (d *DB) OptimizeEvery(ctx context.Context, interval time.Duration, log *slog.Logger) {
	tick.Every(ctx, interval, func(time.Time) {
		if err := d.Optimize(ctx); err != nil {
			log.WarnContext(ctx, "refreshing planner statistics", "err", err)
		}
	})
}
