package scheduling

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/convene/convene/apperr"
)

// Recurrence is a repeat rule as a client gives it: an RFC 5545 RRULE, or
// the same in fields.
type Recurrence struct {
	Rrule     *string
	Frequency *string // DAILY, WEEKLY, MONTHLY, YEARLY
	Interval  *int
	Weekdays  []string // MO … SU, for WEEKLY (and MONTHLY with Ordinal)
	MonthDay  *int     // 1…31 or -1 (last day), for MONTHLY
	Ordinal   *int     // 1…4 or -1 (last): the nth of Weekdays in the month
	Count     *int
	Until     *time.Time
}

// Format returns the rule in RFC 5545 form.
func (r *Recurrence) Format() (string, error) {
	if r.Rrule != nil {
		if r.Frequency != nil {
			return "", apperr.Invalid("recurrence", "give rrule or frequency, not both")
		}
		return *r.Rrule, nil
	}
	if r.Frequency == nil {
		return "", apperr.Invalid("recurrence", "give rrule or frequency")
	}
	parts := []string{"FREQ=" + *r.Frequency}
	if r.Interval != nil {
		parts = append(parts, fmt.Sprintf("INTERVAL=%d", *r.Interval))
	}
	if len(r.Weekdays) > 0 {
		days := slices.Clone(r.Weekdays)
		for i := range days {
			if r.Ordinal != nil {
				days[i] = fmt.Sprintf("%d%s", *r.Ordinal, days[i])
			}
		}
		parts = append(parts, "BYDAY="+strings.Join(days, ","))
	}
	if r.MonthDay != nil {
		parts = append(parts, fmt.Sprintf("BYMONTHDAY=%d", *r.MonthDay))
	}
	if r.Count != nil {
		parts = append(parts, fmt.Sprintf("COUNT=%d", *r.Count))
	}
	if r.Until != nil {
		parts = append(parts, "UNTIL="+r.Until.UTC().Format("20060102T150405Z"))
	}
	return strings.Join(parts, ";"), nil
}
