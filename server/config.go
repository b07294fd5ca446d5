package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/convene/convene/calls/media"
	"github.com/convene/convene/connectors/sms"
	"github.com/convene/convene/db"
	"github.com/convene/convene/notify"
)

// Config is everything the server reads at start. Each field comes from a
// flag or, when the flag is not given, from its CONVENE_ environment variable.
type Config struct {
	Addr           string
	DatabaseURL    string
	PublicURL      string
	SecretKey      string // keyring "v1:BASE64[,v2:BASE64]"; secrets at rest and token signing
	AllowedOrigins []string
	LogLevel       slog.Level
	Demo           bool
	Introspection  bool
	Development    bool
	RequestTimeout time.Duration
	MaxBodyBytes   int64
	Broker         string // memory, postgres or nats
	MaxUserSockets int
	NATSURL        string
	SMTP           notify.SMTPConfig
	SMS            sms.Config
	// ReplyAddress is the mailbox that stands as ORGANIZER in invitations,
	// so mail clients' Accept/Decline replies reach Convene.
	ReplyAddress string
	// InboundSecret guards POST /inbound/itip, where that mailbox is piped.
	InboundSecret string
	JobWorkers    int
	Media         media.Config // in-app calls' SFU
	CalendarSync  time.Duration
}

// defaultDatabase is the embedded default: a SQLite file, no server needed.
const defaultDatabase = "data/convene.db"

// ParseConfig reads args and the environment.
func ParseConfig(args []string, getenv func(string) string) (Config, error) {
	var c Config
	var origins, level string
	env := func(name, def string) string {
		if v := getenv("CONVENE_" + name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("convene", flag.ContinueOnError)
	fs.StringVar(&c.Addr, "addr", env("ADDR", ":8080"), "listen address (CONVENE_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", defaultDatabase),
		"SQLite file path, or postgres://… (CONVENE_DATABASE_URL)")
	fs.StringVar(&c.PublicURL, "public-url", env("PUBLIC_URL", ""), "URL users reach the server at (CONVENE_PUBLIC_URL)")
	fs.StringVar(&c.SecretKey, "secret-key", env("SECRET_KEY", ""),
		"v1:BASE64 32-byte key for secrets at rest and tokens (CONVENE_SECRET_KEY); generated into ./data for SQLite")
	fs.StringVar(&origins, "allowed-origins", env("ALLOWED_ORIGINS", ""),
		"comma-separated browser origins allowed besides the public URL (CONVENE_ALLOWED_ORIGINS)")
	fs.StringVar(&level, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (CONVENE_LOG_LEVEL)")
	fs.BoolVar(&c.Demo, "demo", env("DEMO", "") == "true", "fill a demo company to try in GraphiQL (CONVENE_DEMO)")
	fs.BoolVar(&c.Introspection, "introspection", env("INTROSPECTION", "true") == "true", "allow schema introspection (CONVENE_INTROSPECTION)")
	fs.BoolVar(&c.Development, "dev", env("DEV", "") == "true", "development mode: field suggestions in errors (CONVENE_DEV)")
	fs.StringVar(&c.Broker, "broker", env("BROKER", ""),
		"where notices travel: memory (one process), postgres (replicas on one database) or nats; default postgres with Postgres (CONVENE_BROKER)")
	fs.StringVar(&c.NATSURL, "nats-url", env("NATS_URL", "nats://127.0.0.1:4222"), "NATS server for the nats broker (CONVENE_NATS_URL)")
	fs.StringVar(&c.SMTP.Host, "smtp-host", env("SMTP_HOST", ""), "SMTP server for invitation and reminder mail; none: mail jobs wait, failed, for one (CONVENE_SMTP_HOST)")
	fs.IntVar(&c.SMTP.Port, "smtp-port", 587, "SMTP port")
	fs.StringVar(&c.SMTP.TLS, "smtp-tls", env("SMTP_TLS", "starttls"), "starttls (required), tls (implicit, port 465) or none (CONVENE_SMTP_TLS)")
	fs.StringVar(&c.SMTP.Username, "smtp-user", env("SMTP_USER", ""), "SMTP user (CONVENE_SMTP_USER)")
	c.SMTP.Password = getenv("CONVENE_SMTP_PASSWORD") // environment only: flags show in ps
	fs.StringVar(&c.SMTP.From, "mail-from", env("MAIL_FROM", "convene@localhost"), "sender address of mail (CONVENE_MAIL_FROM)")
	fs.StringVar(&c.ReplyAddress, "reply-address", env("REPLY_ADDRESS", ""),
		"mailbox named as ORGANIZER in invitations, piped to /inbound/itip, so Accept/Decline in mail clients counts (CONVENE_REPLY_ADDRESS)")
	c.InboundSecret = getenv("CONVENE_INBOUND_SECRET") // environment only: flags show in ps
	fs.StringVar(&c.SMS.BaseURL, "sms-base-url", env("SMS_BASE_URL", "https://api.twilio.com"), "SMS gateway speaking Twilio's Messages API (CONVENE_SMS_BASE_URL)")
	fs.StringVar(&c.SMS.AccountSID, "sms-account-sid", env("SMS_ACCOUNT_SID", ""), "SMS gateway account; none: SMS reminders fail, visibly (CONVENE_SMS_ACCOUNT_SID)")
	c.SMS.AuthToken = getenv("CONVENE_SMS_AUTH_TOKEN") // environment only: flags show in ps
	fs.StringVar(&c.SMS.From, "sms-from", env("SMS_FROM", ""), "sender number or id of SMS (CONVENE_SMS_FROM)")
	var iceServers, udpPorts string
	fs.StringVar(&iceServers, "ice-servers", env("ICE_SERVERS", ""), "STUN/TURN URLs for in-app calls, comma-separated (CONVENE_ICE_SERVERS)")
	fs.StringVar(&udpPorts, "media-udp-ports", env("MEDIA_UDP_PORTS", ""), "UDP port range of in-app calls' media, such as 50000-50999; none: any (CONVENE_MEDIA_UDP_PORTS)")
	fs.BoolVar(&c.Media.LoopbackOnly, "media-loopback", env("MEDIA_LOOPBACK", "") == "true", "in-app call media on 127.0.0.1 only, for load tools and a one-machine trial (CONVENE_MEDIA_LOOPBACK)")
	fs.DurationVar(&c.CalendarSync, "calendar-sync-interval", 5*time.Minute, "how often employees' own calendars sync (push notifications are not needed)")
	fs.IntVar(&c.JobWorkers, "job-workers", 4, "background jobs (mail, reminders, provider calls) this replica runs at once")
	fs.IntVar(&c.MaxUserSockets, "max-user-sockets", 20, "WebSockets one user or API token may keep open")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", 30*time.Second, "longest an HTTP request may run")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", 1<<20, "largest request body")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return c, fmt.Errorf("config: log level %q: want debug, info, warn or error", level)
	}
	for _, o := range splitList(origins) {
		c.AllowedOrigins = append(c.AllowedOrigins, strings.TrimRight(o, "/"))
	}
	c.Media.ICEServers = splitList(iceServers)
	if err := parsePortRange(udpPorts, &c.Media); err != nil {
		return c, err
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + localHost(c.Addr)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.Broker == "" {
		c.Broker = "memory"
		if db.IsPostgres(c.DatabaseURL) {
			c.Broker = "postgres"
		}
	}
	return c, c.IsValid()
}

// splitList reads a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// parsePortRange reads "min-max" into m; empty leaves any port.
func parsePortRange(s string, m *media.Config) error {
	if s == "" {
		return nil
	}
	lo, hi, ok := strings.Cut(s, "-")
	low, errLow := strconv.ParseUint(lo, 10, 16)
	high, errHigh := strconv.ParseUint(hi, 10, 16)
	if !ok || errLow != nil || errHigh != nil || low == 0 || low > high {
		return fmt.Errorf("config: media UDP ports %q: want a range such as 50000-50999", s)
	}
	m.UDPPortMin, m.UDPPortMax = uint16(low), uint16(high)
	return nil
}

// localHost turns a listen address into a host:port a browser on this machine can open.
func localHost(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return "localhost" + addr
	}
	return addr
}

// IsValid reports the first thing wrong with the configuration.
func (c Config) IsValid() error {
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("config: public URL %q must be an http or https URL", c.PublicURL)
	}
	for _, o := range c.AllowedOrigins {
		if u, err := url.Parse(o); err != nil || u.Host == "" || u.Path != "" {
			return fmt.Errorf("config: allowed origin %q must look like https://app.example.com", o)
		}
	}
	if db.IsPostgres(c.DatabaseURL) && c.SecretKey == "" {
		return errors.New("config: a Postgres deployment needs CONVENE_SECRET_KEY (make one with: convene -new-key)")
	}
	if c.Broker != "memory" && c.Broker != "postgres" && c.Broker != "nats" {
		return fmt.Errorf("config: broker %q: want memory, postgres or nats", c.Broker)
	}
	if c.Broker == "postgres" && !db.IsPostgres(c.DatabaseURL) {
		return errors.New("config: the postgres broker needs a postgres:// database URL")
	}
	if c.ReplyAddress != "" && len(c.InboundSecret) < 16 {
		return errors.New("config: -reply-address needs CONVENE_INBOUND_SECRET (16 characters or more) to guard /inbound/itip")
	}
	if t := c.SMTP.TLS; t != "starttls" && t != "tls" && t != "none" {
		return fmt.Errorf("config: smtp-tls %q: want starttls, tls or none", t)
	}
	if c.RequestTimeout <= 0 || c.MaxBodyBytes <= 0 || c.MaxUserSockets <= 0 || c.JobWorkers <= 0 || c.CalendarSync <= 0 {
		return errors.New("config: request timeout, body limit, sockets per user, job workers and calendar sync interval must be positive")
	}
	return nil
}

// loadOrCreateKey returns the configured secret key or, in embedded mode, the
// one kept in the data folder, made on first start.
func loadOrCreateKey(c Config, newKey func() string, log *slog.Logger) (string, error) {
	if c.SecretKey != "" {
		return c.SecretKey, nil
	}
	path := dataDir(c.DatabaseURL) + "/secret.key"
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("config: reading %s: %w", path, err)
	}
	key := newKey()
	if err := os.MkdirAll(dataDir(c.DatabaseURL), 0o700); err != nil {
		return "", fmt.Errorf("config: %w", err)
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("config: writing %s: %w", path, err)
	}
	log.Warn("no CONVENE_SECRET_KEY: generated one for this embedded database; back it up, secrets cannot be read without it", "path", path)
	return key, nil
}

func dataDir(databaseURL string) string {
	path := strings.TrimPrefix(databaseURL, "file:")
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i]
	}
	return "."
}
