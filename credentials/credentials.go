// Package credentials stores a company's access to outside systems. Public
// fields are plain columns; secrets are sealed with the secret package and
// bound to their row, so they can be neither read back through the API nor
// moved to another company's row.
package credentials

import (
	"context"
	"fmt"
	"slices"

	"github.com/convene/convene/apperr"
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

// Store reads and writes credentials.
type Store struct {
	client *ent.Client
	keys   *secret.Keyring
	zoom   zoom.Endpoints // where Zoom is: zoom.Production but in tests
}

// New returns a Store sealing with keys, reaching Zoom at zoomAt.
func New(client *ent.Client, keys *secret.Keyring, zoomAt zoom.Endpoints) *Store {
	return &Store{client: client, keys: keys, zoom: zoomAt}
}

// ConfigureZoom saves the company's Zoom app, replacing an earlier one.
func (s *Store) ConfigureZoom(ctx context.Context, app ZoomApp) (*ent.Credential, error) {
	for field, value := range map[string]string{
		"accountId": app.AccountID, "clientId": app.ClientID, "clientSecret": app.ClientSecret,
	} {
		if value == "" {
			return nil, apperr.Invalid(field, "is required: copy it from the app's page in the Zoom Marketplace")
		}
	}
	var saved *ent.Credential
	err := db.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		c, err := companyCredential(ctx, tx, schematype.ProviderZoom)
		if err != nil {
			return err
		}
		saved, err = c.Update().
			SetAccountID(app.AccountID).SetClientID(app.ClientID).
			SetClientSecret(s.keys.Seal(app.ClientSecret, place(c, credential.FieldClientSecret))).
			ClearAccessToken().ClearTokenExpiresAt().
			SetStatus(schematype.StatusNeedsAuth).SetLastError("not checked yet").
			Save(ctx)
		return err
	})
	return saved, err
}

// ClientSecret opens a credential's client secret, for the connectors.
func (s *Store) ClientSecret(c *ent.Credential) (string, error) {
	return s.keys.Open(c.ClientSecret, place(c, credential.FieldClientSecret))
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

// conferenceVia maps each conference provider to the credentials that serve it.
var conferenceVia = map[schematype.ConferenceProvider][]schematype.Provider{
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
		for _, p := range conferenceVia[conf] {
			if slices.Contains(have, string(p)) {
				out = append(out, conf)
				break
			}
		}
	}
	return out, nil
}
