// Package auth signs people and integrators in: password checks, short-lived
// access tokens (JWT), rotating refresh tokens and company API tokens. It
// turns a bearer token into a viewer.Viewer.
package auth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/viewer"
)

// Config holds the token settings.
type Config struct {
	SigningKey []byte        // HMAC key for access tokens
	AccessTTL  time.Duration // default 15 minutes
	RefreshTTL time.Duration // default 30 days
	BcryptCost int           // default bcrypt.DefaultCost
}

// Service signs users in and authenticates requests.
type Service struct {
	client *ent.Client
	cfg    Config
	now    func() time.Time
	// dummyHash is compared against when the email is unknown, so a wrong
	// email takes as long as a wrong password.
	dummyHash []byte
}

// Session is what a successful sign-in or refresh returns.
type Session struct {
	AccessToken          string
	AccessTokenExpiresAt time.Time
	RefreshToken         string
	User                 *ent.User
}

var (
	errBadCredentials = apperr.New(apperr.Unauthenticated, "wrong email or password")
	errDeactivated    = apperr.New(apperr.Unauthenticated, "this account is deactivated; ask your admin")
	errBadToken       = apperr.New(apperr.Unauthenticated, "the token is invalid or expired; sign in again")
)

// New returns a Service. cfg.SigningKey must be at least 32 bytes.
func New(client *ent.Client, cfg Config) (*Service, error) {
	if len(cfg.SigningKey) < 32 {
		return nil, errors.New("auth: signing key must be at least 32 bytes")
	}
	if cfg.AccessTTL == 0 {
		cfg.AccessTTL = 15 * time.Minute
	}
	if cfg.RefreshTTL == 0 {
		cfg.RefreshTTL = 30 * 24 * time.Hour
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.DefaultCost
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("convene-dummy"), cfg.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return &Service{client: client, cfg: cfg, now: time.Now, dummyHash: dummy}, nil
}

// HashPassword hashes a new password, refusing one that is too short.
func (s *Service) HashPassword(field, password string) ([]byte, error) {
	if len(password) < 8 {
		return nil, apperr.Invalid(field, "a password needs at least 8 characters")
	}
	if len(password) > 72 {
		return nil, apperr.Invalid(field, "a password can have at most 72 bytes")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cfg.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("auth: hashing password: %w", err)
	}
	return hash, nil
}

// Login checks an email and password and starts a session.
func (s *Service) Login(ctx context.Context, email, password string) (*Session, error) {
	sys := viewer.NewSystemContext(ctx, viewer.SystemLogin)
	u, err := s.client.User.Query().Where(user.Email(NormalizeEmail(email))).Only(sys)
	if ent.IsNotFound(err) {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return nil, errBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil {
		return nil, errBadCredentials
	}
	if !u.Active {
		return nil, errDeactivated
	}
	return s.startSession(sys, u, "")
}

// NormalizeEmail is the form emails are stored and looked up in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// accessClaims are the claims of an access token.
type accessClaims struct {
	jwt.RegisteredClaims
	CompanyID int `json:"cid"`
}

const issuer = "convene"

func (s *Service) signAccessToken(u *ent.User, ttl time.Duration) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(ttl)
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   strconv.Itoa(u.ID),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		CompanyID: u.CompanyID,
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.cfg.SigningKey)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: signing: %w", err)
	}
	return token, exp, nil
}

// Authenticate turns a bearer token (access JWT or API token) into a viewer.
// The user is read on every request so a deactivation or a role change takes
// effect at once, not when the token expires.
func (s *Service) Authenticate(ctx context.Context, token string) (viewer.Viewer, error) {
	if isAPIToken(token) {
		return s.authenticateAPIToken(ctx, token)
	}
	var claims accessClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return s.cfg.SigningKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.now))
	if err != nil {
		return viewer.Viewer{}, errBadToken
	}
	id, err := strconv.Atoi(claims.Subject)
	if err != nil {
		return viewer.Viewer{}, errBadToken
	}
	u, err := s.client.User.Get(viewer.NewSystemContext(ctx, viewer.SystemTokens), id)
	if ent.IsNotFound(err) {
		return viewer.Viewer{}, errBadToken
	}
	if err != nil {
		return viewer.Viewer{}, fmt.Errorf("auth: loading user: %w", err)
	}
	if !u.Active {
		return viewer.Viewer{}, errDeactivated
	}
	return viewer.Viewer{UserID: u.ID, CompanyID: u.CompanyID, Role: viewer.Role(u.Role)}, nil
}

// IssueAccessToken signs an access token for u valid for ttl, for the demo's
// printed token; sign-ins get cfg.AccessTTL.
func (s *Service) IssueAccessToken(u *ent.User, ttl time.Duration) (string, error) {
	token, _, err := s.signAccessToken(u, ttl)
	return token, err
}
