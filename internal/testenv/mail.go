package testenv

import (
	"bytes"
	"io"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convene/convene/notify"
	"github.com/emersion/go-smtp"
)

// Mailbox is a real SMTP server in the test process that keeps every mail
// it receives; test servers send their mail to it.
type Mailbox struct {
	addr *net.TCPAddr
	mu   sync.Mutex
	mail []Received
}

// Received is one mail as it arrived.
type Received struct {
	From string
	To   []string
	Data []byte
}

func newMailbox(t testing.TB) *Mailbox {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &Mailbox{addr: l.Addr().(*net.TCPAddr)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{box: m}, nil }))
	srv.Domain = "mailbox.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return m
}

// Wait returns the mails to addr once there are n, failing the test after
// ten seconds; it also fails when more than n arrive within a moment after.
func (m *Mailbox) Wait(t testing.TB, addr string, n int) []Received {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(m.To(addr)) < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // a duplicate would come now
	got := m.To(addr)
	if len(got) != n {
		t.Fatalf("%d mails to %s, want %d", len(got), addr, n)
	}
	return got
}

// To returns the mails sent to addr, oldest first.
func (m *Mailbox) To(addr string) []Received {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Received
	for _, r := range m.mail {
		for _, to := range r.To {
			if strings.EqualFold(to, addr) {
				out = append(out, r)
			}
		}
	}
	return out
}

type session struct {
	box *Mailbox
	cur Received
}

func (s *session) Reset()        { s.cur = Received{} }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.From = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = data
	s.box.mu.Lock()
	s.box.mail = append(s.box.mail, s.cur)
	s.box.mu.Unlock()
	return nil
}

// Header is one header of the mail.
func (r Received) Header(t testing.TB, name string) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get(name))
	return v
}

// Part is the decoded body of the mail's first part of mediaType (such as
// text/calendar), with that part's Content-Type, or "" if it has none.
func (r Received) Part(t testing.TB, mediaType string) (body, contentType string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatal(err)
	}
	b, ct, err := notify.FindPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, mediaType)
	if err != nil {
		return "", ""
	}
	return string(b), ct
}
