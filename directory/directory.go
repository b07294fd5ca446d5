// Package directory manages a company's employees: creating, changing and
// deactivating them. Who may do it is the User privacy policy's business
// (admins); this package checks the input and keeps sessions in step.
package directory

import (
	"context"
	"fmt"
	"net/mail"
	"slices"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/auth"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/viewer"
)

// NewUser is an employee to create.
type NewUser struct {
	Name      string
	Email     string
	Password  string
	Role      *user.Role
	Phone     *string
	TimeZone  *string
	Extension *string
}

// UserChanges are the fields to change; nil leaves a field as it is.
type UserChanges struct {
	Name      *string
	Email     *string
	Password  *string
	Role      *user.Role
	Phone     *string
	TimeZone  *string
	Extension *string
}

// Directory creates and changes employees.
type Directory struct {
	client *ent.Client
	auth   *auth.Service
}

// New returns a Directory.
func New(client *ent.Client, auth *auth.Service) *Directory {
	return &Directory{client: client, auth: auth}
}

// CreateUser adds an employee to the viewer's company.
func (d *Directory) CreateUser(ctx context.Context, in NewUser) (*ent.User, error) {
	email, err := d.checkEmail(ctx, "email", in.Email, 0)
	if err != nil {
		return nil, err
	}
	hash, err := d.auth.HashPassword("password", in.Password)
	if err != nil {
		return nil, err
	}
	return d.client.User.Create().
		SetName(in.Name).SetEmail(email).SetPasswordHash(hash).
		SetNillableRole(in.Role).SetNillablePhone(in.Phone).
		SetNillableTimeZone(in.TimeZone).SetNillableExtension(in.Extension).
		Save(ctx)
}

// UpdateUser changes an employee. A new password signs them out everywhere.
func (d *Directory) UpdateUser(ctx context.Context, id int, ch UserChanges) (*ent.User, error) {
	upd := d.client.User.UpdateOneID(id).
		SetNillableName(ch.Name).SetNillableRole(ch.Role).SetNillablePhone(ch.Phone).
		SetNillableTimeZone(ch.TimeZone).SetNillableExtension(ch.Extension)
	if ch.Email != nil {
		email, err := d.checkEmail(ctx, "email", *ch.Email, id)
		if err != nil {
			return nil, err
		}
		upd.SetEmail(email)
	}
	if ch.Password != nil {
		hash, err := d.auth.HashPassword("password", *ch.Password)
		if err != nil {
			return nil, err
		}
		upd.SetPasswordHash(hash)
	}
	u, err := upd.Save(ctx)
	if err != nil {
		return nil, err
	}
	if ch.Password != nil {
		return u, d.auth.RevokeUserSessions(ctx, id)
	}
	return u, nil
}

// DeactivateUser stops an employee from signing in and ends their sessions.
func (d *Directory) DeactivateUser(ctx context.Context, id int) (*ent.User, error) {
	if v, _ := viewer.FromContext(ctx); v.UserID == id {
		return nil, apperr.Invalid("id", "you cannot deactivate yourself; ask another admin")
	}
	u, err := d.client.User.UpdateOneID(id).SetActive(false).Save(ctx)
	if err != nil {
		return nil, err
	}
	return u, d.auth.RevokeUserSessions(ctx, id)
}

// checkEmail normalizes an address and makes sure no other user has it.
// Emails sign people in, so they are unique across companies; the unique
// index is the final word, this check gives the clear message.
func (d *Directory) checkEmail(ctx context.Context, field, raw string, self int) (string, error) {
	email := auth.NormalizeEmail(raw)
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		return "", apperr.Invalid(field, "%q is not an email address", raw)
	}
	taken, err := d.client.User.Query().Where(user.Email(email), user.IDNEQ(self)).
		Exist(viewer.NewSystemContext(ctx, viewer.SystemLogin))
	if err != nil {
		return "", fmt.Errorf("directory: %w", err)
	}
	if taken {
		return "", &apperr.Error{Code: apperr.Conflict, Field: field, Message: "another account already uses this email"}
	}
	return email, nil
}

// NotEmployees returns those of ids that are not active employees of the
// viewer's company (the User policy hides every other company).
func NotEmployees(ctx context.Context, client *ent.Client, ids []int) ([]int, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	known, err := client.User.Query().Where(user.IDIn(ids...), user.Active(true)).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	var missing []int
	for _, id := range ids {
		if !slices.Contains(known, id) && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	return missing, nil
}
