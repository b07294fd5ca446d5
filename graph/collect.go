package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/event"
)

// collectEvents loads, with the events of a calendar, exactly the edges the
// client selected under `event` of each occurrence. entgql collects fields
// only for ent types (#3453), so the sub-selection is handed to it as if it
// were the current field.
func collectEvents(ctx context.Context) func(*ent.EventQuery) (*ent.EventQuery, error) {
	return func(q *ent.EventQuery) (*ent.EventQuery, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil {
			return q, nil
		}
		oc := graphql.GetOperationContext(ctx)
		for _, f := range graphql.CollectFields(oc, fc.Field.Selections, []string{"Occurrence"}) {
			if f.Name == "event" {
				q, err := q.CollectFields(graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: f}), "Event")
				if err != nil {
					return nil, err
				}
				// Collection narrows the columns to those asked for; expanding a
				// series needs all of them.
				q.Select(event.Columns...)
				return q, nil
			}
		}
		return q, nil
	}
}
