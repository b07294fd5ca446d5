package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// readAlike are the types every field of which reads the same for everyone
// in a company. A subscription that selects nothing else can be rendered
// once for the whole company. What differs by viewer is of other types (a
// channel's posts are a PostConnection, read by members only; a company's
// credentials, by admins only), and a type added to the schema is not here
// until someone checks it: until then its subscribers each render their
// own, which is slower, never wrong.
var readAlike = map[string]bool{
	"Subscription": true, // the root: the stream's own load decides what it sends
	"EventChange":  true, "Event": true, "Conference": true, "Attendee": true,
	"OccurrenceResponse": true, "Reminder": true, "ResponseCounts": true,
	"Room": true, "User": true, "Channel": true, "Company": true,
}

// companyWide reports whether the running operation selects only fields
// that read alike for everyone in a company.
func companyWide(ctx context.Context) bool {
	return readsAlike(graphql.GetOperationContext(ctx).Operation.SelectionSet)
}

func readsAlike(set ast.SelectionSet) bool {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name == "__typename" {
				continue
			}
			if !readAlike[s.ObjectDefinition.Name] || !readsAlike(s.SelectionSet) {
				return false
			}
		case *ast.InlineFragment:
			if !readsAlike(s.SelectionSet) {
				return false
			}
		case *ast.FragmentSpread:
			if !readsAlike(s.Definition.SelectionSet) {
				return false
			}
		}
	}
	return true
}
