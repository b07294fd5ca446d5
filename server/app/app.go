// Package app wires Convene together: the database, the domain services, the
// GraphQL handler and the HTTP routes. The server binary, the tests and the
// load tools all build the same App.
package app

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/convene/convene/auth"
	"github.com/convene/convene/calls"
	"github.com/convene/convene/calls/media"
	"github.com/convene/convene/calsync"
	"github.com/convene/convene/conferencing"
	"github.com/convene/convene/connectors/sms"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/db"
	"github.com/convene/convene/directory"
	"github.com/convene/convene/discussion"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/notification"
	"github.com/convene/convene/graph"
	"github.com/convene/convene/jobs"
	"github.com/convene/convene/notify"
	"github.com/convene/convene/realtime"
	"github.com/convene/convene/scheduling"
	"github.com/convene/convene/secret"
	"github.com/convene/convene/server/graphiql"
)

// Options configure an App.
type Options struct {
	DB             *db.DB
	PublicURL      string // links in mail point here
	SMTP           notify.SMTPConfig
	SMS            sms.Config
	ReplyAddress   string                 // stands as ORGANIZER in invitations; see InboundSecret
	InboundSecret  string                 // guards POST /inbound/itip; empty turns it off
	JobWorkers     int                    // background jobs run at once; 0 means 4
	Providers      *credentials.Providers // nil means the providers' own hosts; tests and the demo name fakes
	Keys           *secret.Keyring
	Log            *slog.Logger
	AllowedOrigins []string // browser origins besides the server's own
	Introspection  bool
	Development    bool
	RequestTimeout time.Duration
	MaxBodyBytes   int64
	BcryptCost     int // 0 for bcrypt's default; tests lower it
	// WebSocketInitTimeout is how long a socket may wait to send
	// connection_init; 0 means 10 seconds.
	WebSocketInitTimeout time.Duration
	// WebSocketPingInterval is how often sockets are pinged; one silent for
	// two intervals is closed. 0 means 25 seconds.
	WebSocketPingInterval time.Duration
	// MaxUserSockets is how many WebSockets one user or token may keep open;
	// 0 means 20 (a few devices, each with a few tabs).
	MaxUserSockets int
	// Broker carries notices to subscribers; nil means one in memory, for a
	// single process. Replicas share one (realtime.NewPostgres).
	Broker realtime.Broker
	// CalendarSyncInterval is how often connected calendars sync; 0 means
	// calsync.DefaultInterval.
	CalendarSyncInterval time.Duration
	// Media configures the SFU of in-app calls. Its peers live in this
	// process: a call's participants must reach the same replica.
	Media media.Config
}

// IsValid reports the first missing option.
func (o Options) IsValid() error {
	switch {
	case o.DB == nil:
		return errors.New("app: no database")
	case o.Keys == nil:
		return errors.New("app: no secret keyring")
	case o.Log == nil:
		return errors.New("app: no logger")
	case o.RequestTimeout <= 0 || o.MaxBodyBytes <= 0:
		return errors.New("app: request timeout and body limit must be positive")
	}
	return nil
}

// App is a running Convene, minus the listener.
type App struct {
	opts    Options
	Auth    *auth.Service
	Metrics *Metrics
	Broker  realtime.Broker
	// Credentials holds the company's connections to outside systems.
	Credentials *credentials.Store
	discussion  *discussion.Discussion
	// Jobs runs the background work: mail, reminders, provider calls.
	Jobs    *jobs.Queue
	query   *graph.Handler
	links   *notify.AnswerLinks
	feeds   *notify.Feeds
	planner *scheduling.Planner
	answers answerPage
	consent consentPage
	reports callReports
	sync    *calsync.Syncer
	handler http.Handler
	running sync.WaitGroup
}

// Start runs the background work until ctx ends.
func (a *App) Start(ctx context.Context) {
	a.running.Add(2)
	go func() {
		defer a.running.Done()
		a.Jobs.Run(ctx)
	}()
	go func() {
		defer a.running.Done()
		a.sync.Every(ctx, cmp.Or(a.opts.CalendarSyncInterval, calsync.DefaultInterval))
	}()
}

// Close closes the WebSockets and waits for the background work Start
// began to stop, which it does once Start's context has ended.
func (a *App) Close() {
	a.query.CloseSockets()
	a.running.Wait()
}

// GraphQL limits. A page of 50 events with attendees and their users costs
// about 50×6; the limit leaves room for that and refuses much larger work.
const (
	complexityLimit  = 5000
	maxDepth         = 12
	maxAliases       = 30
	parserTokenLimit = 15000
	wsInitTimeout    = 10 * time.Second // default of Options.WebSocketInitTimeout
	wsMaxOps         = 64               // operations on one WebSocket: every subscription a client has
	wsMaxUserSockets = 20               // default of Options.MaxUserSockets
	wsPingInterval   = 25 * time.Second // default of Options.WebSocketPingInterval
)

// New builds the App.
func New(o Options) (*App, error) {
	if err := o.IsValid(); err != nil {
		return nil, err
	}
	tokenKey, err := o.Keys.DeriveKey("access tokens")
	if err != nil {
		return nil, err
	}
	authSvc, err := auth.New(o.DB.Client, auth.Config{SigningKey: tokenKey, BcryptCost: o.BcryptCost})
	if err != nil {
		return nil, err
	}
	var broker realtime.Broker = realtime.NewMemory()
	if o.Broker != nil {
		broker = o.Broker
	}
	a := &App{opts: o, Auth: authSvc, Metrics: newMetrics(), Broker: broker,
		discussion: discussion.New(o.DB.Client, broker), Jobs: jobs.NewQueue(o.DB, jobs.Options{Log: o.Log, Workers: o.JobWorkers})}
	a.Metrics.watchJobs(a.Jobs.Counts, o.Log)
	if counts, ok := broker.(subscriberCounts); ok { // all three brokers embed realtime.Memory
		a.Metrics.watchBroker(counts)
	}
	providers := credentials.Production
	if o.Providers != nil {
		providers = *o.Providers
	}
	creds := credentials.New(o.DB.Client, o.Keys, providers, o.PublicURL)
	creds.Tell = a.pushNotice
	a.Credentials = creds
	planner := scheduling.NewPlanner(o.DB.Client, creds, a.publishEventChange)
	if err := a.handleJobs(o, creds, planner); err != nil {
		return nil, err
	}
	a.feeds = notify.NewFeeds(o.DB.Client)
	a.planner = planner
	sfu, err := media.New(o.Media)
	if err != nil {
		return nil, err
	}
	phoneCalls := calls.New(calls.Options{Client: o.DB.Client, Broker: broker, Media: sfu, Tell: a.pushNotice, Log: o.Log})
	a.Jobs.Handle(calls.KindRingTimeout, phoneCalls.RingTimedOut)
	a.reports = callReports{inbox: calls.NewInbox(o.DB.Client, phoneCalls, creds), log: o.Log}
	a.answers = answerPage{client: o.DB.Client, links: a.links, planner: planner, log: o.Log}
	resolver := &graph.Resolver{
		Client:      o.DB.Client,
		Auth:        authSvc,
		Directory:   directory.New(o.DB.Client, authSvc),
		Credentials: creds,
		Agents:      calls.NewAgents(o.DB.Client, creds),
		Calling:     phoneCalls,
		Sync:        a.sync,
		Calendar:    scheduling.NewCalendar(o.DB.Client),
		Planner:     planner,
		Broker:      a.Broker,
		Discussion:  a.discussion,
		Jobs:        a.Jobs,
		Feeds:       a.feeds,
		PublicURL:   o.PublicURL,
	}
	origins := originPolicy{allowed: o.AllowedOrigins}
	a.query = graph.NewHandler(graph.NewSchema(resolver), graph.HandlerOptions{
		Log:              o.Log,
		Authenticate:     authSvc.Authenticate,
		Introspection:    o.Introspection,
		Suggestions:      o.Development,
		ComplexityLimit:  complexityLimit,
		Shape:            graph.ShapeLimit{MaxDepth: maxDepth, MaxAliases: maxAliases},
		ParserTokenLimit: parserTokenLimit,
		CheckOrigin:      origins.allows,
		InitTimeout:      cmp.Or(o.WebSocketInitTimeout, wsInitTimeout),
		MaxSocketOps:     wsMaxOps,
		MaxUserSockets:   cmp.Or(o.MaxUserSockets, wsMaxUserSockets),
		MaxMessageBytes:  o.MaxBodyBytes,
		PingInterval:     cmp.Or(o.WebSocketPingInterval, wsPingInterval),
		CountError:       func(code string) { a.Metrics.graphqlErrors.WithLabelValues(code).Inc() },
		SocketOpened:     a.Metrics.sockets.Inc,
		SocketClosed:     a.Metrics.sockets.Dec,
	})
	a.handler = a.routes(origins.cors(a.query))
	return a, nil
}

// handleJobs sets what runs each kind of background work.
func (a *App) handleJobs(o Options, creds *credentials.Store, planner *scheduling.Planner) error {
	key, err := o.Keys.DeriveKey("answer links")
	if err != nil {
		return err
	}
	a.links = notify.NewAnswerLinks(key, o.PublicURL)
	mailer := notify.NewMailer(o.SMTP)
	var texts *sms.Client
	if o.SMS.Configured() {
		texts = sms.New(o.SMS)
	}
	a.Jobs.Handle(notify.KindInvitationMail, notify.NewInvitations(o.DB.Client, mailer, a.links, o.ReplyAddress).Mail)
	a.Jobs.Handle(scheduling.KindReminderDue, scheduling.NewReminders(o.DB.Client).Due)
	a.Jobs.Handle(discussion.KindRefreshMeetingPosts, a.discussion.RefreshMeetingPostsJob)
	conferences := conferencing.New(o.DB.Client, creds, planner)
	a.sync = calsync.New(o.DB.Client, creds, a.Jobs.Wake, o.Log)
	a.Jobs.Handle(calsync.KindSync, a.sync.Sync)
	a.consent = consentPage{creds: creds, log: o.Log, connected: func(ctx context.Context, c *ent.Credential) error {
		if c.UserID != nil { // an employee's own calendar: its first sync
			return a.sync.Request(ctx, c.CompanyID, *c.UserID, c.Provider)
		}
		return conferences.Resume(ctx, c)
	}}
	a.Jobs.Handle(conferencing.KindCreate, conferences.Create)
	a.Jobs.Handle(conferencing.KindUpdate, conferences.Update)
	a.Jobs.Handle(conferencing.KindDelete, conferences.Delete)
	a.Jobs.Handle(conferencing.KindAdvance, conferences.Update)
	a.Jobs.Handle(notify.KindReminderSend, notify.NewReminders(o.DB.Client, mailer, texts, a.pushNotice).Send)
	return nil
}

// publishEventChange tells the calendars that show an event of its change,
// and wakes the job queue for the mail the change enqueued.
func (a *App) publishEventChange(ctx context.Context, c scheduling.Change) {
	a.Jobs.Wake()
	a.Metrics.eventChanges.WithLabelValues(string(c.Kind)).Inc()
	topics := make([]string, 0, len(c.Users)+len(c.Rooms))
	for _, u := range c.Users {
		topics = append(topics, realtime.UserTopic(u))
	}
	for _, r := range c.Rooms {
		topics = append(topics, realtime.RoomTopic(r))
	}
	changed := realtime.EventChanged{Kind: string(c.Kind), EventID: c.EventID, Version: c.Version}
	if err := realtime.PublishJSON(ctx, a.Broker, changed, topics...); err != nil {
		a.opts.Log.WarnContext(ctx, "publishing an event change", "err", err)
	}
	for _, n := range c.Notices {
		a.pushNotice(ctx, n)
	}
	if err := a.sync.Soon(ctx, c.Users); err != nil { // the scheduled round still comes
		a.opts.Log.WarnContext(ctx, "syncing calendars after a change", "err", err)
	}
	if c.Channel != nil && c.Kind == scheduling.Created { // changes reach posts through a job
		if err := a.discussion.MeetingPosted(ctx, c.EventID); err != nil {
			a.opts.Log.WarnContext(ctx, "announcing a meeting's post", "err", err)
		}
	}
}

// pushNotice tells a user's sockets of a stored notice.
func (a *App) pushNotice(ctx context.Context, n *ent.Notification) {
	notice := realtime.NotificationAdded{NotificationID: n.ID, Kind: string(n.Kind)}
	if n.EventID != nil {
		notice.EventID = *n.EventID
	}
	if err := realtime.PublishJSON(ctx, a.Broker, notice, realtime.NoticeTopic(n.UserID)); err != nil {
		a.opts.Log.WarnContext(ctx, "pushing a notice", "err", err)
	}
	if n.Kind == notification.KindINVITATION && n.EventID != nil {
		invited := realtime.Invited{UserID: n.UserID, EventID: *n.EventID}
		if err := realtime.PublishJSON(ctx, a.Broker, invited, realtime.CompanyTopic(n.CompanyID, "invites")); err != nil {
			a.opts.Log.WarnContext(ctx, "publishing an invitation", "err", err)
		}
	}
}

// Handler is the whole HTTP surface.
func (a *App) Handler() http.Handler { return a.handler }

func (a *App) routes(query http.Handler) http.Handler {
	mux := http.NewServeMux()
	ui := graphiql.Handler()
	mux.Handle("GET /{$}", ui)
	mux.Handle("GET /graphiql/", ui)
	mux.Handle("/query", query)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", a.ready)
	mux.Handle("GET /metrics", a.Metrics.handler())
	mux.HandleFunc("GET /rsvp/{token}", a.answers.show)
	mux.HandleFunc("POST /rsvp/{token}", a.answers.record)
	mux.HandleFunc("GET /calendar/{feed}", a.calendarFeed)
	mux.HandleFunc("POST /inbound/itip", a.inboundReply)
	mux.HandleFunc("GET /oauth/{provider}/callback", a.consent.callback)
	mux.HandleFunc("POST /webhooks/vcc", a.reports.receive)
	// instrument sits inside limitRequest, so it sees the request the mux
	// stamps with its route pattern.
	return limitRequest(a.opts.MaxBodyBytes, a.opts.RequestTimeout, a.Metrics.instrument(a.opts.Log, mux))
}

// calendarFeed serves /calendar/{token}.ics to calendar apps.
func (a *App) calendarFeed(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutSuffix(r.PathValue("feed"), ".ics")
	if !ok {
		http.NotFound(w, r)
		return
	}
	cal, err := a.feeds.Calendar(r.Context(), token)
	if ent.IsNotFound(err) {
		http.Error(w, "no such calendar feed: it may have been reset", http.StatusNotFound)
		return
	}
	if err != nil {
		a.opts.Log.ErrorContext(r.Context(), "calendar feed", "err", err)
		http.Error(w, "the calendar could not be read", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(cal)
}

// ready answers 200 while the database answers.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.opts.DB.Ping(ctx); err != nil {
		a.opts.Log.WarnContext(ctx, "readyz: database unreachable", "err", err)
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
