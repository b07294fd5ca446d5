package credentials

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/connectors/trueconf"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/schematype"
)

// TrueConfApp is an OAuth client registered on the company's own TrueConf
// Server.
type TrueConfApp struct {
	ServerURL    string
	ClientID     string
	ClientSecret string
}

// ConfigureTrueConf saves the company's TrueConf Server and its client.
func (s *Store) ConfigureTrueConf(ctx context.Context, app TrueConfApp) (*ent.Credential, error) {
	server, err := serverAddress("serverUrl", app.ServerURL, "https://video.example.com")
	if err != nil {
		return nil, err
	}
	return s.configure(ctx, schematype.ProviderTrueConf, "the TrueConf Server's control panel (API → OAuth2)",
		map[string]string{"serverUrl": server, "clientId": app.ClientID, "clientSecret": app.ClientSecret},
		func(u *ent.CredentialUpdateOne) { u.SetBaseURL(server).SetClientID(app.ClientID) }, app.ClientSecret)
}

// serverAddress is raw as a server's address, without a trailing slash;
// empty stays empty, for configure to call required.
func serverAddress(field, raw, example string) (string, error) {
	server := strings.TrimRight(strings.TrimSpace(raw), "/")
	if u, err := url.Parse(server); server != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "") {
		return "", apperr.Invalid(field, "must be the server's address, such as %s", example)
	}
	return server, nil
}

// TrueConf is a client of the company's TrueConf Server, or
// ErrNotConnected.
func (s *Store) TrueConf(ctx context.Context, companyID int) (*trueconf.Client, error) {
	c, err := s.companyApp(ctx, companyID, schematype.ProviderTrueConf)
	if err != nil {
		return nil, err
	}
	return s.trueConfFor(c)
}

func (s *Store) trueConfFor(c *ent.Credential) (*trueconf.Client, error) {
	secret, err := s.ClientSecret(c)
	if err != nil {
		return nil, err
	}
	return trueconf.New(trueconf.App{Server: c.BaseURL, ClientID: c.ClientID, ClientSecret: secret}), nil
}

// checkTrueConf gets a token from the server, saying in words what is wrong.
func (s *Store) checkTrueConf(ctx context.Context, c *ent.Credential) (string, error) {
	tc, err := s.trueConfFor(c)
	if err != nil {
		return "", err
	}
	if err := tc.CheckConnection(ctx); err != nil {
		return fmt.Sprintf("TrueConf Server at %s answered: %v", c.BaseURL, err), nil
	}
	return "", nil
}
