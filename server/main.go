// Command server runs Convene. With no settings it keeps its data in a SQLite
// file under ./data; -demo fills a demo company to try in GraphiQL.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // IANA zones even on machines without them

	"github.com/convene/convene/db"
	"github.com/convene/convene/demo"
	"github.com/convene/convene/realtime"
	"github.com/convene/convene/secret"
	"github.com/convene/convene/server/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "convene:", err)
		os.Exit(1)
	}
}

// drainTimeout is how long a shutdown waits for requests in flight.
const drainTimeout = 20 * time.Second

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	started := time.Now()
	if len(args) == 1 && args[0] == "-new-key" {
		_, err := fmt.Fprintln(stdout, secret.NewKey())
		return err
	}
	cfg, err := ParseConfig(args, getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	var fakes *demo.Providers // the demo's video providers, fakes inside this process
	if cfg.Demo {
		if fakes, err = demo.StartProviders(); err != nil {
			return err
		}
		defer fakes.Close()
	}
	a, database, err := build(ctx, cfg, log, fakes)
	if err != nil {
		return err
	}
	defer database.Close()
	listener, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if cfg.Demo {
		if err := printDemo(ctx, stdout, cfg, database, a, fakes); err != nil {
			return err
		}
	}
	go database.OptimizeEvery(ctx, time.Hour, log)
	log.Info("convene is running", "graphiql", cfg.PublicURL+"/", "listen", listener.Addr().String(),
		"database", database.Dialect, "startup", time.Since(started).Round(time.Millisecond))
	a.Start(ctx)
	defer a.Close()
	return serve(ctx, listener, a.Handler(), log)
}

func build(ctx context.Context, cfg Config, log *slog.Logger, fakes *demo.Providers) (*app.App, *db.DB, error) {
	keySpec, err := loadOrCreateKey(cfg, secret.NewKey, log)
	if err != nil {
		return nil, nil, err
	}
	keys, err := secret.ParseKeyring(keySpec)
	if err != nil {
		return nil, nil, err
	}
	database, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	err = database.Migrate(ctx)
	if err == nil {
		err = database.Optimize(ctx)
	}
	if err != nil {
		database.Close()
		return nil, nil, err
	}
	broker, err := newBroker(ctx, cfg, database, log)
	if err != nil {
		database.Close()
		return nil, nil, err
	}
	opts := app.Options{
		DB: database, Keys: keys, Log: log, AllowedOrigins: cfg.AllowedOrigins, Broker: broker,
		Introspection: cfg.Introspection, Development: cfg.Development,
		RequestTimeout: cfg.RequestTimeout, MaxBodyBytes: cfg.MaxBodyBytes, MaxUserSockets: cfg.MaxUserSockets,
		PublicURL: cfg.PublicURL, SMTP: cfg.SMTP, SMS: cfg.SMS, ReplyAddress: cfg.ReplyAddress, InboundSecret: cfg.InboundSecret, JobWorkers: cfg.JobWorkers,
		Media: cfg.Media, CalendarSyncInterval: cfg.CalendarSync,
	}
	if fakes != nil {
		opts.Providers = &fakes.At
	}
	a, err := app.New(opts)
	if err != nil {
		database.Close()
		return nil, nil, err
	}
	return a, database, nil
}

// newBroker returns the configured broker; nil means the app's in-memory one.
func newBroker(ctx context.Context, cfg Config, database *db.DB, log *slog.Logger) (realtime.Broker, error) {
	switch cfg.Broker {
	case "postgres":
		return realtime.NewPostgres(ctx, cfg.DatabaseURL, database.SQL, log)
	case "nats":
		return realtime.NewNATS(ctx, cfg.NATSURL, "convene", log)
	}
	return nil, nil
}

// demoTokenTTL keeps the printed token usable for a working day of trying things.
const demoTokenTTL = 12 * time.Hour

func printDemo(ctx context.Context, w io.Writer, cfg Config, database *db.DB, a *app.App, fakes *demo.Providers) error {
	admin, err := demo.Seed(ctx, database.Client, time.Now())
	if err != nil {
		return err
	}
	if err := fakes.Connect(ctx, a.Credentials, admin); err != nil {
		return err
	}
	token, err := a.Auth.IssueAccessToken(admin, demoTokenTTL)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, `
Convene demo company is ready.
  GraphiQL:  %s/
  Sign in:   %s / %s   (every demo employee's password is %q)
  Headers:   {"Authorization": "Bearer %s"}
             (paste into GraphiQL's Headers tab; valid %s)
  Online meetings: Zoom, Google Meet, Teams and TrueConf here are fakes inside
             this process, so createEvent with provider ZOOM, GOOGLE_MEET, TEAMS or
             TRUECONF gets a link a moment later (watch eventChanged). The links are not real.

`, cfg.PublicURL, demo.AdminEmail, demo.Password, demo.Password, token, demoTokenTTL)
	return err
}

// serve runs the HTTP server until ctx ends, then drains requests in flight.
// WebSockets are hijacked and not drained by Shutdown: the App closes them.
func serve(ctx context.Context, l net.Listener, h http.Handler, log *slog.Logger) error {
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests", "timeout", drainTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	cancelBase()
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return err
}
