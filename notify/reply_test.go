package notify

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestParseRepliesFromAMultipartMail(t *testing.T) {
	cal := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:abc@convene\r\nSEQUENCE:2\r\n" +
		"RECURRENCE-ID:20261201T090000Z\r\nDTSTAMP:20261122T120000Z\r\nATTENDEE;PARTSTAT=TENTATIVE;CN=Ann:MAILTO:Ann@Example.com\r\n" +
		"END:VEVENT\r\nEND:VCALENDAR\r\n"
	mail := "From: Ann <ann@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain\r\n\r\nAnn has accepted.\r\n" +
		"--b1\r\nContent-Type: text/calendar; method=REPLY\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte(cal)) + "\r\n--b1--\r\n"
	replies, err := ParseReplies([]byte(mail))
	if err != nil || len(replies) != 1 {
		t.Fatalf("%+v %v", replies, err)
	}
	r := replies[0]
	want := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if r.UID != "abc@convene" || r.Attendee != "ann@example.com" || r.PartStat != "TENTATIVE" || r.Sequence != 2 ||
		r.RecurrenceID == nil || !r.RecurrenceID.Equal(want) {
		t.Fatalf("%+v", r)
	}
	if _, err := ParseReplies([]byte(strings.Replace(mail, "ann@example.com>", "eve@example.com>", 1))); err != ErrNoReply {
		t.Errorf("a reply for someone else than its sender: %v", err)
	}
	if _, err := ParseReplies([]byte(strings.Replace(cal, "METHOD:REPLY", "METHOD:REQUEST", 1))); err != ErrNoReply {
		t.Errorf("a REQUEST taken for a reply: %v", err)
	}
}
