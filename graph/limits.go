package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// ShapeLimit refuses operations nested too deep or with too many aliases.
// gqlgen has neither check; both stop a small query from asking the server to
// do a great deal of work. Introspection fields are not counted: GraphiQL's
// own schema query is deep but cheap.
type ShapeLimit struct {
	MaxDepth   int
	MaxAliases int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = ShapeLimit{}

// ExtensionName implements graphql.HandlerExtension.
func (ShapeLimit) ExtensionName() string { return "ShapeLimit" }

// Validate implements graphql.HandlerExtension.
func (ShapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (l ShapeLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	m := shapeMeter{fragments: oc.Doc.Fragments}
	depth := m.depth(oc.Operation.SelectionSet)
	switch {
	case depth > l.MaxDepth:
		return limitError("QUERY_TOO_DEEP", "the query is nested %d levels deep; the limit is %d", depth, l.MaxDepth)
	case m.aliases > l.MaxAliases:
		return limitError("TOO_MANY_ALIASES", "the query uses %d aliases; the limit is %d", m.aliases, l.MaxAliases)
	}
	return nil
}

func limitError(code, format string, a ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, a...)
	err.Extensions = map[string]any{"code": code}
	return err
}

type shapeMeter struct {
	fragments ast.FragmentDefinitionList
	aliases   int
}

// depth returns how deep set nests and counts its aliases. Validation has
// already refused fragment cycles, so the walk ends.
func (m *shapeMeter) depth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			if s.Alias != "" && s.Alias != s.Name {
				m.aliases++
			}
			deepest = max(deepest, 1+m.depth(s.SelectionSet))
		case *ast.InlineFragment:
			deepest = max(deepest, m.depth(s.SelectionSet))
		case *ast.FragmentSpread:
			if f := m.fragments.ForName(s.Name); f != nil {
				deepest = max(deepest, m.depth(f.SelectionSet))
			}
		}
	}
	return deepest
}
