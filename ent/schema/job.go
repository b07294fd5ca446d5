package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/convene/convene/authz"
)

// Job is durable background work, written in the same transaction as the
// change that causes it (an outbox) and run by the worker pool.
type Job struct{ ent.Schema }

// Mixin of the Job.
func (Job) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the Job.
func (Job) Fields() []ent.Field {
	return []ent.Field{
		field.String("kind").NotEmpty(),
		field.Bytes("payload").Optional().Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("idempotency_key").Unique().Immutable(),
		field.Enum("state").Values("PENDING", "RUNNING", "DONE", "FAILED").Default("PENDING"),
		field.Time("run_at").Default(time.Now),
		field.Int("attempts").Default(0),
		field.Int("max_attempts").Default(8),
		field.String("last_error").Optional(),
		field.Time("locked_until").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of the Job.
func (Job) Indexes() []ent.Index {
	return []ent.Index{index.Fields("state", "run_at")}
}

// Policy of the Job.
func (Job) Policy() ent.Policy { return authz.AdminOnly() }

// Annotations of the Job.
func (Job) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipWhereInput), entgql.RelayConnection()}
}

// Delivery records one effect of a job that reached the outside world (a
// mail, an SMS, a notice) under the job's key, before the job is marked
// done: a job run again after a crash finds it and sends nothing.
type Delivery struct{ ent.Schema }

// Mixin of the Delivery.
func (Delivery) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }

// Fields of the Delivery.
func (Delivery) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").Unique().Immutable(),
		field.Enum("channel").Values("EMAIL", "SMS", "IN_APP").Immutable(),
		field.String("recipient").Immutable(),
	}
}

// Policy of the Delivery.
func (Delivery) Policy() ent.Policy { return authz.AdminOnly() }

// Annotations of the Delivery.
func (Delivery) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
