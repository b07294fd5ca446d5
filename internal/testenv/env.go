// Package testenv runs Convene for tests: a fresh database (see testdb),
// the real App behind an httptest server, and a GraphQL client.
package testenv

import (
	"bytes"

	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"golang.org/x/crypto/bcrypt"

	"github.com/convene/convene/calls/media"
	"github.com/convene/convene/connectors/google/googlefake"
	"github.com/convene/convene/connectors/microsoft/microsoftfake"
	"github.com/convene/convene/connectors/sms"
	"github.com/convene/convene/connectors/sms/smsfake"
	"github.com/convene/convene/connectors/trueconf/trueconffake"
	"github.com/convene/convene/connectors/vcc/vccfake"
	"github.com/convene/convene/connectors/zoom/zoomfake"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/db"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/internal/testdb"
	"github.com/convene/convene/notify"
	"github.com/convene/convene/realtime"
	"github.com/convene/convene/secret"
	"github.com/convene/convene/server/app"
	"github.com/convene/convene/viewer"
)

// Env is a running Convene on a fresh database.
type Env struct {
	broker    BrokerFactory
	DB        *db.DB
	App       *app.App
	Keys      *secret.Keyring
	Server    *httptest.Server
	Queries   *testdb.Counter
	Mail      *Mailbox                 // every mail the server sent
	SMS       *smsfake.Gateway         // every text message it sent
	Zoom      *zoomfake.Zoom           // the Zoom account its Zoom credentials reach
	Google    *googlefake.Google       // the Google its Google credentials reach
	Microsoft *microsoftfake.Microsoft // the tenant its Microsoft credentials reach
	TrueConf  *trueconffake.TrueConf   // a TrueConf Server, at TrueConf.URL
	Center    *vccfake.Center          // a call center, at CenterURL
	CenterURL string
	logs      *lockedWriter
}

// BrokerFactory makes one replica's broker.
type BrokerFactory func(ctx context.Context, d *db.DB, log *slog.Logger) (realtime.Broker, error)

// New starts Convene on a fresh database of the given dialect. On Postgres
// it publishes through the database, as replicas do; on SQLite in memory.
func New(t testing.TB, dialect string, options ...Option) *Env {
	return NewWithBroker(t, dialect, nil, options...)
}

// Option changes a test server's settings.
type Option func(*app.Options)

// NewWithBroker is New with the replicas' broker made by newBroker (nil for
// the dialect's default).
func NewWithBroker(t testing.TB, name string, newBroker BrokerFactory, options ...Option) *Env {
	t.Helper()
	counter := &testdb.Counter{}
	d := testdb.Open(t, name, counter)
	keys, err := secret.ParseKeyring(secret.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	if newBroker == nil && name == dialect.Postgres {
		newBroker = func(ctx context.Context, d *db.DB, log *slog.Logger) (realtime.Broker, error) {
			return realtime.NewPostgres(ctx, d.URL, d.SQL, log)
		}
	}
	return start(t, d, keys, counter, newBroker, options...)
}

// Replica starts a second server on the same database, keys and kind of
// broker, as another replica of the same deployment.
func (e *Env) Replica(t testing.TB) *Env {
	t.Helper()
	return start(t, e.DB, e.Keys, e.Queries, e.broker)
}

func start(t testing.TB, d *db.DB, keys *secret.Keyring, counter *testdb.Counter, newBroker BrokerFactory, options ...Option) *Env {
	t.Helper()
	logs := &lockedWriter{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var broker realtime.Broker
	if newBroker != nil {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		var err error
		if broker, err = newBroker(ctx, d, log); err != nil {
			t.Fatal(err)
		}
	}
	mailbox := newMailbox(t)
	texts := &smsfake.Gateway{AccountSID: "AC" + strings.Repeat("0f", 16), AuthToken: "secret-token"}
	gateway := httptest.NewServer(texts)
	t.Cleanup(gateway.Close)
	zoomFake := zoomfake.New(ZoomAccountID, ZoomClientID, ZoomClientSecret)
	zoomServer := httptest.NewServer(zoomFake)
	t.Cleanup(zoomServer.Close)
	googleFake := googlefake.New(GoogleClientID, GoogleClientSecret)
	googleServer := httptest.NewServer(googleFake)
	t.Cleanup(googleServer.Close)
	microsoftFake := microsoftfake.New(MicrosoftClientID, MicrosoftClientSecret)
	microsoftServer := httptest.NewServer(microsoftFake)
	t.Cleanup(microsoftServer.Close)
	trueconfFake := trueconffake.New(TrueConfClientID, TrueConfClientSecret)
	trueconfServer := httptest.NewServer(trueconfFake)
	trueconfFake.URL = trueconfServer.URL
	t.Cleanup(trueconfServer.Close)
	center := vccfake.New(CallCenterDomain, CallCenterAccessKey)
	centerServer := httptest.NewServer(center)
	t.Cleanup(centerServer.Close)
	srv := httptest.NewUnstartedServer(nil) // its address is the public URL
	opts := app.Options{
		PublicURL: "http://" + srv.Listener.Addr().String(),
		DB:        d, Keys: keys, Log: log, Broker: broker,
		SMTP:         notify.SMTPConfig{Host: "127.0.0.1", Port: mailbox.addr.Port, TLS: "none", From: "convene@acme.example"},
		SMS:          sms.Config{BaseURL: gateway.URL, AccountSID: texts.AccountSID, AuthToken: texts.AuthToken, From: "+15005550006"},
		ReplyAddress: ReplyAddress, InboundSecret: InboundSecret,
		Media: media.Config{LoopbackOnly: true}, // no test sends media beyond 127.0.0.1
		Providers: &credentials.Providers{
			Zoom:      zoomfake.Endpoints(zoomServer.URL),
			Google:    googlefake.Endpoints(googleServer.URL),
			Microsoft: microsoftfake.Endpoints(microsoftServer.URL),
		},
		Introspection: true, RequestTimeout: 10 * time.Second, MaxBodyBytes: 1 << 20,
		BcryptCost: bcrypt.MinCost, WebSocketInitTimeout: time.Second, WebSocketPingInterval: TestPingInterval, MaxUserSockets: TestSocketsPerUser,
	}
	for _, o := range options {
		o(&opts)
	}
	a, err := app.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	a.Start(ctx)
	t.Cleanup(func() { stop(); a.Close() })
	srv.Config.Handler = a.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return &Env{broker: newBroker, DB: d, App: a, Keys: keys, Server: srv, Queries: counter, logs: logs, Mail: mailbox, SMS: texts,
		Zoom: zoomFake, Google: googleFake, Microsoft: microsoftFake, TrueConf: trueconfFake,
		Center: center, CenterURL: centerServer.URL}
}

// Logs returns everything the server logged so far, at debug level.
func (e *Env) Logs() string { return e.logs.String() }

// ForEachDB runs f as a subtest on SQLite and on Postgres.
func ForEachDB(t *testing.T, f func(t *testing.T, env *Env)) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) { f(t, New(t, d)) })
	}
}

// Response is a GraphQL response.
type Response struct {
	Status int
	Data   json.RawMessage
	Errors []Error
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the first error's extensions.code, or "" without errors.
func (r Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code
}

// Field is the first error's extensions.field.
func (r Response) Field() string {
	if len(r.Errors) == 0 {
		return ""
	}
	field, _ := r.Errors[0].Extensions["field"].(string)
	return field
}

// Decode unmarshals data into v, failing on errors.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("GraphQL errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Data, err)
	}
}

// Query posts a GraphQL operation with token (may be empty).
func (e *Env) Query(t testing.TB, token, query string, vars map[string]any) Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.Do(t, req)
}

// Do sends a prepared request to the server and reads a GraphQL response.
func (e *Env) Do(t testing.TB, req *http.Request) Response {
	t.Helper()
	res, err := e.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := Response{Status: res.StatusCode}
	if err := json.Unmarshal(raw, &out); err != nil {
		out.Errors = []Error{{Message: strings.TrimSpace(string(raw))}}
	}
	return out
}

// Must posts an operation and decodes its data into v, failing on errors.
func (e *Env) Must(t testing.TB, token, query string, vars map[string]any, v any) {
	t.Helper()
	e.Query(t, token, query, vars).Decode(t, v)
}

// Company is a company made for a test, with signed-in people.
type Company struct {
	Company     *ent.Company
	Admin       *ent.User
	Member      *ent.User
	AdminToken  string
	MemberToken string
}

// Password is every fixture user's password.
const Password = "correct horse battery"

// NewCompany creates a company with an admin and a member, both signed in.
func (e *Env) NewCompany(t testing.TB, name string) *Company {
	t.Helper()
	ctx := viewer.NewSystemContext(context.Background(), viewer.SystemSeed)
	co, err := e.DB.Client.Company.Create().SetName(name).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slug := strings.ToLower(strings.ReplaceAll(name, " ", "-"))
	c := &Company{Company: co}
	c.Admin = e.NewUser(t, co, "Admin of "+name, "admin@"+slug+".example", user.RoleADMIN)
	c.Member = e.NewUser(t, co, "Member of "+name, "member@"+slug+".example", user.RoleMEMBER)
	c.AdminToken = e.Login(t, c.Admin.Email)
	c.MemberToken = e.Login(t, c.Member.Email)
	return c
}

// NewUser creates an active user whose password is Password.
func (e *Env) NewUser(t testing.TB, co *ent.Company, name, email string, role user.Role) *ent.User {
	t.Helper()
	hash, _ := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.MinCost)
	ctx := viewer.NewSystemContext(context.Background(), viewer.SystemSeed)
	u, err := e.DB.Client.User.Create().SetCompany(co).SetName(name).SetEmail(email).
		SetRole(role).SetPasswordHash(hash).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Login signs in through GraphQL and returns the access token.
func (e *Env) Login(t testing.TB, email string) string {
	return e.LoginWith(t, email, Password)
}

// LoginWith signs in with a given password and returns the access token.
func (e *Env) LoginWith(t testing.TB, email, password string) string {
	t.Helper()
	var out struct{ Login struct{ AccessToken string } }
	e.Must(t, "", `mutation($e:String!,$p:String!){ login(email:$e, password:$p){ accessToken } }`,
		map[string]any{"e": email, "p": password}, &out)
	return out.Login.AccessToken
}

// As returns a context acting as u, for direct ent calls in tests.
func As(u *ent.User) context.Context {
	return viewer.NewContext(context.Background(), viewer.Viewer{UserID: u.ID, CompanyID: u.CompanyID, Role: viewer.Role(u.Role)})
}

// The fake Zoom account's Server-to-Server app.
const (
	ZoomAccountID    = "zoom-account-1"
	ZoomClientID     = "zoom-client-1"
	ZoomClientSecret = "zoom-secret-1"
)

// The fake Google's OAuth client.
const (
	GoogleClientID     = "convene-test.apps.googleusercontent.com"
	GoogleClientSecret = "google-secret-1"
)

// The fake Microsoft tenant's app registration.
const (
	MicrosoftClientID     = "00000000-0000-0000-0000-00000000c0de"
	MicrosoftClientSecret = "microsoft-secret-1"
)

// The fake TrueConf Server's OAuth client.
const (
	TrueConfClientID     = "convene"
	TrueConfClientSecret = "trueconf-secret-1"
)

// The fake call center's tenant.
const (
	CallCenterDomain    = "acme"
	CallCenterAccessKey = "vcc-access-key-1"
)

// ReplyAddress stands as ORGANIZER in test servers' invitations, and
// InboundSecret lets a test post replies to /inbound/itip.
const (
	ReplyAddress  = "meetings@convene.test"
	InboundSecret = "inbound-test-secret"
)

// TestSocketsPerUser is the WebSocket limit per user in test servers.
const TestSocketsPerUser = 4

// TestPingInterval is how often test servers ping their sockets: a test
// client that neither reads nor writes for two of them is closed.
const TestPingInterval = 2 * time.Second
