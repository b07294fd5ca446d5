package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/convene/convene/authz"
)

// Notification is an in-app notice for one user. It is written before it is
// pushed, so a user who was offline still finds it.
type Notification struct{ ent.Schema }

// Mixin of the Notification.
func (Notification) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the Notification.
func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Enum("kind").Values("INVITATION", "UPDATE", "CANCELLATION", "REMINDER", "RESPONSE", "CALL_MISSED", "CONFERENCE_FAILED", "CONNECTION_NEEDS_AUTH"),
		field.String("title").Default(""),
		field.Text("body").Default(""),
		field.Int("event_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("call_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("read_at").Optional().Nillable(),
	}
}

// Edges of the Notification.
func (Notification) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
		edge.To("event", Event.Type).Field("event_id").Unique(),
		edge.To("call", Call.Type).Field("call_id").Unique(),
	}
}

// Indexes of the Notification.
func (Notification) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "created_at")}
}

// Policy of the Notification.
func (Notification) Policy() ent.Policy { return authz.OwnNotifications() }

// Annotations of the Notification.
func (Notification) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection()}
}

// Contact is an outside customer, shown in the incoming-call popup.
type Contact struct{ ent.Schema }

// Mixin of the Contact.
func (Contact) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the Contact.
func (Contact) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).Annotations(entgql.OrderField("NAME")),
		field.Strings("phones").Optional().Comment("E.164 numbers"),
		field.String("email").Optional(),
		field.String("organization").Optional(),
		field.Text("notes").Optional(),
	}
}

// Indexes of the Contact.
func (Contact) Indexes() []ent.Index {
	return []ent.Index{index.Fields("company_id", "name")}
}

// Annotations of the Contact.
func (Contact) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
