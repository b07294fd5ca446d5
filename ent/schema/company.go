package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"github.com/convene/convene/authz"
	"github.com/convene/convene/ent/schematype"
)

// Company is a tenant: every other row belongs to exactly one.
type Company struct{ ent.Schema }

// Mixin of the Company.
func (Company) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of the Company.
func (Company) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		field.String("phone_region").Default("VN").Validate(schematype.ValidPhoneRegion).
			Comment("ISO 3166 region of numbers written without a country code"),
		field.String("time_zone").Default("UTC").Validate(schematype.ValidTimeZone).Comment("IANA zone used when a user has none"),
		field.String("meeting_topic_template").Default("{title}").Validate(schematype.ValidAttendeeTemplate),
		field.String("meeting_description_template").Default("").Validate(schematype.ValidAttendeeTemplate),
		field.Text("invitation_template").Default("").Validate(schematype.ValidAttendeeTemplate).
			Comment("the invitation mail's text for attendees, with shortcodes; empty: the standard text"),
		field.Text("host_template").Default("").Validate(schematype.ValidHostTemplate).
			Comment("a mail to the organizer with each invitation, with shortcodes; empty: none"),
		field.Bool("random_meeting_password").Default(true).Comment("Zoom: a random 8-digit password per meeting"),
		field.Bool("invitations_wait_for_link").Default(false).
			Comment("online meetings: invitations go out once the link is there (or could not be made); otherwise at once, then updated with the link"),
	}
}

// Policy of the Company.
func (Company) Policy() ent.Policy { return authz.CompanyPolicy() }

// Annotations of the Company.
func (Company) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Mutations(entgql.MutationUpdate()),
	}
}
