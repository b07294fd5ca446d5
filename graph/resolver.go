// Package graph is Convene's GraphQL layer: gqlgen's generated executor (in
// generated/), thin resolvers that call the domain packages, and the handler
// with its limits and error presentation.
package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/convene/convene/auth"
	"github.com/convene/convene/calls"
	"github.com/convene/convene/calsync"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/directory"
	"github.com/convene/convene/discussion"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/graph/generated"
	"github.com/convene/convene/jobs"
	"github.com/convene/convene/notify"
	"github.com/convene/convene/realtime"
	"github.com/convene/convene/scheduling"
)

// Resolver holds what the resolvers call. It is the one place where the
// GraphQL layer's dependencies are wired.
type Resolver struct {
	Client      *ent.Client
	Auth        *auth.Service
	Directory   *directory.Directory
	Credentials *credentials.Store
	Agents      *calls.Agents
	Calling     *calls.Calls
	Sync        *calsync.Syncer
	Calendar    *scheduling.Calendar
	Planner     *scheduling.Planner
	Broker      realtime.Broker
	Discussion  *discussion.Discussion
	Jobs        *jobs.Queue
	Feeds       *notify.Feeds
	PublicURL   string // where links the API hands out point
	shared      *sharedLoads
}

// NewSchema returns the executable schema over r, with cost multipliers for
// paginated fields so a large page costs what it loads.
func NewSchema(r *Resolver) graphql.ExecutableSchema {
	r.shared = newSharedLoads()
	cfg := generated.Config{Resolvers: r}
	setComplexity(&cfg.Complexity)
	return generated.NewExecutableSchema(cfg)
}
