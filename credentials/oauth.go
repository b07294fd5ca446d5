package credentials

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/connectors/google"
	"github.com/convene/convene/connectors/microsoft"
	"github.com/convene/convene/db"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/credential"
	"github.com/convene/convene/ent/notification"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/viewer"
)

// consentTTL is how long an admin has to finish a consent.
const consentTTL = 15 * time.Minute

// ErrNeedsAuth is a credential whose consent is missing, revoked or
// expired: an admin authorizes it again.
var ErrNeedsAuth = errors.New("credentials: the provider needs an admin to authorize the app again")

// consentState is what travels through the provider's consent page and
// back: which credential, who asked (an admin for the company's app, the
// employee for their own calendar), until when, and a nonce from which the
// PKCE verifier is derived. It is signed, so it cannot be forged or moved
// to another company, and the verifier itself never leaves the server.
type consentState struct {
	Company    int    `json:"co"`
	Credential int    `json:"cr"`
	By         int    `json:"by"`
	Nonce      string `json:"n"`
	jwt.RegisteredClaims
}

const consentAudience = "oauth-consent"

func (s *Store) stateKey() ([]byte, error) { return s.keys.DeriveKey("oauth consent state") }

// newConsent signs a state for the admin in ctx to consent for c, and
// returns it with its PKCE verifier.
func (s *Store) newConsent(ctx context.Context, c *ent.Credential) (state, verifier string, err error) {
	v, _ := viewer.FromContext(ctx)
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	claims := consentState{Company: c.CompanyID, Credential: c.ID, By: v.UserID, Nonce: base64.RawURLEncoding.EncodeToString(nonce),
		RegisteredClaims: jwt.RegisteredClaims{Audience: jwt.ClaimStrings{consentAudience}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(consentTTL))}}
	key, err := s.stateKey()
	if err != nil {
		return "", "", err
	}
	state, err = jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	if err != nil {
		return "", "", err
	}
	verifier, err = s.verifier(claims.Nonce)
	return state, verifier, err
}

// verifier is the PKCE verifier of a consent: derived, so nothing is
// stored between the consent and its callback.
func (s *Store) verifier(nonce string) (string, error) {
	key, err := s.keys.DeriveKey("oauth pkce verifier")
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(nonce))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil // 43 characters, as RFC 7636 asks
}

// openConsent checks a state that came back from a consent page.
func (s *Store) openConsent(state string) (consentState, error) {
	key, err := s.stateKey()
	if err != nil {
		return consentState{}, err
	}
	var claims consentState
	_, err = jwt.ParseWithClaims(state, &claims, func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithAudience(consentAudience), jwt.WithExpirationRequired())
	if err != nil {
		return consentState{}, apperr.New(apperr.BadUserInput, "this consent link is not valid or has expired: start again from authorizeCredentialURL")
	}
	return claims, nil
}

// RedirectURI is the address to register with the provider's app, where
// its consent page sends the admin back; "" for providers without consent.
func (s *Store) RedirectURI(c *ent.Credential) string {
	switch c.Provider {
	case schematype.ProviderGoogle:
		return s.publicURL + "/oauth/google/callback"
	case schematype.ProviderMicrosoft:
		return s.publicURL + "/oauth/microsoft/callback"
	}
	return ""
}

// oauthConfig is the app c is consented through, as golang.org/x/oauth2
// knows it: c itself, or for an employee's calendar the company's app.
func (s *Store) oauthConfig(ctx context.Context, c *ent.Credential) (*oauth2.Config, error) {
	app := c
	if c.UserID != nil {
		var err error
		if app, err = s.companyApp(ctx, c.CompanyID, c.Provider); err != nil {
			return nil, err
		}
	}
	secret, err := s.ClientSecret(app)
	if err != nil {
		return nil, err
	}
	if c.Provider == schematype.ProviderMicrosoft {
		return microsoft.OAuth(s.at.Microsoft, app.AccountID, app.ClientID, secret, s.RedirectURI(c)), nil
	}
	return google.OAuth(s.at.Google, app.ClientID, secret, s.RedirectURI(c)), nil
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
	return s.consentURL(ctx, c, "")
}

// consentURL is the provider's consent page for c, for the viewer, who
// signs in there as hint if given.
func (s *Store) consentURL(ctx context.Context, c *ent.Credential, hint string) (string, error) {
	cfg, err := s.oauthConfig(ctx, c)
	if err != nil {
		return "", err
	}
	state, verifier, err := s.newConsent(ctx, c)
	if err != nil {
		return "", err
	}
	if c.Provider == schematype.ProviderMicrosoft {
		return microsoft.ConsentURL(cfg, state, verifier, hint), nil
	}
	return google.ConsentURL(cfg, state, verifier, hint), nil
}

// consentFor opens a state that came back from a consent page and reads
// its credential, acting for the company of whoever asked for the consent:
// the browser coming back carries no session. They must still be an
// active admin, or for their own calendar, active.
func (s *Store) consentFor(ctx context.Context, state string) (context.Context, consentState, *ent.Credential, error) {
	claims, err := s.openConsent(state)
	if err != nil {
		return nil, claims, nil, err
	}
	ctx = viewer.NewCompanyContext(ctx, viewer.SystemOAuth, claims.Company)
	c, err := s.client.Credential.Get(ctx, claims.Credential)
	if err != nil {
		return nil, claims, nil, err
	}
	asker, gone := s.client.User.Query().Where(user.ID(claims.By), user.Active(true)), "can no longer sign in: start it again"
	if c.UserID == nil {
		asker, gone = asker.Where(user.RoleEQ(user.RoleADMIN)), "is no longer an admin: an admin starts it again"
	} else if *c.UserID != claims.By {
		return nil, claims, nil, apperr.New(apperr.Forbidden, "this consent was for someone else's calendar")
	}
	still, err := asker.Exist(ctx)
	if err == nil && !still {
		err = apperr.New(apperr.Forbidden, "whoever started this consent %s", gone)
	}
	return ctx, claims, c, err
}

// DeclinedConsent records that the admin did not grant access.
func (s *Store) DeclinedConsent(ctx context.Context, state, why string) error {
	ctx, _, c, err := s.consentFor(ctx, state)
	if err != nil {
		return err
	}
	return s.needsAuth(ctx, c.Update(), "the consent was not given ("+why+"): authorize again and allow access")
}

// CompleteConsent exchanges the code the provider sent back for tokens,
// and saves them sealed: the credential is CONNECTED.
func (s *Store) CompleteConsent(ctx context.Context, state, code string) (*ent.Credential, error) {
	ctx, claims, c, err := s.consentFor(ctx, state)
	if err != nil {
		return nil, err
	}
	cfg, err := s.oauthConfig(ctx, c)
	if err != nil {
		return nil, err
	}
	verifier, err := s.verifier(claims.Nonce)
	if err != nil {
		return nil, err
	}
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, s.refused(ctx, c, fmt.Sprintf("the provider refused the consent: %v", err))
	}
	if tok.RefreshToken == "" {
		return nil, s.refused(ctx, c, "the provider sent no refresh token: authorize again and grant offline access")
	}
	return s.saveToken(ctx, c.Update(), c, tok).SetStatus(schematype.StatusConnected).SetLastError("").
		SetLastCheckedAt(time.Now()).Save(ctx)
}

// saveToken writes a token, sealed, into u; a refresh token is replaced
// only when the provider sent a new one.
func (s *Store) saveToken(ctx context.Context, u *ent.CredentialUpdateOne, c *ent.Credential, tok *oauth2.Token) *ent.CredentialUpdateOne {
	u.SetAccessToken(s.keys.Seal(tok.AccessToken, place(c, credential.FieldAccessToken))).SetTokenExpiresAt(tok.Expiry)
	if tok.RefreshToken != "" {
		u.SetRefreshToken(s.keys.Seal(tok.RefreshToken, place(c, credential.FieldRefreshToken)))
	}
	return u
}

// needsAuth records, through u, that an admin must authorize its
// credential again, and why.
func (s *Store) needsAuth(ctx context.Context, u *ent.CredentialUpdateOne, why string) error {
	return u.SetStatus(schematype.StatusNeedsAuth).SetLastError(why).SetLastCheckedAt(time.Now()).
		ClearAccessToken().ClearTokenExpiresAt().Exec(ctx)
}

// refused records a consent that did not connect c, and says why.
func (s *Store) refused(ctx context.Context, c *ent.Credential, why string) error {
	if err := s.needsAuth(ctx, c.Update(), why); err != nil {
		return err
	}
	return apperr.New(apperr.ProviderError, "%s", why)
}

// companyToken is a live access token of the company's app for provider.
func (s *Store) companyToken(ctx context.Context, companyID int, provider schematype.Provider) (string, error) {
	c, err := s.companyApp(ctx, companyID, provider)
	if err != nil {
		return "", err
	}
	return s.freshToken(ctx, c)
}

// ForgetToken drops the company's saved access token for provider, which
// the provider refused before it expired: the next call refreshes it.
func (s *Store) ForgetToken(ctx context.Context, companyID int, provider schematype.Provider) error {
	return s.client.Credential.Update().Where(credential.ProviderEQ(provider), credential.UserIDIsNil(), credential.CompanyID(companyID)).
		ClearAccessToken().ClearTokenExpiresAt().Exec(ctx)
}

// checkOAuth makes a real call with the credential's token, saying in
// words what is wrong.
func (s *Store) checkOAuth(ctx context.Context, c *ent.Credential) (string, error) {
	err := s.probe(ctx, c)
	switch {
	case errors.Is(err, ErrNeedsAuth):
		return "", apperr.New(apperr.ProviderError, "%s needs an admin's consent: open authorizeCredentialURL and allow access", c.Provider)
	case err != nil:
		return fmt.Sprintf("%s answered: %v", c.Provider, err), nil
	}
	return "", nil
}

// freshToken is a live access token of the credential: the saved one while
// it lasts, else a new one from its refresh token. Replicas share
// credentials, so a refresh holds the credential's row: one refresh at a
// time, and whoever waited reads the token the first one saved. The new
// token (and a rotated refresh token) is committed before it is used.
func (s *Store) freshToken(ctx context.Context, saved *ent.Credential) (string, error) {
	if token, live, err := s.liveToken(saved); live || err != nil { // most calls: no lock needed
		return token, err
	}
	var token string
	var revoked error
	err := db.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		c, err := tx.Credential.Query().Where(credential.ID(saved.ID)).Modify(db.ForUpdate).Only(ctx)
		if err != nil {
			return err
		}
		var live bool
		if token, live, err = s.liveToken(c); live || err != nil { // refreshed while we waited
			return err
		}
		refresh, err := s.keys.Open(c.RefreshToken, place(c, credential.FieldRefreshToken))
		if err != nil || refresh == "" {
			revoked = errors.New("no consent yet: an admin authorizes the app (authorizeCredentialURL)")
			return err
		}
		cfg, err := s.oauthConfig(ctx, c)
		if err != nil {
			return err
		}
		tok, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: refresh}).Token()
		var refused *oauth2.RetrieveError
		if errors.As(err, &refused) && refused.ErrorCode == "invalid_grant" {
			revoked = errors.New("the provider refused the saved consent (revoked, or unused too long): an admin authorizes the app again")
			return nil
		}
		if err != nil {
			return fmt.Errorf("credentials: refreshing the access token: %w", err)
		}
		token = tok.AccessToken
		return s.saveToken(ctx, tx.Credential.UpdateOne(c), c, tok).Exec(ctx)
	})
	if err != nil {
		return "", err
	}
	if revoked != nil {
		if err := s.lost(ctx, saved.ID, revoked.Error()); err != nil {
			return "", err
		}
		return "", fmt.Errorf("%w: %v", ErrNeedsAuth, revoked)
	}
	return token, nil
}

// liveToken is c's saved access token, if it lasts another minute.
func (s *Store) liveToken(c *ent.Credential) (string, bool, error) {
	if c.TokenExpiresAt == nil || time.Until(*c.TokenExpiresAt) <= time.Minute {
		return "", false, nil
	}
	token, err := s.keys.Open(c.AccessToken, place(c, credential.FieldAccessToken))
	return token, err == nil, err
}

// whoToTell are those to tell that c needs consent again: the company's
// admins for its app, the employee for their own calendar.
func whoToTell(ctx context.Context, tx *ent.Tx, c *ent.Credential) ([]int, string, error) {
	if c.UserID != nil {
		return []int{*c.UserID}, fmt.Sprintf("Your %s calendar needs your consent again", c.Provider), nil
	}
	admins, err := tx.User.Query().Where(user.CompanyID(c.CompanyID), user.RoleEQ(user.RoleADMIN), user.Active(true)).IDs(ctx)
	return admins, fmt.Sprintf("%s needs your consent again", c.Provider), err
}

// lost records that a credential needs consent again; if it was connected
// until now, whoever can give it is told.
func (s *Store) lost(ctx context.Context, id int, why string) error {
	var notices []*ent.Notification
	err := db.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		c, err := tx.Credential.Query().Where(credential.ID(id)).Modify(db.ForUpdate).Only(ctx)
		if err != nil {
			return err
		}
		if err := s.needsAuth(ctx, tx.Credential.UpdateOne(c), why); err != nil || c.Status != schematype.StatusConnected {
			return err
		}
		told, title, err := whoToTell(ctx, tx, c)
		if err != nil {
			return err
		}
		notices, err = tx.Notification.MapCreateBulk(told, func(n *ent.NotificationCreate, i int) {
			n.SetCompanyID(c.CompanyID).SetUserID(told[i]).SetKind(notification.KindCONNECTION_NEEDS_AUTH).
				SetTitle(title).SetBody(why)
		}).Save(ctx)
		return err
	})
	if err != nil {
		return err
	}
	for _, n := range notices {
		if s.Tell != nil {
			s.Tell(ctx, n.Unwrap())
		}
	}
	return nil
}
