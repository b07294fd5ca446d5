package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/convene/convene/ent/schematype"
)

// SyncState is where a user's two-way calendar sync with one provider stands.
type SyncState struct{ ent.Schema }

// Mixin of the SyncState.
func (SyncState) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the SyncState.
func (SyncState) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.Enum("provider").GoType(schematype.Provider("")).Immutable().Annotations(entgql.Type("Provider")),
		field.Text("sync_token").Optional().Sensitive().Comment("Graph deltaLink or Google syncToken"),
		field.Text("page_token").Optional().Sensitive().Comment("where an interrupted run resumes: the next page of its listing"),
		field.Enum("status").GoType(schematype.ConnectionStatus("")).Default(string(schematype.StatusNeedsAuth)).Annotations(entgql.Type("ConnectionStatus")),
		field.Time("last_sync_at").Optional().Nillable(),
		field.Int("pushed").Default(0),
		field.Bool("import_only").Default(false).Comment("pull remote events, push nothing"),
		field.Time("push_after").Optional().Nillable().Comment("after a reset to NEW_ONLY: only meetings made since go out"),
		field.Bool("drop_imported").Default(false).Comment("after a reset to DELETE_BOTH: imported events go here too as their originals go there"),
		field.Int("generation").Default(0).Comment("counts resets: copies made after one get new ids"),
		field.Bool("baseline").Default(false).Comment("after a reset to NEW_ONLY: the next listing only finds where now is, taking nothing"),
		field.Int("pulled").Default(0),
		field.String("last_error").Optional(),
	}
}

// Edges of the SyncState.
func (SyncState) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the SyncState.
func (SyncState) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "provider").Unique()}
}

// Annotations of the SyncState.
func (SyncState) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// ExternalLink ties one of our events to its copy in a user's remote calendar.
type ExternalLink struct{ ent.Schema }

// Mixin of the ExternalLink.
func (ExternalLink) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the ExternalLink.
func (ExternalLink) Fields() []ent.Field {
	return []ent.Field{
		field.Int("event_id"),
		field.Int("user_id"),
		field.Enum("provider").GoType(schematype.Provider("")).Annotations(entgql.Type("Provider")),
		field.String("external_id").NotEmpty(),
		field.String("ical_uid").Optional(),
		field.String("etag").Optional().Comment("Google etag or Graph changeKey"),
		field.Time("remote_updated_at").Optional().Nillable(),
		field.Bool("pushed").Default(false).Comment("the remote event is our copy of a Convene meeting, not an imported one"),
		field.Int("pushed_sequence").Default(0).Comment("the event's sequence the copy shows"),
		field.Bool("remote_gone").Default(false).Comment("the copy was deleted there: it is not made again"),
		field.Bool("doomed").Default(false).Comment("a reset asked for the remote event to go: the next run deletes it"),
		field.Time("original_start").Optional().Nillable().Comment("a remote occurrence linked to its series' event: the start it has in the series"),
	}
}

// Edges of the ExternalLink.
func (ExternalLink) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("event", Event.Type).Field("event_id").Unique().Required(),
		edge.To("user", User.Type).Field("user_id").Unique().Required(),
	}
}

// Indexes of the ExternalLink.
func (ExternalLink) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "provider", "external_id").Unique(),
		index.Fields("event_id"),
		index.Fields("company_id", "ical_uid"),
	}
}

// Annotations of the ExternalLink.
func (ExternalLink) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// SyncLogEntry records a change one side of a calendar sync lost to the
// newer change on the other, so that it is not lost unseen.
type SyncLogEntry struct{ ent.Schema }

// Mixin of the SyncLogEntry.
func (SyncLogEntry) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the SyncLogEntry.
func (SyncLogEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").Immutable(),
		field.Enum("provider").GoType(schematype.Provider("")).Immutable().Annotations(entgql.Type("Provider")),
		field.Int("event_id").Optional().Nillable().Immutable(),
		field.String("title").Immutable().Comment("the event's, when it happened"),
		field.Enum("kept").GoType(schematype.SyncSide("")).Immutable().Comment("the side whose change stayed"),
		field.Text("lost").Immutable().Comment("the change that lost, in words"),
	}
}

// Edges of the SyncLogEntry.
func (SyncLogEntry) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", User.Type).Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of the SyncLogEntry.
func (SyncLogEntry) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "provider", "created_at")}
}

// Annotations of the SyncLogEntry.
func (SyncLogEntry) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
