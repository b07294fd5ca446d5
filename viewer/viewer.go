// Package viewer carries who is acting through a context: an employee, an
// integrator token, or one of a few named system paths that may bypass the
// tenant rules.
package viewer

import "context"

// Role is what a viewer may do inside their company.
type Role string

const (
	// Admin manages the company: settings, employees, rooms, tokens.
	Admin Role = "ADMIN"
	// Member is an ordinary employee.
	Member Role = "MEMBER"
	// Integrator is a company API token: it reads and subscribes, never writes.
	Integrator Role = "INTEGRATOR"
)

// Viewer is the identity behind a request.
type Viewer struct {
	UserID    int // zero for an integrator token
	CompanyID int
	Role      Role
	TokenID   int // the API token, for an integrator
}

// IsAdmin reports whether the viewer administers their company.
func (v Viewer) IsAdmin() bool { return v.Role == Admin }

// CanWrite reports whether the viewer may change data at all.
func (v Viewer) CanWrite() bool { return v.Role == Admin || v.Role == Member }

type viewerKey struct{}

// NewContext returns ctx acting as v.
func NewContext(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer of ctx, if any.
func FromContext(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok
}

// SystemPath names code that must act across companies or before anyone is
// signed in. The list is closed on purpose: each path is reviewed and tested.
type SystemPath string

const (
	// SystemLogin finds a user by email and checks the password.
	SystemLogin SystemPath = "login"
	// SystemTokens resolves and rotates refresh and API tokens.
	SystemTokens SystemPath = "tokens"
	// SystemSeed creates companies and their first admin (demo, bootstrap).
	SystemSeed SystemPath = "seed"
	// SystemProviders tells members which conference providers their company
	// has connected, without showing them the credentials.
	SystemProviders SystemPath = "providers"
	// SystemJobs writes background work beside the change that causes it,
	// claims it and runs it for the job's company (mail, reminders, sync).
	SystemJobs SystemPath = "jobs"
	// SystemAnswerLinks records an answer given through a signed link in an
	// invitation mail, by someone who is not signed in.
	SystemAnswerLinks SystemPath = "answer-links"
	// SystemCalendarFeed serves one user's meetings to the calendar app that
	// holds the feed's secret address, and sets that address for its owner.
	SystemCalendarFeed SystemPath = "calendar-feed"
	// SystemOAuth completes a consent the provider sends back to us (the
	// signed state names the company), and keeps access tokens fresh.
	SystemOAuth SystemPath = "oauth"
	// SystemCallCenter signs an agent in at their company's call center with
	// the company's access key, which agents use but may not read.
	SystemCallCenter SystemPath = "call-center"
	// SystemCallSettings lets an employee set their own call settings
	// (availability, device, voice session), which only admins may set on
	// anyone else.
	SystemCallSettings SystemPath = "call-settings"
	// SystemCallReports takes the call center's signed reports: it finds the
	// company whose key signed one, then acts for that company.
	SystemCallReports SystemPath = "call-reports"
	// SystemCalendarSync keeps an employee's own calendar connection (their
	// consent, sealed in a credential members may not read) and syncs it,
	// always scoped to that employee by an explicit filter.
	SystemCalendarSync SystemPath = "calendar-sync"
)

type systemKey struct{}

// NewSystemContext returns ctx allowed to bypass privacy rules for path.
func NewSystemContext(ctx context.Context, path SystemPath) context.Context {
	return context.WithValue(ctx, systemKey{}, path)
}

// NewCompanyContext runs work on a system path for one company, as an
// admin of it: background work that belongs to a company (a job, a consent
// coming back from a provider) sees that company and no other.
func NewCompanyContext(ctx context.Context, path SystemPath, companyID int) context.Context {
	return NewContext(NewSystemContext(ctx, path), Viewer{CompanyID: companyID, Role: Admin})
}

// SystemPathFrom returns the system path ctx runs under, if any.
func SystemPathFrom(ctx context.Context) (SystemPath, bool) {
	p, ok := ctx.Value(systemKey{}).(SystemPath)
	return p, ok
}
