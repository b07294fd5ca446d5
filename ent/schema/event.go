package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/convene/convene/authz"
	"github.com/convene/convene/ent/schematype"
)

// Event is a meeting, a personal entry or an online meeting. A recurring
// event is a series; an override is an Event that points at its series and
// the original start of the occurrence it replaces.
type Event struct{ ent.Schema }

// Mixin of the Event.
func (Event) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the Event.
func (Event) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values("MEETING", "PERSONAL", "ONLINE_MEETING").Default("MEETING"),
		field.String("title").NotEmpty().MaxLen(500).Annotations(entgql.OrderField("TITLE")),
		field.Text("description").Default(""),
		field.Time("start_at").Annotations(entgql.OrderField("START_AT")),
		field.Int("duration_minutes").Positive(),
		field.Bool("all_day").Default(false),
		field.String("time_zone").Default("UTC").Validate(schematype.ValidTimeZone),
		field.String("rrule").Optional().Comment("RFC 5545 RRULE, without DTSTART"),
		field.JSON("exdates", []time.Time{}).Optional().Annotations(entgql.Skip(entgql.SkipAll)).
			Comment("original starts of cancelled occurrences"),
		// series_end bounds range queries: the end of the last occurrence, or
		// NULL for a series without end.
		field.Time("series_end").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("series_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("original_start").Optional().Nillable().Comment("for an override: the occurrence it replaces"),
		field.Int("organizer_id").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("room_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("channel_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.JSON("reminders", []schematype.Reminder{}).Optional(),
		field.Enum("status").Values("CONFIRMED", "CANCELLED").Default("CONFIRMED"),
		field.Int("sequence").Default(0).Comment("iTIP SEQUENCE, grows on every change"),
		field.Bool("send_invitations").Default(false).Comment("attendees are invited by notice and email"),
		field.String("ical_uid").Unique().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the Event.
func (Event) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("organizer", User.Type).Field("organizer_id").Unique().Required(),
		edge.To("room", Room.Type).Field("room_id").Unique(),
		edge.To("channel", Channel.Type).Field("channel_id").Unique(),
		edge.To("overrides", Event.Type).From("series").Field("series_id").Unique().
			Annotations(entgql.Skip(entgql.SkipAll)),
		edge.From("attendees", Attendee.Type).Ref("event"),
		edge.To("conference", Conference.Type).Unique(),
	}
}

// Indexes of the Event.
func (Event) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("company_id", "start_at"),
		index.Fields("company_id", "series_end"),
		index.Fields("room_id", "start_at"),
		index.Fields("organizer_id", "start_at"),
		index.Fields("series_id", "original_start"),
	}
}

// Annotations of the Event.
func (Event) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField("eventList"),
		entgql.RelayConnection(),
	}
}

// Conference is the online part of a meeting, created at a provider by a job.
type Conference struct{ ent.Schema }

// Mixin of the Conference.
func (Conference) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the Conference.
func (Conference) Fields() []ent.Field {
	return []ent.Field{
		field.Int("event_id").Unique().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Enum("provider").GoType(schematype.ConferenceProvider("")).Annotations(entgql.Type("ConferenceProvider")),
		field.String("external_id").Optional().Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("join_url").Optional(),
		field.String("host_url").Optional().Sensitive().Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("password").Optional(),
		field.Enum("state").Values("PENDING", "READY", "FAILED", "REMOVED").Default("PENDING"),
		field.String("last_error").Optional(),
	}
}

// Edges of the Conference.
func (Conference) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("event", Event.Type).Ref("conference").Field("event_id").Unique().Required(),
	}
}

// Attendee is a person invited to an event: an employee or an outside email.
type Attendee struct{ ent.Schema }

// Mixin of the Attendee.
func (Attendee) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the Attendee.
func (Attendee) Fields() []ent.Field {
	return []ent.Field{
		field.Int("event_id").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("user_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("email").Optional().Comment("an outside guest's address"),
		field.Enum("role").Values("ATTENDEE", "RESPONSIBLE", "PREPARER").Default("ATTENDEE"),
		field.Enum("response").Values("NEEDS_ACTION", "ACCEPTED", "DECLINED", "TENTATIVE").Default("NEEDS_ACTION"),
		field.Time("responded_at").Optional().Nillable(),
		field.Bool("hidden").Default(false).Comment("removed from this attendee's own calendar"),
	}
}

// Edges of the Attendee.
func (Attendee) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("event", Event.Type).Field("event_id").Unique().Required(),
		edge.To("user", User.Type).Field("user_id").Unique(),
		edge.To("occurrence_responses", OccurrenceResponse.Type),
	}
}

// Indexes of the Attendee.
func (Attendee) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("event_id", "user_id").Unique(),
		index.Fields("user_id", "event_id"),
	}
}

// Room is a meeting room. It holds one meeting at a time.
type Room struct{ ent.Schema }

// Mixin of the Room.
func (Room) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the Room.
func (Room) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).Annotations(entgql.OrderField("NAME")),
		field.Int("capacity").NonNegative().Default(0).Annotations(entgql.OrderField("CAPACITY")),
		field.String("location").Default(""),
	}
}

// Indexes of the Room.
func (Room) Indexes() []ent.Index {
	return []ent.Index{index.Fields("company_id", "name").Unique()}
}

// Annotations of the Room.
func (Room) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy of the Room.
func (Room) Policy() ent.Policy { return authz.AdminWrites() }
