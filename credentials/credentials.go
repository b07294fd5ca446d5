// Package credentials stores a company's access to outside systems. Public
// fields are plain columns; secrets are sealed with the secret package and
// bound to their row, so they can be neither read back through the API nor
// moved to another company's row.
package credentials

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/connectors/google"
	"github.com/convene/convene/connectors/microsoft"
	"github.com/convene/convene/connectors/zoom"
	"github.com/convene/convene/db"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/credential"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/secret"
	"github.com/convene/convene/viewer"
)

// ZoomApp is a Zoom Server-to-Server OAuth app.
type ZoomApp struct {
	AccountID    string
	ClientID     string
	ClientSecret string
}

// Providers are where the outside systems are: their own hosts, but in
// tests and the demo.
type Providers struct {
	Zoom      zoom.Endpoints
	Google    google.Endpoints
	Microsoft microsoft.Endpoints
}

// Production are the providers' own hosts.
var Production = Providers{Zoom: zoom.Production, Google: google.Production, Microsoft: microsoft.Production}

// Store reads and writes credentials.
type Store struct {
	client    *ent.Client
	keys      *secret.Keyring
	at        Providers
	publicURL string // OAuth consent comes back here
	// Tell pushes a notice stored for someone, after commit; nil tells no one.
	Tell func(context.Context, *ent.Notification)
}

// New returns a Store sealing with keys, reaching the providers at at.
func New(client *ent.Client, keys *secret.Keyring, at Providers, publicURL string) *Store {
	return &Store{client: client, keys: keys, at: at, publicURL: publicURL}
}

// ConfigureZoom saves the company's Zoom app, replacing an earlier one.
func (s *Store) ConfigureZoom(ctx context.Context, app ZoomApp) (*ent.Credential, error) {
	return s.configure(ctx, schematype.ProviderZoom, "the app's page in the Zoom Marketplace",
		map[string]string{"accountId": app.AccountID, "clientId": app.ClientID, "clientSecret": app.ClientSecret},
		func(u *ent.CredentialUpdateOne) { u.SetAccountID(app.AccountID).SetClientID(app.ClientID) }, app.ClientSecret)
}

// configure saves the company's app for provider, replacing an earlier one
// and what it was granted: every field in required must be given (copied
// from where), set writes the public ones, and the secret is sealed.
func (s *Store) configure(ctx context.Context, provider schematype.Provider, where string, required map[string]string,
	set func(*ent.CredentialUpdateOne), clientSecret string) (*ent.Credential, error) {
	for field, value := range required {
		if strings.TrimSpace(value) == "" {
			return nil, apperr.Invalid(field, "is required: copy it from %s", where)
		}
	}
	var saved *ent.Credential
	err := db.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		c, err := companyCredential(ctx, tx, provider)
		if err != nil {
			return err
		}
		u := c.Update().SetClientSecret(s.keys.Seal(clientSecret, place(c, credential.FieldClientSecret))).
			ClearAccessToken().ClearTokenExpiresAt().ClearRefreshToken().
			SetStatus(schematype.StatusNeedsAuth).SetLastError("not checked yet")
		set(u)
		saved, err = u.Save(ctx)
		return err
	})
	return saved, err
}

// ClientSecret opens a credential's client secret, for the connectors.
func (s *Store) ClientSecret(c *ent.Credential) (string, error) {
	return s.keys.Open(c.ClientSecret, place(c, credential.FieldClientSecret))
}

// companyApp is the company's app for the first of providers it has
// connected (in the order given), or ErrNotConnected.
func (s *Store) companyApp(ctx context.Context, companyID int, providers ...schematype.Provider) (*ent.Credential, error) {
	apps, err := s.client.Credential.Query().Where(credential.ProviderIn(providers...), credential.UserIDIsNil(),
		credential.CompanyID(companyID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	for _, p := range providers {
		if i := slices.IndexFunc(apps, func(c *ent.Credential) bool { return c.Provider == p }); i >= 0 {
			return apps[i], nil
		}
	}
	return nil, ErrNotConnected
}

// companyCredential returns the company-wide credential for provider,
// creating an empty one: a secret can only be sealed once its row has an id.
func companyCredential(ctx context.Context, tx *ent.Tx, provider schematype.Provider) (*ent.Credential, error) {
	c, err := tx.Credential.Query().
		Where(credential.ProviderEQ(provider), credential.UserIDIsNil()).
		Modify(db.ForUpdate).Only(ctx)
	if ent.IsNotFound(err) {
		return tx.Credential.Create().SetProvider(provider).Save(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	return c, nil
}

func place(c *ent.Credential, column string) secret.Place {
	return secret.Place{CompanyID: c.CompanyID, Table: credential.Table, Column: column, RowID: c.ID}
}

// ConferenceVia maps each conference provider to the credentials that serve it.
var ConferenceVia = map[schematype.ConferenceProvider][]schematype.Provider{
	schematype.ConferenceZoom:       {schematype.ProviderZoom, schematype.ProviderZoomJWT},
	schematype.ConferenceGoogleMeet: {schematype.ProviderGoogle},
	schematype.ConferenceTeams:      {schematype.ProviderMicrosoft},
	schematype.ConferenceTrueConf:   {schematype.ProviderTrueConf},
}

// ConferenceProviders lists the conference providers the viewer's company
// has connected. Members may know this though they cannot read credentials,
// so it reads through a system path, filtered to the viewer's company.
func (s *Store) ConferenceProviders(ctx context.Context) ([]schematype.ConferenceProvider, error) {
	v, _ := viewer.FromContext(ctx)
	have, err := s.client.Credential.Query().
		Where(credential.CompanyID(v.CompanyID), credential.UserIDIsNil()).
		Select(credential.FieldProvider).Strings(viewer.NewSystemContext(ctx, viewer.SystemProviders))
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	var out []schematype.ConferenceProvider
	for _, conf := range []schematype.ConferenceProvider{schematype.ConferenceZoom, schematype.ConferenceGoogleMeet, schematype.ConferenceTeams, schematype.ConferenceTrueConf} {
		for _, p := range ConferenceVia[conf] {
			if slices.Contains(have, string(p)) {
				out = append(out, conf)
				break
			}
		}
	}
	return out, nil
}
