// Package schematype holds the value types stored in ent fields and shared by
// several entities. It imports nothing of ours, so generated code can use it.
package schematype

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/convene/convene/phone"
)

// Provider is an outside system a company connects.
type Provider string

const (
	ProviderZoom      Provider = "ZOOM"
	ProviderZoomJWT   Provider = "ZOOM_JWT"
	ProviderGoogle    Provider = "GOOGLE"
	ProviderMicrosoft Provider = "MICROSOFT"
	ProviderTrueConf  Provider = "TRUECONF"
	ProviderVCC       Provider = "VCC"
	ProviderSMS       Provider = "SMS"
)

// Values lists the providers, for ent enums.
func (Provider) Values() []string {
	return []string{"ZOOM", "ZOOM_JWT", "GOOGLE", "MICROSOFT", "TRUECONF", "VCC", "SMS"}
}

// ConferenceProvider is where an online meeting takes place.
type ConferenceProvider string

const (
	ConferenceZoom       ConferenceProvider = "ZOOM"
	ConferenceGoogleMeet ConferenceProvider = "GOOGLE_MEET"
	ConferenceTeams      ConferenceProvider = "TEAMS"
	ConferenceTrueConf   ConferenceProvider = "TRUECONF"
)

// Values lists the conference providers, for ent enums.
func (ConferenceProvider) Values() []string {
	return []string{"ZOOM", "GOOGLE_MEET", "TEAMS", "TRUECONF"}
}

// ConnectionStatus is the health of a credential or a calendar connection.
type ConnectionStatus string

const (
	StatusConnected ConnectionStatus = "CONNECTED"
	StatusNeedsAuth ConnectionStatus = "NEEDS_AUTH"
	StatusError     ConnectionStatus = "ERROR"
)

// Values lists the statuses, for ent enums.
func (ConnectionStatus) Values() []string { return []string{"CONNECTED", "NEEDS_AUTH", "ERROR"} }

// SyncSide is a side of a calendar sync: Convene, or the remote calendar.
type SyncSide string

const (
	SideHere  SyncSide = "HERE"
	SideThere SyncSide = "THERE"
)

// Values lists the sides, for ent enums.
func (SyncSide) Values() []string { return []string{"HERE", "THERE"} }

// ReminderChannel is how a reminder reaches an attendee.
type ReminderChannel string

const (
	ReminderInApp ReminderChannel = "IN_APP"
	ReminderEmail ReminderChannel = "EMAIL"
	ReminderSMS   ReminderChannel = "SMS"
)

// Reminder fires MinutesBefore an occurrence starts, on each of Channels.
type Reminder struct {
	MinutesBefore int               `json:"minutesBefore"`
	Channels      []ReminderChannel `json:"channels"`
}

// ValidTimeZone refuses a name that is not an IANA time zone.
func ValidTimeZone(name string) error {
	if name == "" {
		return nil
	}
	if _, err := time.LoadLocation(name); err != nil || name == "Local" {
		return fmt.Errorf("%q is not an IANA time zone such as Europe/Helsinki", name)
	}
	return nil
}

// Shortcodes are the placeholders company templates may use; each names
// the value it stands for.
var Shortcodes = []string{
	"title", "start", "duration", "organizer", "meeting_url", "meeting_password",
	"zoom_meeting_url", "zoom_meeting_url_host", "zoom_meeting_password",
}

// hostOnly shortcodes would let an attendee act as the meeting's host.
var hostOnly = map[string]bool{"zoom_meeting_url_host": true}

var shortcode = regexp.MustCompile(`\{([^{}]*)\}`)

// ValidHostTemplate refuses a template with a shortcode that is not one of
// Shortcodes.
func ValidHostTemplate(template string) error { return validTemplate(template, false) }

// ValidAttendeeTemplate is ValidHostTemplate for text attendees read: the
// host's own link is refused too.
func ValidAttendeeTemplate(template string) error { return validTemplate(template, true) }

func validTemplate(template string, forAttendees bool) error {
	for _, m := range shortcode.FindAllStringSubmatch(template, -1) {
		switch name := m[1]; {
		case !slices.Contains(Shortcodes, name):
			return fmt.Errorf("unknown shortcode {%s}; known ones are {%s}", name, strings.Join(Shortcodes, "}, {"))
		case forAttendees && hostOnly[name]:
			return fmt.Errorf("{%s} would let attendees start the meeting as its host; use it in the host template", name)
		}
	}
	return nil
}

// FillTemplate replaces each shortcode by its value.
func FillTemplate(template string, values map[string]string) string {
	return shortcode.ReplaceAllStringFunc(template, func(code string) string {
		return values[code[1:len(code)-1]]
	})
}

// ValidPhoneRegion refuses a region the numbering plan does not know.
func ValidPhoneRegion(region string) error { return phone.ValidRegion(region) }
