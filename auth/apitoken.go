package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/apitoken"
	"github.com/convene/convene/viewer"
)

// lastUsedResolution bounds how often a token's last use is written: one
// write a minute per token instead of one per request.
const lastUsedResolution = time.Minute

// NewAPIToken is a created integrator token; Token is shown only once.
type NewAPIToken struct {
	Token    string
	APIToken *ent.APIToken
}

// CreateAPIToken makes a read-and-subscribe token for the viewer's company.
// The privacy policy lets only admins do it.
func (s *Service) CreateAPIToken(ctx context.Context, name string) (*NewAPIToken, error) {
	v, _ := viewer.FromContext(ctx)
	token, hash := newOpaqueToken(apiTokenPrefix)
	t, err := s.client.APIToken.Create().
		SetName(name).SetTokenHash(hash).SetCreatedByID(v.UserID).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	return &NewAPIToken{Token: token, APIToken: t}, nil
}

// RevokeAPIToken stops a token from working.
func (s *Service) RevokeAPIToken(ctx context.Context, id int) (*ent.APIToken, error) {
	return s.client.APIToken.UpdateOneID(id).SetRevokedAt(s.now()).Save(ctx)
}

func (s *Service) authenticateAPIToken(ctx context.Context, token string) (viewer.Viewer, error) {
	sys := viewer.NewSystemContext(ctx, viewer.SystemTokens)
	t, err := s.client.APIToken.Query().Where(apitoken.TokenHash(hashToken(token))).Only(sys)
	if ent.IsNotFound(err) {
		return viewer.Viewer{}, errBadToken
	}
	if err != nil {
		return viewer.Viewer{}, fmt.Errorf("auth: api token: %w", err)
	}
	if t.RevokedAt != nil {
		return viewer.Viewer{}, apperr.New(apperr.Unauthenticated, "this API token was revoked")
	}
	if now := s.now(); t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > lastUsedResolution {
		if err := s.client.APIToken.UpdateOne(t).SetLastUsedAt(now).Exec(sys); err != nil {
			return viewer.Viewer{}, fmt.Errorf("auth: api token: %w", err)
		}
	}
	return viewer.Viewer{CompanyID: t.CompanyID, Role: viewer.Integrator, TokenID: t.ID}, nil
}
