package credentials

import (
	"context"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/connectors/zoom"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/schematype"
)

// ZoomJWTApp is a legacy Zoom JWT app.
type ZoomJWTApp struct {
	APIKey       string
	APISecret    string
	TokenMinutes *int // each token's lifetime; an hour if not given
}

// zoomJWTRetired is what an admin of a JWT app needs to know, and do.
const zoomJWTRetired = "Zoom retired JWT apps on September 8, 2023 and no longer takes their tokens. " +
	"Move to a Server-to-Server OAuth app: in the Zoom App Marketplace choose Develop → Build App → Server-to-Server OAuth, " +
	"add the meeting:write:admin and user:read:admin scopes, activate the app, " +
	"then connect its account id, client id and client secret with configureZoom."

// ConfigureZoomJWT saves the company's legacy Zoom JWT app; its warning
// says that Zoom no longer takes it and how to move on.
func (s *Store) ConfigureZoomJWT(ctx context.Context, app ZoomJWTApp) (*ent.Credential, error) {
	minutes := 60
	if app.TokenMinutes != nil {
		minutes = *app.TokenMinutes
	}
	if minutes < 1 || minutes > 60*24*90 {
		return nil, apperr.Invalid("tokenMinutes", "must be between 1 minute and 90 days")
	}
	return s.configure(ctx, schematype.ProviderZoomJWT, "the JWT app's App Credentials page in the Zoom Marketplace",
		map[string]string{"apiKey": app.APIKey, "apiSecret": app.APISecret},
		func(u *ent.CredentialUpdateOne) { u.SetClientID(app.APIKey).SetTokenTTLMinutes(minutes) }, app.APISecret)
}

// ZoomJWTToken issues a token of the company's JWT app, as the app's "View
// JWT token" did.
func (s *Store) ZoomJWTToken(ctx context.Context, id int) (string, error) {
	c, err := s.client.Credential.Get(ctx, id) // admins only, by the credential's policy
	if err != nil {
		return "", err
	}
	if c.Provider != schematype.ProviderZoomJWT {
		return "", apperr.Invalid("id", "not a Zoom JWT app")
	}
	app, err := s.zoomJWTApp(c)
	if err != nil {
		return "", err
	}
	token, _, err := app.Token(time.Now())
	return token, err
}

func (s *Store) zoomJWTApp(c *ent.Credential) (zoom.JWTApp, error) {
	secret, err := s.ClientSecret(c)
	return zoom.JWTApp{APIKey: c.ClientID, APISecret: secret, TTL: time.Duration(c.TokenTTLMinutes) * time.Minute}, err
}

// Warning is what an admin should know about a credential before relying
// on it; "" when nothing.
func Warning(c *ent.Credential) string {
	if c.Provider == schematype.ProviderZoomJWT {
		return zoomJWTRetired
	}
	return ""
}
