package discussion

import (
	"fmt"
	"strings"
	"time"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/conference"
	"github.com/convene/convene/ent/event"
)

// MeetingText is the text of a meeting's post: topic, time, duration and,
// for an online meeting, the join link and password, or a word that the link
// is being prepared.
func MeetingText(e *ent.Event, conf *ent.Conference) string {
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil {
		loc = time.UTC
	}
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
