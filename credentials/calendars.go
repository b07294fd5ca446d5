package credentials

import (
	"context"
	"errors"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/connectors/google"
	"github.com/convene/convene/connectors/microsoft"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/credential"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/viewer"
)

// CalendarProviders are the calendars an employee can sync with.
var CalendarProviders = []schematype.Provider{schematype.ProviderGoogle, schematype.ProviderMicrosoft}

// ConnectCalendar is the consent page where the signed-in employee lets
// the company's app reach their own calendar at provider, offline.
func (s *Store) ConnectCalendar(ctx context.Context, provider schematype.Provider) (string, error) {
	v, _ := viewer.FromContext(ctx)
	if v.UserID == 0 {
		return "", apperr.New(apperr.Forbidden, "a calendar is a signed-in employee's")
	}
	if provider != schematype.ProviderGoogle && provider != schematype.ProviderMicrosoft {
		return "", apperr.Invalid("provider", "calendars sync with GOOGLE or MICROSOFT")
	}
	me, err := s.client.User.Get(ctx, v.UserID)
	if err != nil {
		return "", err
	}
	ctx = viewer.NewSystemContext(ctx, viewer.SystemCalendarSync) // members may not read credentials
	if _, err := s.companyApp(ctx, v.CompanyID, provider); errors.Is(err, ErrNotConnected) {
		return "", apperr.Invalid("provider", "your company has not connected %s yet: ask an admin", provider)
	}
	c, err := s.userCalendar(ctx, v.CompanyID, v.UserID, provider)
	if ent.IsNotFound(err) {
		c, err = s.client.Credential.Create().SetCompanyID(v.CompanyID).SetUserID(v.UserID).SetProvider(provider).Save(ctx)
	}
	if err != nil {
		return "", err
	}
	return s.consentURL(ctx, c, me.Email)
}

// DisconnectCalendar forgets the employee's consent for their calendar at
// provider.
func (s *Store) DisconnectCalendar(ctx context.Context, companyID, userID int, provider schematype.Provider) error {
	ctx = viewer.NewSystemContext(ctx, viewer.SystemCalendarSync)
	_, err := s.client.Credential.Delete().Where(credential.CompanyID(companyID), credential.UserID(userID),
		credential.ProviderEQ(provider)).Exec(ctx)
	return err
}

// CalendarToken is a live access token to the employee's calendar at
// provider, ErrNotConnected before a consent, or ErrNeedsAuth once it is
// lost.
func (s *Store) CalendarToken(ctx context.Context, companyID, userID int, provider schematype.Provider) (string, error) {
	ctx = viewer.NewSystemContext(ctx, viewer.SystemCalendarSync)
	c, err := s.userCalendar(ctx, companyID, userID, provider)
	if ent.IsNotFound(err) {
		return "", ErrNotConnected
	}
	if err != nil {
		return "", err
	}
	return s.freshToken(ctx, c)
}

// CalendarConsent is the state of the employee's consent for their
// calendar at provider, and why it needs one again, if it does.
func (s *Store) CalendarConsent(ctx context.Context, companyID, userID int, provider schematype.Provider) (schematype.ConnectionStatus, string, error) {
	c, err := s.userCalendar(viewer.NewSystemContext(ctx, viewer.SystemCalendarSync), companyID, userID, provider)
	if ent.IsNotFound(err) {
		return schematype.StatusNeedsAuth, "not connected yet: connect it with connectCalendar", nil
	}
	if err != nil {
		return "", "", err
	}
	return c.Status, c.LastError, nil
}

func (s *Store) userCalendar(ctx context.Context, companyID, userID int, provider schematype.Provider) (*ent.Credential, error) {
	return s.client.Credential.Query().Where(credential.CompanyID(companyID), credential.UserID(userID),
		credential.ProviderEQ(provider)).Only(ctx)
}

// EmployeeGoogleCalendar is a client of the employee's own Google
// calendar; errors as CalendarToken's.
func (s *Store) EmployeeGoogleCalendar(ctx context.Context, companyID, userID int) (*google.Calendar, error) {
	token, err := s.CalendarToken(ctx, companyID, userID, schematype.ProviderGoogle)
	if err != nil {
		return nil, err
	}
	return google.NewCalendar(s.at.Google, token), nil
}

// ForgetCalendarToken drops the saved access token of the employee's
// calendar, which the provider refused before it expired: the next call
// refreshes it, or finds the consent gone.
func (s *Store) ForgetCalendarToken(ctx context.Context, companyID, userID int, provider schematype.Provider) error {
	return s.client.Credential.Update().Where(credential.CompanyID(companyID), credential.UserID(userID), credential.ProviderEQ(provider)).
		ClearAccessToken().ClearTokenExpiresAt().Exec(viewer.NewSystemContext(ctx, viewer.SystemCalendarSync))
}

// EmployeeGraph is a client of the employee's own Outlook mailbox; errors
// as CalendarToken's.
func (s *Store) EmployeeGraph(ctx context.Context, companyID, userID int) (*microsoft.Graph, error) {
	token, err := s.CalendarToken(ctx, companyID, userID, schematype.ProviderMicrosoft)
	if err != nil {
		return nil, err
	}
	return microsoft.NewGraph(s.at.Microsoft, token), nil
}
