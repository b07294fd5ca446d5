package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/convene/convene/authz"
	"github.com/convene/convene/ent/schematype"
)

// User is an employee of a company.
type User struct{ ent.Schema }

// Mixin of the User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).Annotations(entgql.OrderField("NAME")),
		// Email signs a person in, so it is unique across companies; stored lower-case.
		field.String("email").NotEmpty().MaxLen(254).Unique().Annotations(entgql.OrderField("EMAIL")),
		field.String("phone").Optional(),
		field.Enum("role").Values("ADMIN", "MEMBER").Default("MEMBER"),
		field.Bytes("password_hash").Sensitive().Optional().Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("time_zone").Optional().Validate(schematype.ValidTimeZone).Comment("IANA zone; empty means the company's"),
		field.Bool("active").Default(true).Comment("false once deactivated: cannot sign in"),
		field.String("extension").Optional().Comment("call-center ipphone extension"),
		// ON: in-app calls ring this employee, and the center may offer calls.
		field.Enum("call_availability").Values("ON", "OFF").Default("ON"),
		field.Enum("call_device").Values("BROWSER", "SOFTPHONE", "MOBILE").Default("BROWSER"),
		field.String("call_device_number").Optional(),
		// The browser tab that handles this agent's calls (claimVoiceSession).
		field.String("voice_session").Optional().Annotations(entgql.Skip(entgql.SkipAll)),
		// The calendar feed's secret token, hashed: the address is shown once.
		field.Bytes("calendar_feed_token_hash").Optional().Nillable().Sensitive().Unique().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("channels", Channel.Type).Ref("members").Annotations(entgql.Skip(entgql.SkipAll)),
		edge.From("attendances", Attendee.Type).Ref("user").Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of the User.
func (User) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("company_id", "name"),
		index.Fields("company_id", "extension").Unique(),
	}
}

// Policy of the User.
func (User) Policy() ent.Policy { return authz.AdminWrites() }

// Annotations of the User.
func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
	}
}
