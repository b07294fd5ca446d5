package credentials

import (
	"context"
	"strings"

	"github.com/convene/convene/connectors/google"
	"github.com/convene/convene/connectors/microsoft"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/schematype"
)

// GoogleApp is a company's Google OAuth client (a web application).
type GoogleApp struct {
	ClientID     string
	ClientSecret string
}

// ConfigureGoogle saves the company's Google app. It needs an admin's
// consent next (AuthorizeURL).
func (s *Store) ConfigureGoogle(ctx context.Context, app GoogleApp) (*ent.Credential, error) {
	return s.configure(ctx, schematype.ProviderGoogle, "the OAuth client's page in the Google Cloud console (APIs & Services → Credentials)",
		map[string]string{"clientId": app.ClientID, "clientSecret": app.ClientSecret},
		func(u *ent.CredentialUpdateOne) { u.SetClientID(app.ClientID) }, app.ClientSecret)
}

// MicrosoftApp is a company's Microsoft Entra app registration.
type MicrosoftApp struct {
	Tenant       *string // "common" if not given, else "organizations" or the tenant's id or domain
	ClientID     string
	ClientSecret string
}

// ConfigureMicrosoft saves the company's Microsoft app. It needs an
// admin's consent next (AuthorizeURL).
func (s *Store) ConfigureMicrosoft(ctx context.Context, app MicrosoftApp) (*ent.Credential, error) {
	tenant := "common"
	if app.Tenant != nil && strings.TrimSpace(*app.Tenant) != "" {
		tenant = strings.TrimSpace(*app.Tenant)
	}
	return s.configure(ctx, schematype.ProviderMicrosoft, "the app registration's Overview and Certificates & secrets pages in the Microsoft Entra admin center",
		map[string]string{"clientId": app.ClientID, "clientSecret": app.ClientSecret},
		func(u *ent.CredentialUpdateOne) { u.SetClientID(app.ClientID).SetAccountID(tenant) }, app.ClientSecret)
}

// GoogleCalendar is a client of the calendar the company's Google app was
// authorized for; ErrNotConnected without an app, ErrNeedsAuth when its
// consent is missing or was withdrawn.
func (s *Store) GoogleCalendar(ctx context.Context, companyID int) (*google.Calendar, error) {
	token, err := s.companyToken(ctx, companyID, schematype.ProviderGoogle)
	if err != nil {
		return nil, err
	}
	return google.NewCalendar(s.at.Google, token), nil
}

// MicrosoftGraph is a client of the mailbox the company's Microsoft app
// was authorized for; errors as GoogleCalendar's.
func (s *Store) MicrosoftGraph(ctx context.Context, companyID int) (*microsoft.Graph, error) {
	token, err := s.companyToken(ctx, companyID, schematype.ProviderMicrosoft)
	if err != nil {
		return nil, err
	}
	return microsoft.NewGraph(s.at.Microsoft, token), nil
}

// probe makes the cheapest real call with an OAuth credential's token.
func (s *Store) probe(ctx context.Context, c *ent.Credential) error {
	switch c.Provider {
	case schematype.ProviderGoogle:
		cal, err := s.GoogleCalendar(ctx, c.CompanyID)
		if err == nil {
			_, err = cal.PrimaryCalendar(ctx)
		}
		return err
	default:
		graph, err := s.MicrosoftGraph(ctx, c.CompanyID)
		if err == nil {
			_, err = graph.Calendar(ctx)
		}
		return err
	}
}
