package credentials

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/oauth2"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/connectors/google"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/credential"
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

// RedirectURI is the address to register with the provider's app, where
// its consent page sends the admin back; "" for providers without consent.
func (s *Store) RedirectURI(c *ent.Credential) string {
	switch c.Provider {
	case schematype.ProviderGoogle:
		return s.publicURL + "/oauth/google/callback"
	}
	return ""
}

// AuthorizeURL is the provider's consent page for credential id, for the
// admin asking: offline access, a signed state and PKCE.
func (s *Store) AuthorizeURL(ctx context.Context, id int) (string, error) {
	c, err := s.client.Credential.Get(ctx, id) // admins only, by the credential's policy
	if err != nil {
		return "", err
	}
	if s.RedirectURI(c) == "" {
		return "", apperr.Invalid("id", "%s is connected with its keys alone: there is nothing to authorize", c.Provider)
	}
	cfg, err := s.googleOAuth(c)
	if err != nil {
		return "", err
	}
	state, verifier, err := s.newConsent(ctx, c)
	if err != nil {
		return "", err
	}
	return google.ConsentURL(cfg, state, verifier), nil
}

// CompleteGoogle finishes a Google consent: code and state are what Google
// sent back to the callback.
func (s *Store) CompleteGoogle(ctx context.Context, state, code string) (*ent.Credential, error) {
	return s.completeConsent(ctx, state, code, s.googleOAuth)
}

// DeclinedConsent records that the admin did not grant access.
func (s *Store) DeclinedConsent(ctx context.Context, state, why string) error {
	claims, err := s.openConsent(state)
	if err != nil {
		return err
	}
	ctx = consentContext(ctx, claims)
	c, err := s.client.Credential.Get(ctx, claims.Credential)
	if err != nil {
		return err
	}
	return s.needsAuth(ctx, c.Update(), "the consent was not given ("+why+"): authorize again and allow access")
}

func (s *Store) googleOAuth(c *ent.Credential) (*oauth2.Config, error) {
	secret, err := s.ClientSecret(c)
	if err != nil {
		return nil, err
	}
	return google.OAuth(s.at.Google, c.ClientID, secret, s.RedirectURI(c)), nil
}

// GoogleCalendar is a client of the calendar the company's Google app was
// authorized for; ErrNotConnected without an app, ErrNeedsAuth when its
// consent is missing or was withdrawn.
func (s *Store) GoogleCalendar(ctx context.Context, companyID int) (*google.Calendar, error) {
	c, err := s.client.Credential.Query().Where(credential.ProviderEQ(schematype.ProviderGoogle), credential.UserIDIsNil(),
		credential.CompanyID(companyID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrNotConnected
	}
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	token, err := s.freshToken(ctx, c.ID, s.googleOAuth)
	if err != nil {
		return nil, err
	}
	return google.NewCalendar(s.at.Google, token), nil
}

// checkGoogle reads the authorized calendar, saying in words what is wrong.
func (s *Store) checkGoogle(ctx context.Context, c *ent.Credential) (string, error) {
	cal, err := s.GoogleCalendar(ctx, c.CompanyID)
	if errors.Is(err, ErrNeedsAuth) {
		return "", apperr.New(apperr.ProviderError, "Google needs an admin's consent: open authorizeCredentialURL and allow access")
	}
	if err != nil {
		return fmt.Sprintf("Google could not be reached: %v", err), nil
	}
	if _, err := cal.PrimaryCalendar(ctx); err != nil {
		return "Google answered: " + err.Error(), nil
	}
	return "", nil
}
