package schematype

import (
	"fmt"
	"io"
	"slices"
	"strconv"
)

// enum is a string type with a closed set of values.
type enum interface {
	~string
	Values() []string
}

// unmarshalEnum parses a GraphQL enum value into e, refusing unknown values.
func unmarshalEnum[E enum](e *E, v any) error {
	s, ok := v.(string)
	if !ok || !slices.Contains((*e).Values(), s) {
		return fmt.Errorf("%v is not a valid %T", v, *e)
	}
	*e = E(s)
	return nil
}

func marshalEnum[E enum](e E, w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(e))) }

// MarshalGQL implements graphql.Marshaler.
func (p Provider) MarshalGQL(w io.Writer) { marshalEnum(p, w) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (p *Provider) UnmarshalGQL(v any) error { return unmarshalEnum(p, v) }

// MarshalGQL implements graphql.Marshaler.
func (p ConferenceProvider) MarshalGQL(w io.Writer) { marshalEnum(p, w) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (p *ConferenceProvider) UnmarshalGQL(v any) error { return unmarshalEnum(p, v) }

// MarshalGQL implements graphql.Marshaler.
func (s ConnectionStatus) MarshalGQL(w io.Writer) { marshalEnum(s, w) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (s *ConnectionStatus) UnmarshalGQL(v any) error { return unmarshalEnum(s, v) }

// Values lists the reminder channels.
func (ReminderChannel) Values() []string { return []string{"IN_APP", "EMAIL", "SMS"} }

// MarshalGQL implements graphql.Marshaler.
func (c ReminderChannel) MarshalGQL(w io.Writer) { marshalEnum(c, w) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (c *ReminderChannel) UnmarshalGQL(v any) error { return unmarshalEnum(c, v) }

// MarshalGQL implements graphql.Marshaler.
func (s SyncSide) MarshalGQL(w io.Writer) { marshalEnum(s, w) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (s *SyncSide) UnmarshalGQL(v any) error { return unmarshalEnum(s, v) }
