package notify

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// Reply is one answer of an iTIP REPLY, sent by a mail client's own
// Accept/Decline buttons.
type Reply struct {
	UID          string
	Attendee     string     // the address that answers
	PartStat     string     // ACCEPTED, DECLINED or TENTATIVE
	Sequence     int        // of the invitation it answers
	RecurrenceID *time.Time // one occurrence of a series, or nil for all
}

// ErrNoReply is a message that carries no iTIP REPLY.
var ErrNoReply = errors.New("notify: the message carries no iTIP REPLY")

// ParseReplies reads the REPLY in a mail (the raw message as a mailbox
// delivers it) or in a bare text/calendar body. An answer whose attendee
// is not the mail's sender is dropped: nobody answers for someone else.
func ParseReplies(raw []byte) ([]Reply, error) {
	calendar, sender, err := calendarPart(raw)
	if err != nil {
		return nil, err
	}
	cal, err := ical.NewDecoder(bytes.NewReader(calendar)).Decode()
	if err != nil {
		return nil, fmt.Errorf("notify: reading the iTIP reply: %w", err)
	}
	if method, _ := cal.Props.Text(ical.PropMethod); !strings.EqualFold(method, "REPLY") {
		return nil, ErrNoReply
	}
	var out []Reply
	for _, ev := range cal.Events() {
		r, ok := replyOf(ev)
		if ok && (sender == "" || strings.EqualFold(sender, r.Attendee)) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, ErrNoReply
	}
	return out, nil
}

func replyOf(ev ical.Event) (Reply, bool) {
	uid, _ := ev.Props.Text(ical.PropUID)
	at := ev.Props.Get(ical.PropAttendee)
	if uid == "" || at == nil {
		return Reply{}, false
	}
	r := Reply{UID: uid, Attendee: strings.TrimPrefix(strings.ToLower(at.Value), "mailto:"),
		PartStat: strings.ToUpper(at.Params.Get(ical.ParamParticipationStatus))}
	if seq := ev.Props.Get(ical.PropSequence); seq != nil {
		r.Sequence, _ = strconv.Atoi(seq.Value)
	}
	if rid := ev.Props.Get(ical.PropRecurrenceID); rid != nil {
		if t, err := rid.DateTime(time.UTC); err == nil {
			r.RecurrenceID = &t
		}
	}
	switch r.PartStat {
	case "ACCEPTED", "DECLINED", "TENTATIVE":
		return r, true
	}
	return Reply{}, false // DELEGATED and the like change nothing here
}

// calendarPart finds the text/calendar body of raw and who sent it.
func calendarPart(raw []byte) (calendar []byte, sender string, err error) {
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("BEGIN:VCALENDAR")) {
		return raw, "", nil
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, "", fmt.Errorf("notify: reading the mail: %w", err)
	}
	if from, err := mail.ParseAddress(msg.Header.Get("From")); err == nil {
		sender = from.Address
	}
	body, _, err := FindPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, "text/calendar", "application/ics")
	if err != nil {
		return nil, "", ErrNoReply
	}
	return body, sender, nil
}

// FindPart returns the decoded body and the Content-Type of the first part
// of a MIME entity (given by its Content-Type and Content-Transfer-Encoding
// and its body) whose media type is one of want.
func FindPart(contentType, encoding string, body io.Reader, want ...string) ([]byte, string, error) {
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, "", ErrNoPart
	}
	if strings.HasPrefix(media, "multipart/") {
		parts := multipart.NewReader(body, params["boundary"])
		for {
			p, err := parts.NextRawPart()
			if err != nil {
				return nil, "", ErrNoPart
			}
			if found, ct, err := FindPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, want...); err == nil {
				return found, ct, nil
			}
		}
	}
	if !slices.Contains(want, media) {
		return nil, "", ErrNoPart
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(io.LimitReader(body, 1<<20))
	return b, contentType, err
}

// ErrNoPart is a message without the part asked for.
var ErrNoPart = errors.New("notify: no such part in the message")
