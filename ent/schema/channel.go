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

// Channel is a discussion channel with members.
type Channel struct{ ent.Schema }

// Mixin of the Channel.
func (Channel) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the Channel.
func (Channel) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).Annotations(entgql.OrderField("NAME")),
		field.String("description").Default(""),
		field.Int("created_by_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the Channel.
func (Channel) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("members", User.Type),
		edge.To("created_by", User.Type).Field("created_by_id").Unique(),
		edge.From("posts", Post.Type).Ref("channel").Annotations(entgql.RelayConnection()),
	}
}

// Indexes of the Channel.
func (Channel) Indexes() []ent.Index {
	return []ent.Index{index.Fields("company_id", "name").Unique()}
}

// Annotations of the Channel.
func (Channel) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection()}
}

// Post is a message in a channel; a MEETING post shows an event and follows
// its later edits.
type Post struct{ ent.Schema }

// Mixin of the Post.
func (Post) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the Post.
func (Post) Fields() []ent.Field {
	return []ent.Field{
		field.Int("channel_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("author_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Enum("kind").Values("TEXT", "MEETING").Default("TEXT"),
		field.Text("body").Default(""),
		field.Int("event_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("edited_at").Optional().Nillable(),
	}
}

// Edges of the Post.
func (Post) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("channel", Channel.Type).Field("channel_id").Unique().Required().Immutable(),
		edge.To("author", User.Type).Field("author_id").Unique().Required().Immutable(),
		edge.To("event", Event.Type).Field("event_id").Unique(),
	}
}

// Indexes of the Post.
func (Post) Indexes() []ent.Index {
	return []ent.Index{index.Fields("channel_id", "created_at")}
}

// Policy of the Post.
func (Post) Policy() ent.Policy { return authz.ChannelMembersRead() }

// Annotations of the Post.
func (Post) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
