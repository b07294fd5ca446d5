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

// secretField is a column sealed with the secret package. It is never exposed
// through GraphQL and never printed.
func secretField(name string) ent.Field {
	return field.Bytes(name).Sensitive().Optional().Annotations(entgql.Skip(entgql.SkipAll))
}

// Credential is a company's (or, for calendar sync, a user's) access to an
// outside system. Public fields are readable by admins; secrets never are.
type Credential struct{ ent.Schema }

// Mixin of the Credential.
func (Credential) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the Credential.
func (Credential) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("provider").GoType(schematype.Provider("")).Immutable().Annotations(entgql.Type("Provider")),
		field.Int("user_id").Optional().Nillable().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("client_id").Optional().Comment("client id, API key or account SID"),
		field.String("account_id").Optional().Comment("Zoom account id, Microsoft tenant, VCC domain"),
		field.String("base_url").Optional().Comment("TrueConf server, call center or SMS gateway"),
		field.Time("token_expires_at").Optional().Nillable(),
		field.Int("token_ttl_minutes").Optional().Comment("Zoom JWT app: the lifetime of the tokens it signs").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Enum("status").GoType(schematype.ConnectionStatus("")).Default(string(schematype.StatusNeedsAuth)).Annotations(entgql.Type("ConnectionStatus")),
		field.String("last_error").Optional(),
		field.Time("last_checked_at").Optional().Nillable(),
		secretField("client_secret"),
		secretField("access_token"),
		secretField("refresh_token"),
	}
}

// Edges of the Credential.
func (Credential) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Immutable(),
	}
}

// Indexes of the Credential.
func (Credential) Indexes() []ent.Index {
	return []ent.Index{index.Fields("company_id", "provider", "user_id")}
}

// Policy of the Credential.
func (Credential) Policy() ent.Policy { return authz.AdminOnly() }

// Annotations of the Credential.
func (Credential) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput)}
}

// ProviderAccount maps an employee to the provider's own user (a Zoom user id).
type ProviderAccount struct{ ent.Schema }

// Mixin of the ProviderAccount.
func (ProviderAccount) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the ProviderAccount.
func (ProviderAccount) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("provider").GoType(schematype.Provider("")).Annotations(entgql.Type("Provider")),
		field.Int("user_id"),
		field.String("external_user_id").NotEmpty(),
		field.String("email").Optional(),
		field.String("display_name").Optional(),
	}
}

// Edges of the ProviderAccount.
func (ProviderAccount) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required(),
	}
}

// Indexes of the ProviderAccount.
func (ProviderAccount) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "provider").Unique(),
		index.Fields("company_id", "provider", "external_user_id").Unique(),
	}
}

// Policy of the ProviderAccount.
func (ProviderAccount) Policy() ent.Policy { return authz.AdminWrites() }

// Annotations of the ProviderAccount.
func (ProviderAccount) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput)}
}
