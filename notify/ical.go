// Package notify tells people about meetings outside the app: email with an
// iCalendar (iTIP) part that mail clients turn into Accept/Decline buttons,
// and SMS. It works on plain data; the caller loads it.
package notify

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// Person is someone with an address.
type Person struct {
	Name  string
	Email string
}

// Meeting is what an invitation shows.
type Meeting struct {
	UID         string // stable for the meeting's life
	Sequence    int    // grows with every change
	Title       string
	Description string
	Start       time.Time // in the meeting's own time zone
	Duration    time.Duration
	AllDay      bool
	RRule       string      // RFC 5545, without DTSTART
	ExDates     []time.Time // cancelled occurrences of a series
	// RecurrenceID names the occurrence of a series this one replaces.
	RecurrenceID *time.Time
	Organizer    Person
	Attendees    []Person
	Location     string // the room
	JoinURL      string
	Password     string
	HostURL      string // starts the meeting as host: for the organizer only
	Provider     string // the conference's, e.g. ZOOM
	Cancelled    bool
}

// iTIP methods.
const (
	MethodRequest = "REQUEST"
	MethodCancel  = "CANCEL"
)

// Calendar renders m as an iTIP message: METHOD:REQUEST for an invitation
// or an update, METHOD:CANCEL for a cancellation.
func Calendar(m Meeting, method string, stamp time.Time) ([]byte, error) {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//Convene//Meetings//EN")
	cal.Props.SetText(ical.PropMethod, method)
	cal.Props.SetText("CALSCALE", "GREGORIAN")
	if !m.AllDay && m.Start.Location() != time.UTC {
		cal.Children = append(cal.Children, vtimezone(m.Start.Location(), m.Start.Year()))
	}
	cal.Children = append(cal.Children, vevent(m, method, stamp).Component)
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("notify: icalendar: %w", err)
	}
	return buf.Bytes(), nil
}

func vevent(m Meeting, method string, stamp time.Time) *ical.Event {
	ev := ical.NewEvent()
	p := ev.Props
	p.SetText(ical.PropUID, m.UID)
	seq := ical.NewProp(ical.PropSequence)
	seq.SetValueType(ical.ValueInt)
	seq.Value = fmt.Sprint(m.Sequence)
	p.Set(seq)
	p.SetDateTime(ical.PropDateTimeStamp, stamp.UTC())
	if m.RecurrenceID != nil {
		p.SetDateTime(ical.PropRecurrenceID, *m.RecurrenceID)
	}
	if m.AllDay {
		p.SetDate(ical.PropDateTimeStart, m.Start)
		p.SetDate(ical.PropDateTimeEnd, m.Start.Add(m.Duration))
	} else {
		p.SetDateTime(ical.PropDateTimeStart, m.Start)
		p.SetDateTime(ical.PropDateTimeEnd, m.Start.Add(m.Duration))
	}
	p.SetText(ical.PropSummary, m.Title)
	if text := description(m); text != "" {
		p.SetText(ical.PropDescription, text)
	}
	if where := location(m); where != "" {
		p.SetText(ical.PropLocation, where)
	}
	if m.JoinURL != "" {
		p.SetText(ical.PropURL, m.JoinURL)
	}
	if m.RRule != "" {
		rule := ical.NewProp(ical.PropRecurrenceRule)
		rule.SetValueType(ical.ValueRecurrence)
		rule.Value = m.RRule
		p.Set(rule)
		for _, d := range m.ExDates {
			ex := ical.NewProp(ical.PropExceptionDates)
			ex.SetDateTime(d.In(m.Start.Location()))
			p.Add(ex)
		}
	}
	p.Set(address(ical.PropOrganizer, m.Organizer))
	for _, a := range m.Attendees {
		at := address(ical.PropAttendee, a)
		at.Params.Set("ROLE", "REQ-PARTICIPANT")
		if method == MethodRequest || method == MethodCancel { // asks for an answer; a feed only shows
			at.Params.Set("PARTSTAT", "NEEDS-ACTION")
			at.Params.Set("RSVP", "TRUE")
		}
		p.Add(at)
	}
	switch {
	case m.Cancelled:
		ev.SetStatus(ical.EventCancelled)
	case method != MethodCancel: // a CANCEL of a meeting that goes on removes attendees only
		ev.SetStatus(ical.EventConfirmed)
	}
	return ev
}

// address is a mailto: property with the person's name.
func address(name string, who Person) *ical.Prop {
	prop := ical.NewProp(name)
	prop.SetValueType(ical.ValueCalendarAddress)
	prop.Value = "mailto:" + who.Email
	if who.Name != "" {
		prop.Params.Set(ical.ParamCommonName, who.Name)
	}
	return prop
}

// location names the room and the link, as calendars show LOCATION.
func location(m Meeting) string {
	var parts []string
	if m.Location != "" {
		parts = append(parts, m.Location)
	}
	if m.JoinURL != "" {
		parts = append(parts, m.JoinURL)
	}
	return strings.Join(parts, " · ")
}

// description is the meeting's own text and how to join it.
func description(m Meeting) string {
	text := m.Description
	if m.JoinURL != "" {
		text = strings.TrimSpace(text + "\n\nJoin: " + m.JoinURL)
		if m.Password != "" {
			text += "\nPassword: " + m.Password
		}
	}
	return text
}
