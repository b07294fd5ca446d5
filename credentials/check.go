package credentials

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/connectors/zoom"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/schematype"
)

// Test checks a credential with a cheap real call and records how it
// went: CONNECTED, or ERROR with the provider's refusal in words an admin
// can act on.
func (s *Store) Test(ctx context.Context, id int) (*ent.Credential, error) {
	c, err := s.client.Credential.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	var problem string // what is wrong, for an admin to read; "" when connected
	switch c.Provider {
	case schematype.ProviderZoom, schematype.ProviderZoomJWT:
		problem, err = s.checkZoom(ctx, c)
	case schematype.ProviderGoogle, schematype.ProviderMicrosoft:
		problem, err = s.checkOAuth(ctx, c)
	case schematype.ProviderTrueConf:
		problem, err = s.checkTrueConf(ctx, c)
	case schematype.ProviderVCC:
		problem, err = s.checkCallCenter(ctx, c)
	default:
		return nil, apperr.Invalid("id", "checking %s connections comes with its connector", c.Provider)
	}
	if err != nil {
		return nil, err
	}
	upd := c.Update().SetLastCheckedAt(time.Now()).SetStatus(schematype.StatusConnected).SetLastError(problem)
	if problem != "" {
		upd.SetStatus(schematype.StatusError)
	}
	return upd.Save(ctx)
}

// checkZoom gets a token for the app, saying in words what went wrong.
func (s *Store) checkZoom(ctx context.Context, c *ent.Credential) (string, error) {
	z, err := s.zoomFor(c)
	if err != nil {
		return "", err
	}
	err = z.CheckConnection(ctx)
	var refused *zoom.Error
	switch {
	case err == nil:
		return "", nil
	case c.Provider == schematype.ProviderZoomJWT:
		return "Zoom refused the JWT app's token (" + err.Error() + "). " + zoomJWTRetired, nil
	case errors.As(err, &refused) && refused.OAuthError == "invalid_client":
		return "Zoom refused the client id or client secret: copy both again from the app's page in the Zoom Marketplace", nil
	case errors.As(err, &refused) && refused.OAuthError == "invalid_request":
		return fmt.Sprintf("Zoom does not take this account id (%s): copy it from the app's page in the Zoom Marketplace", refused.Reason), nil
	case errors.As(err, &refused):
		return "Zoom answered: " + refused.Error(), nil
	}
	return fmt.Sprintf("Zoom could not be reached: %v", err), nil
}

// ErrNotConnected is a provider the company has no app for.
var ErrNotConnected = errors.New("credentials: the company has not connected this provider")

// Zoom is a client of the company's Zoom app: its Server-to-Server OAuth
// app, or else its legacy JWT app (whose calls Zoom refuses, in words that
// say so).
func (s *Store) Zoom(ctx context.Context, companyID int) (*zoom.Client, error) {
	c, err := s.companyApp(ctx, companyID, schematype.ProviderZoom, schematype.ProviderZoomJWT)
	if err != nil {
		return nil, err
	}
	return s.zoomFor(c)
}

// zoomFor is a client of the Zoom app c holds.
func (s *Store) zoomFor(c *ent.Credential) (*zoom.Client, error) {
	if c.Provider == schematype.ProviderZoomJWT {
		app, err := s.zoomJWTApp(c)
		return zoom.NewJWT(s.at.Zoom, app), err
	}
	secret, err := s.ClientSecret(c)
	if err != nil {
		return nil, err
	}
	return zoom.New(s.at.Zoom, zoom.App{AccountID: c.AccountID, ClientID: c.ClientID, ClientSecret: secret}), nil
}
