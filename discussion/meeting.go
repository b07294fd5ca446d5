package discussion

import (
	"fmt"
	"strings"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/conference"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/internal/zone"
)

// MeetingText is the text of a meeting's post: topic, time, duration and,
// for an online meeting, the join link and password, or a word that the link
// is being prepared.
func MeetingText(e *ent.Event, conf *ent.Conference) string {
	loc := zone.OrUTC(e.TimeZone)
	var b strings.Builder
	if e.Status == event.StatusCANCELLED {
		b.WriteString("Cancelled: ")
	}
	fmt.Fprintf(&b, "%s\n%s (%d min, %s)", e.Title, e.StartAt.In(loc).Format("Mon 2 Jan 2006 15:04"), e.DurationMinutes, e.TimeZone)
	if e.Rrule != "" {
		fmt.Fprintf(&b, ", repeats %s", e.Rrule)
	}
	switch {
	case conf == nil:
	case conf.State == conference.StateREADY:
		fmt.Fprintf(&b, "\nJoin: %s", conf.JoinURL)
		if conf.Password != "" {
			fmt.Fprintf(&b, "\nPassword: %s", conf.Password)
		}
	case conf.State == conference.StatePENDING:
		b.WriteString("\nThe meeting link is being prepared.")
	case conf.State == conference.StateFAILED:
		b.WriteString("\nThe meeting link could not be created yet.")
	}
	return b.String()
}
