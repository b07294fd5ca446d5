package calsync

import (
	"context"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/externallink"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/ent/synclogentry"
	"github.com/convene/convene/ent/syncstate"
	"github.com/convene/convene/viewer"
)

// Connection is how an employee's calendar at a provider syncs.
type Connection struct {
	*ent.SyncState
	Status    schematype.ConnectionStatus // the consent's, before the last run's
	LastError *string                     // in words a person can act on
}

// Connect is the consent page for the signed-in employee's calendar at
// provider. Until the consent comes back the connection shows NEEDS_AUTH;
// importOnly syncs remote events here and writes nothing there.
func (s *Syncer) Connect(ctx context.Context, provider schematype.Provider, importOnly bool) (string, error) {
	v, err := employee(ctx)
	if err != nil {
		return "", err
	}
	consent, err := s.calendars.ConnectCalendar(ctx, provider)
	if err != nil {
		return "", err
	}
	err = s.client.SyncState.Create().SetCompanyID(v.CompanyID).SetUserID(v.UserID).SetProvider(provider).SetImportOnly(importOnly).
		SetStatus(schematype.StatusConnected). // no run has failed; the consent says whether it may run
		OnConflictColumns(syncstate.FieldUserID, syncstate.FieldProvider).UpdateImportOnly().
		Exec(viewer.NewSystemContext(ctx, viewer.SystemCalendarSync))
	return consent, err
}

// Connections are the signed-in employee's calendar connections.
func (s *Syncer) Connections(ctx context.Context) ([]*Connection, error) {
	v, err := employee(ctx)
	if err != nil {
		return nil, err
	}
	sys := viewer.NewSystemContext(ctx, viewer.SystemCalendarSync)
	states, err := s.client.SyncState.Query().Where(syncstate.UserID(v.UserID)).Order(ent.Asc(syncstate.FieldProvider)).All(sys)
	if err != nil {
		return nil, err
	}
	out := make([]*Connection, 0, len(states))
	for _, st := range states {
		c, err := s.connection(sys, st)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Connection is the signed-in employee's connection to provider.
func (s *Syncer) Connection(ctx context.Context, provider schematype.Provider) (*Connection, error) {
	v, err := employee(ctx)
	if err != nil {
		return nil, err
	}
	sys := viewer.NewSystemContext(ctx, viewer.SystemCalendarSync)
	st, err := s.client.SyncState.Query().Where(syncstate.UserID(v.UserID), syncstate.ProviderEQ(provider)).Only(sys)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("provider", "your %s calendar is not connected: connect it with connectCalendar", provider)
	}
	if err != nil {
		return nil, err
	}
	return s.connection(sys, st)
}

// connection says how st stands: a lost consent before the last run's news.
func (s *Syncer) connection(ctx context.Context, st *ent.SyncState) (*Connection, error) {
	c := &Connection{SyncState: st, Status: st.Status}
	consent, why, err := s.calendars.CalendarConsent(ctx, st.CompanyID, st.UserID, st.Provider)
	if err != nil {
		return nil, err
	}
	if consent != schematype.StatusConnected {
		c.Status, c.LastError = consent, &why
	} else if st.LastError != "" {
		c.LastError = &st.LastError
	}
	return c, nil
}

// SyncNow runs a sync of the signed-in employee's calendar at provider
// soon, and says how it stands meanwhile.
func (s *Syncer) SyncNow(ctx context.Context, provider schematype.Provider) (*Connection, error) {
	c, err := s.Connection(ctx, provider)
	if err != nil {
		return nil, err
	}
	if err := s.Request(ctx, c.CompanyID, c.UserID, provider); err != nil {
		return nil, err
	}
	return c, nil
}

// Disconnect stops syncing the signed-in employee's calendar at provider:
// the consent, the state and the links go; the events stay in both
// calendars.
func (s *Syncer) Disconnect(ctx context.Context, provider schematype.Provider) error {
	v, err := employee(ctx)
	if err != nil {
		return err
	}
	sys := viewer.NewSystemContext(ctx, viewer.SystemCalendarSync)
	if err := s.calendars.DisconnectCalendar(sys, v.CompanyID, v.UserID, provider); err != nil {
		return err
	}
	if _, err := s.client.ExternalLink.Delete().Where(externallink.UserID(v.UserID), externallink.ProviderEQ(provider)).Exec(sys); err != nil {
		return err
	}
	_, err = s.client.SyncState.Delete().Where(syncstate.UserID(v.UserID), syncstate.ProviderEQ(provider)).Exec(sys)
	return err
}

func employee(ctx context.Context) (viewer.Viewer, error) {
	v, _ := viewer.FromContext(ctx)
	if v.UserID == 0 {
		return v, apperr.New(apperr.Forbidden, "a calendar is a signed-in employee's")
	}
	return v, nil
}

// Log is the connection's sync log, newest first: the changes that lost
// to a newer change on the other side.
func (s *Syncer) Log(ctx context.Context, c *Connection, last int) ([]*ent.SyncLogEntry, error) {
	if last < 1 || last > 100 {
		return nil, apperr.Invalid("last", "ask for 1 to 100 entries")
	}
	return s.client.SyncLogEntry.Query().Where(synclogentry.UserID(c.UserID), synclogentry.ProviderEQ(c.Provider)).
		Order(ent.Desc(synclogentry.FieldCreatedAt), ent.Desc(synclogentry.FieldID)).Limit(last).
		All(viewer.NewSystemContext(ctx, viewer.SystemCalendarSync))
}
