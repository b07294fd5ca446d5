package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/wneessen/go-mail"

	"github.com/convene/convene/jobs"
)

// Mail is one message to one person.
type Mail struct {
	ID       string // Message-ID, stable per effect: a resend is recognisably the same mail
	From     Person
	To       Person
	Subject  string
	Text     string
	HTML     string
	Calendar []byte // an iTIP part, or nil
	Method   string // the Calendar part's METHOD
}

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	Host     string
	Port     int
	TLS      string // "starttls" (required), "tls" (implicit, port 465) or "none"
	Username string
	Password string
	From     string // the sender address
}

// ErrNoSMTP fails mail jobs on a server without SMTP settings; an admin
// retries them once it has some.
var ErrNoSMTP = errors.New("notify: no SMTP server is configured (set -smtp-host)")

// Mailer sends mail through an SMTP server.
type Mailer struct{ cfg SMTPConfig }

// NewMailer returns a mailer for cfg; without a host it sends nothing and
// says so.
func NewMailer(cfg SMTPConfig) *Mailer { return &Mailer{cfg: cfg} }

// Sender is who mails come from.
func (m *Mailer) Sender() string { return m.cfg.From }

// Send delivers one mail.
func (m *Mailer) Send(ctx context.Context, msg Mail) error {
	if m.cfg.Host == "" {
		return jobs.Permanent(ErrNoSMTP) // retrying cannot help; an admin retries once there is a server
	}
	out, err := m.compose(msg)
	if err != nil {
		return err
	}
	client, err := mail.NewClient(m.cfg.Host, m.options()...)
	if err != nil {
		return fmt.Errorf("notify: smtp: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, out); err != nil {
		return fmt.Errorf("notify: smtp %s: %w", m.cfg.Host, err)
	}
	return nil
}

func (m *Mailer) options() []mail.Option {
	opts := []mail.Option{mail.WithPort(m.cfg.Port)}
	switch m.cfg.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if m.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain),
			mail.WithUsername(m.cfg.Username), mail.WithPassword(m.cfg.Password))
	}
	return opts
}

// compose builds the MIME message: text, HTML and the calendar part as
// alternatives (Outlook and Gmail read the text/calendar one), and the
// same calendar as an invite.ics attachment for clients that want a file.
func (m *Mailer) compose(msg Mail) (*mail.Msg, error) {
	out := mail.NewMsg()
	if err := out.FromFormat(msg.From.Name, m.cfg.From); err != nil {
		return nil, fmt.Errorf("notify: sender %q: %w", m.cfg.From, err)
	}
	if err := out.AddToFormat(msg.To.Name, msg.To.Email); err != nil {
		return nil, fmt.Errorf("notify: recipient %q: %w", msg.To.Email, err)
	}
	out.Subject(msg.Subject)
	out.SetMessageIDWithValue(msg.ID)
	out.SetDate()
	out.SetBodyString(mail.TypeTextPlain, msg.Text)
	out.AddAlternativeString(mail.TypeTextHTML, msg.HTML)
	if msg.Calendar != nil {
		out.AddAlternativeString(mail.ContentType("text/calendar; method="+msg.Method), string(msg.Calendar))
		if err := out.AttachReader("invite.ics", bytes.NewReader(msg.Calendar),
			mail.WithFileContentType("application/ics")); err != nil {
			return nil, fmt.Errorf("notify: attaching the invitation: %w", err)
		}
	}
	return out, nil
}
