package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Call is a phone call through the call center or an in-app WebRTC call.
type Call struct{ ent.Schema }

// Mixin of the Call.
func (Call) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the Call.
func (Call) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("direction").Values("INBOUND", "OUTBOUND", "INTERNAL"),
		field.Int("caller_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("callee_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("caller_number").Optional(),
		field.String("callee_number").Optional(),
		field.Int("contact_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("channel_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Enum("state").Values("RINGING", "ACTIVE", "HELD", "ENDED", "FAILED").Default("RINGING"),
		field.Bool("muted").Default(false),
		field.String("error_code").Optional(),
		field.Int("sip_code").Optional(),
		field.Time("started_at").Annotations(entgql.OrderField("STARTED_AT")),
		field.Time("answered_at").Optional().Nillable(),
		field.Time("ended_at").Optional().Nillable(),
		field.String("external_id").Optional().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Enum("device").Values("BROWSER", "SOFTPHONE", "MOBILE").Default("BROWSER"),
	}
}

// Edges of the Call.
func (Call) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("caller", User.Type).Field("caller_id").Unique(),
		edge.To("callee", User.Type).Field("callee_id").Unique(),
		edge.To("contact", Contact.Type).Field("contact_id").Unique(),
		edge.To("channel", Channel.Type).Field("channel_id").Unique(),
	}
}

// Indexes of the Call.
func (Call) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("company_id", "started_at"),
		index.Fields("caller_id", "started_at"),
		index.Fields("callee_id", "started_at"),
		index.Fields("company_id", "external_id").Unique(), // one call per center call id
	}
}

// Annotations of the Call.
func (Call) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection()}
}

// WebhookReceipt remembers a signed delivery to a webhook while its
// timestamp is fresh, so that a replay of it is refused.
type WebhookReceipt struct{ ent.Schema }

// Fields of the WebhookReceipt.
func (WebhookReceipt) Fields() []ent.Field {
	return []ent.Field{
		field.String("signature").Unique().Immutable(),
		field.Time("received_at").Immutable(),
	}
}

// Indexes of the WebhookReceipt.
func (WebhookReceipt) Indexes() []ent.Index {
	return []ent.Index{index.Fields("received_at")}
}

// Annotations of the WebhookReceipt.
func (WebhookReceipt) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
