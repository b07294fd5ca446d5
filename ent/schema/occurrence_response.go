package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// OccurrenceResponse is an attendee's answer to one occurrence of a series,
// which takes precedence over their answer to the series.
type OccurrenceResponse struct{ ent.Schema }

// Mixin of the OccurrenceResponse.
func (OccurrenceResponse) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the OccurrenceResponse.
func (OccurrenceResponse) Fields() []ent.Field {
	return []ent.Field{
		field.Int("attendee_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("original_start").Immutable().Comment("the occurrence answered, by its original start"),
		field.Enum("response").Values("ACCEPTED", "DECLINED", "TENTATIVE").Annotations(entgql.Type("AttendeeResponse")),
	}
}

// Edges of the OccurrenceResponse.
func (OccurrenceResponse) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("attendee", Attendee.Type).Ref("occurrence_responses").Field("attendee_id").Unique().Required().Immutable(),
	}
}

// Indexes of the OccurrenceResponse.
func (OccurrenceResponse) Indexes() []ent.Index {
	return []ent.Index{index.Fields("attendee_id", "original_start").Unique()}
}

// Annotations of the OccurrenceResponse.
func (OccurrenceResponse) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput)}
}
