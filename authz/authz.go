// Package authz holds the ent privacy policies and hooks that keep every read
// and write inside the viewer's company. They live here, not in the resolvers,
// so a forgotten filter in a resolver cannot leak another company's data.
//
// Adding an entity: embed schema.TenantMixin (company_id, the tenant filter,
// the company hooks), then add a Policy for who may write it (AdminWrites,
// AdminOnly, SystemOnly or none for members), and a test in authz_test.go.
package authz

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"entgo.io/ent"
	"entgo.io/ent/entql"

	gen "github.com/convene/convene/ent"
	"github.com/convene/convene/ent/channel"
	"github.com/convene/convene/ent/post"
	"github.com/convene/convene/ent/privacy"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/viewer"
)

const companyField = "company_id"

// allowSystem lets the named system paths through every rule.
var allowSystem = privacy.ContextQueryMutationRule(func(ctx context.Context) error {
	if _, ok := viewer.SystemPathFrom(ctx); ok {
		return privacy.Allow
	}
	return privacy.Skip
})

// denyAnonymous refuses everything to a context with no viewer.
var denyAnonymous = privacy.ContextQueryMutationRule(func(ctx context.Context) error {
	if _, ok := viewer.FromContext(ctx); !ok {
		return privacy.Denyf("authz: not signed in")
	}
	return privacy.Skip
})

// denyReadOnly refuses writes to integrator tokens.
var denyReadOnly = privacy.MutationRuleFunc(func(ctx context.Context, _ gen.Mutation) error {
	if v, _ := viewer.FromContext(ctx); !v.CanWrite() {
		return privacy.Denyf("authz: integrator tokens cannot change data")
	}
	return privacy.Skip
})

// filterField narrows a query or an update/delete to rows whose field equals
// the value the viewer is entitled to.
func filterField(field string, value func(viewer.Viewer) int) privacy.FilterFunc {
	return func(ctx context.Context, f privacy.Filter) error {
		v, _ := viewer.FromContext(ctx)
		f.Where(entql.FieldEQ(field, value(v)))
		return privacy.Skip
	}
}

func viewerCompany(v viewer.Viewer) int { return v.CompanyID }
func viewerUser(v viewer.Viewer) int    { return v.UserID }

// onChange applies a rule to updates and deletes, where a filter applies.
func onChange(rule privacy.MutationRule) privacy.MutationRule {
	return privacy.OnMutationOperation(rule, ent.OpUpdate|ent.OpUpdateOne|ent.OpDelete|ent.OpDeleteOne)
}

// denyForeignCreate refuses a new row placed in another company.
var denyForeignCreate = privacy.OnMutationOperation(privacy.MutationRuleFunc(func(ctx context.Context, m gen.Mutation) error {
	v, _ := viewer.FromContext(ctx)
	if id, ok := m.Field(companyField); ok && id != v.CompanyID {
		return privacy.Denyf("authz: cannot create rows in another company")
	}
	return privacy.Skip
}), ent.OpCreate)

// TenantPolicy is every company-owned entity's base policy. It ends in Skip,
// not Allow, so the entity's own policy still decides who may write.
func TenantPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowSystem, denyAnonymous, filterField(companyField, viewerCompany)},
		Mutation: privacy.MutationPolicy{
			allowSystem, denyAnonymous, denyReadOnly, denyForeignCreate,
			onChange(filterField(companyField, viewerCompany)),
		},
	}
}

// CompanyPolicy lets a viewer read their own company and its admins change it.
func CompanyPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{allowSystem, denyAnonymous, filterField("id", viewerCompany)},
		Mutation: privacy.MutationPolicy{
			allowSystem, denyAnonymous, requireAdmin,
			privacy.DenyMutationOperationRule(ent.OpCreate | ent.OpDelete | ent.OpDeleteOne),
			filterField("id", viewerCompany),
		},
	}
}

var requireAdmin = privacy.ContextQueryMutationRule(func(ctx context.Context) error {
	if v, _ := viewer.FromContext(ctx); !v.IsAdmin() {
		return privacy.Denyf("authz: only an admin may do this")
	}
	return privacy.Skip
})

// AdminWrites lets every viewer of the company read, and only admins write.
func AdminWrites() ent.Policy {
	return privacy.Policy{Mutation: privacy.MutationPolicy{requireAdmin}}
}

// AdminOnly keeps reads and writes to admins (credentials, jobs, API tokens).
func AdminOnly() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{requireAdmin},
		Mutation: privacy.MutationPolicy{requireAdmin},
	}
}

// SystemOnly is for rows only system paths touch, such as refresh tokens.
func SystemOnly() ent.Policy {
	deny := privacy.AlwaysDenyRule()
	return privacy.Policy{Query: privacy.QueryPolicy{deny}, Mutation: privacy.MutationPolicy{deny}}
}

// OwnNotifications lets a user read and mark only their own notices. Anyone
// in the company may create one for a colleague (an invitation, say).
func OwnNotifications() ent.Policy {
	own := filterField("user_id", viewerUser)
	return privacy.Policy{
		Query:    privacy.QueryPolicy{own},
		Mutation: privacy.MutationPolicy{onChange(own)},
	}
}

// SetCompanyOnCreate places a new row in the viewer's company unless the
// caller chose one (which denyForeignCreate has already checked).
func SetCompanyOnCreate() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if !m.Op().Is(ent.OpCreate) {
				return next.Mutate(ctx, m)
			}
			if _, ok := m.Field(companyField); !ok {
				v, ok := viewer.FromContext(ctx)
				if !ok {
					return nil, fmt.Errorf("authz: %s created without a company", m.Type())
				}
				if err := m.SetField(companyField, v.CompanyID); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

// SameCompanyEdges refuses a row that links to an object the viewer cannot
// see, such as an attendee from another company. Global ids name their
// table, so one count per table checks every edge with the target's own
// read policy.
func SameCompanyEdges() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if _, system := viewer.SystemPathFrom(ctx); system {
				return next.Mutate(ctx, m)
			}
			ids := linkedIDs(m)
			if len(ids) == 0 {
				return next.Mutate(ctx, m)
			}
			client := m.(interface{ Client() *gen.Client }).Client()
			visible, err := client.CountVisible(ctx, ids)
			if err != nil && !errors.Is(err, privacy.Deny) {
				return nil, fmt.Errorf("authz: checking links: %w", err)
			}
			if err != nil || visible != len(slices.Compact(slices.Sorted(slices.Values(ids)))) {
				return nil, fmt.Errorf("authz: %s links an object outside your company: %w", m.Type(), privacy.Deny)
			}
			return next.Mutate(ctx, m)
		})
	}
}

// linkedIDs lists the ids a mutation adds edges to, other than its company.
func linkedIDs(m ent.Mutation) []int {
	var ids []int
	for _, name := range m.AddedEdges() {
		if name == "company" {
			continue
		}
		for _, id := range m.AddedIDs(name) {
			ids = append(ids, id.(int))
		}
	}
	return ids
}

// ChannelMembersRead lets members read their channels' posts; admins and
// integrator tokens read every post of the company.
func ChannelMembersRead() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{privacy.PostQueryRuleFunc(func(ctx context.Context, q *gen.PostQuery) error {
		if v, _ := viewer.FromContext(ctx); v.Role == viewer.Member {
			q.Where(post.HasChannelWith(channel.HasMembersWith(user.ID(v.UserID))))
		}
		return privacy.Skip
	})}}
}
