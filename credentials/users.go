package credentials

import (
	"context"
	"errors"
	"strings"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/db"
	"github.com/convene/convene/directory"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/provideraccount"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/viewer"
)

// ProviderUser is a user of the company's account at a provider.
type ProviderUser struct {
	ID, Email, Name string
}

// ProviderUserPage is one page of them.
type ProviderUserPage struct {
	Users         []ProviderUser
	NextPageToken *string
	TotalCount    int
}

// ProviderUsers lists the users of the company's account at provider, a
// page of first from the token after. Admins only: it reads the credential.
func (s *Store) ProviderUsers(ctx context.Context, provider schematype.Provider, first int, after *string) (*ProviderUserPage, error) {
	if provider != schematype.ProviderZoom {
		return nil, apperr.Invalid("provider", "listing %s users is not built yet", provider)
	}
	v, _ := viewer.FromContext(ctx)
	z, err := s.Zoom(ctx, v.CompanyID) // the credential's own policy keeps this to admins
	if errors.Is(err, ErrNotConnected) {
		return nil, apperr.Invalid("provider", "connect the company's Zoom app first (configureZoom)")
	}
	if err != nil {
		return nil, err
	}
	token := ""
	if after != nil {
		token = *after
	}
	page, err := z.Users(ctx, first, token)
	if err != nil {
		return nil, apperr.New(apperr.ProviderError, "Zoom: %v", err)
	}
	out := &ProviderUserPage{TotalCount: page.TotalRecords}
	if page.NextPageToken != "" {
		out.NextPageToken = &page.NextPageToken
	}
	for _, u := range page.Users {
		out.Users = append(out.Users, ProviderUser{ID: u.ID, Email: u.Email, Name: strings.TrimSpace(u.FirstName + " " + u.LastName)})
	}
	return out, nil
}

// SetProviderAccount maps an employee to a user of the provider account,
// replacing an earlier mapping.
func (s *Store) SetProviderAccount(ctx context.Context, userID int, provider schematype.Provider, externalID string) (*ent.ProviderAccount, error) {
	if strings.TrimSpace(externalID) == "" {
		return nil, apperr.Invalid("externalUserId", "name the provider's user: an id from providerUsers")
	}
	if missing, err := directory.NotEmployees(ctx, s.client, []int{userID}); err != nil || len(missing) > 0 {
		if err == nil {
			err = apperr.Invalid("user", "not an active employee of your company")
		}
		return nil, err
	}
	var saved *ent.ProviderAccount
	err := db.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		_, err := tx.ProviderAccount.Delete().Where(provideraccount.UserID(userID), provideraccount.ProviderEQ(provider)).Exec(ctx)
		if err != nil {
			return err
		}
		saved, err = tx.ProviderAccount.Create().SetUserID(userID).SetProvider(provider).SetExternalUserID(externalID).Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return saved.Unwrap(), nil
}
