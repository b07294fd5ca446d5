package auth

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/refreshtoken"
	"github.com/convene/convene/viewer"
)

// startSession issues an access token and a refresh token in family (a new
// family when empty). ctx must be a system context.
func (s *Service) startSession(ctx context.Context, u *ent.User, family string) (*Session, error) {
	if family == "" {
		family = uuid.NewString()
	}
	token, hash := newOpaqueToken("")
	err := s.client.RefreshToken.Create().
		SetCompanyID(u.CompanyID).SetUserID(u.ID).SetFamily(family).
		SetTokenHash(hash).SetExpiresAt(s.now().Add(s.cfg.RefreshTTL)).
		Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: storing refresh token: %w", err)
	}
	access, exp, err := s.signAccessToken(u, s.cfg.AccessTTL)
	if err != nil {
		return nil, err
	}
	return &Session{AccessToken: access, AccessTokenExpiresAt: exp, RefreshToken: token, User: u}, nil
}

// Refresh trades a refresh token for a new pair. Each refresh token works
// once: presenting a used one means it leaked, so the whole session ends.
func (s *Service) Refresh(ctx context.Context, token string) (*Session, error) {
	sys := viewer.NewSystemContext(ctx, viewer.SystemTokens)
	rt, err := s.client.RefreshToken.Query().
		Where(refreshtoken.TokenHash(hashToken(token))).WithUser().Only(sys)
	if ent.IsNotFound(err) {
		return nil, errBadToken
	}
	if err != nil {
		return nil, fmt.Errorf("auth: refresh: %w", err)
	}
	if rt.RevokedAt != nil || !rt.ExpiresAt.After(s.now()) {
		return nil, errBadToken
	}
	// Claim the token atomically, so two racing refreshes cannot both win.
	claimed, err := s.client.RefreshToken.Update().
		Where(refreshtoken.ID(rt.ID), refreshtoken.UsedAtIsNil()).
		SetUsedAt(s.now()).Save(sys)
	if err != nil {
		return nil, fmt.Errorf("auth: refresh: %w", err)
	}
	if claimed == 0 {
		if err := s.revokeFamily(sys, rt.Family); err != nil {
			return nil, err
		}
		return nil, errBadToken
	}
	if !rt.Edges.User.Active {
		return nil, errDeactivated
	}
	return s.startSession(sys, rt.Edges.User, rt.Family)
}

// Logout ends the session that holds token. An unknown token is not an error:
// the session is over either way.
func (s *Service) Logout(ctx context.Context, token string) error {
	sys := viewer.NewSystemContext(ctx, viewer.SystemTokens)
	rt, err := s.client.RefreshToken.Query().Where(refreshtoken.TokenHash(hashToken(token))).Only(sys)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	return s.revokeFamily(sys, rt.Family)
}

func (s *Service) revokeFamily(ctx context.Context, family string) error {
	err := s.client.RefreshToken.Update().
		Where(refreshtoken.Family(family), refreshtoken.RevokedAtIsNil()).
		SetRevokedAt(s.now()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("auth: revoking session: %w", err)
	}
	return nil
}

// RevokeUserSessions ends every session of a user (deactivation, new password).
func (s *Service) RevokeUserSessions(ctx context.Context, userID int) error {
	err := s.client.RefreshToken.Update().
		Where(refreshtoken.UserID(userID), refreshtoken.RevokedAtIsNil()).
		SetRevokedAt(s.now()).Exec(viewer.NewSystemContext(ctx, viewer.SystemTokens))
	if err != nil {
		return fmt.Errorf("auth: revoking sessions: %w", err)
	}
	return nil
}
