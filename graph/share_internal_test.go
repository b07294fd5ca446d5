package graph

import (
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/convene/convene/graph/generated"
)

func TestReadsAlike(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	for query, want := range map[string]bool{
		`subscription{ eventChanged{ kind event{ title organizer{ name } attendees{ response } conference{ joinURL } } } }`: true,
		`subscription{ eventChanged{ __typename event{ ...E } } } fragment E on Event{ title room{ name } }`:                true,
		`subscription{ eventChanged{ event{ ... on Event { title } } } }`:                                                   true,
		`subscription{ eventChanged{ event{ channel{ name posts{ totalCount } } } } }`:                                      false,
		`subscription{ eventChanged{ event{ company{ credentials{ provider } } } } }`:                                       false,
		`subscription{ eventChanged{ event{ ... on Node { id } } } }`:                                                       false,
		`subscription{ notificationAdded{ title } }`:                                                                        false,
	} {
		doc, errs := gqlparser.LoadQueryWithRules(schema, query, nil)
		if errs != nil {
			t.Fatalf("%s: %v", query, errs)
		}
		if got := readsAlike(doc.Operations[0].SelectionSet); got != want {
			t.Errorf("%s: readsAlike %v, want %v", query, got, want)
		}
	}
}
