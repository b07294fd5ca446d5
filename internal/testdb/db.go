// Package testdb gives tests a fresh, migrated database (a SQLite file or a
// Postgres schema of its own), a counter of SQL statements, and the NATS
// server's address. Domain packages use it alone; testenv adds the App.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/convene/convene/db"
)

// DefaultPostgresURL is the database CI and developers' machines provide.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresURL is CONVENE_TEST_POSTGRES_URL, or DefaultPostgresURL.
func PostgresURL() string {
	if u := os.Getenv("CONVENE_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// RequireOrSkip skips a test whose outside part is missing on a laptop, and
// fails it under CI=true, where everything must be present.
func RequireOrSkip(t testing.TB, format string, a ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and "+format, a...)
	}
	t.Skipf(format, a...)
}

// Counter counts SQL statements sent through a database.
type Counter struct{ n atomic.Int64 }

// Reset zeroes the count.
func (c *Counter) Reset() { c.n.Store(0) }

// Count returns the statements since the last Reset.
func (c *Counter) Count() int { return int(c.n.Load()) }

func (c *Counter) wrap(d dialect.Driver) dialect.Driver { return countingDriver{Driver: d, c: c} }

type countingDriver struct {
	dialect.Driver
	c *Counter
}

func (d countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.c.n.Add(1)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.c.n.Add(1)
	return d.Driver.Query(ctx, query, args, v)
}

// OpenSQLite opens a migrated SQLite database in a temporary folder.
func OpenSQLite(t testing.TB, c *Counter) *db.DB {
	t.Helper()
	return openMigrated(t, filepath.Join(t.TempDir(), "convene.db"), c)
}

// OpenPostgres opens a migrated Postgres database in a schema of its own,
// dropped when the test ends.
func OpenPostgres(t testing.TB, c *Counter) *db.DB {
	t.Helper()
	base := PostgresURL()
	admin, err := sql.Open("postgres", base)
	if err == nil {
		err = admin.Ping()
	}
	if err != nil {
		RequireOrSkip(t, "Postgres at %s is unreachable: %v", base, err)
	}
	raw := make([]byte, 6)
	_, _ = rand.Read(raw)
	schema := "t_" + hex.EncodeToString(raw)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("testenv: creating schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return openMigrated(t, base+sep+"search_path="+schema, c)
}

func openMigrated(t testing.TB, url string, c *Counter) *db.DB {
	t.Helper()
	var wrap []db.DriverWrapper
	if c != nil {
		wrap = append(wrap, c.wrap)
	}
	d, err := db.Open(url, wrap...)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return d
}

// Dialects names the databases every GraphQL-level test runs on.
var Dialects = []string{dialect.SQLite, dialect.Postgres}

// Open opens a fresh database of the given dialect.
func Open(t testing.TB, name string, c *Counter) *db.DB {
	t.Helper()
	if name == dialect.Postgres {
		return OpenPostgres(t, c)
	}
	return OpenSQLite(t, c)
}

// NATSURL is CONVENE_TEST_NATS_URL or the NATS server CI runs on
// 127.0.0.1:4222, checked to be reachable.
func NATSURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("CONVENE_TEST_NATS_URL")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "nats://"), time.Second)
	if err != nil {
		RequireOrSkip(t, "NATS at %s is unreachable: %v", url, err)
	}
	if conn != nil {
		conn.Close()
	}
	return url
}
