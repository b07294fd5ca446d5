package calsync

import (
	"context"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/db"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/externallink"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/ent/syncstate"
	"github.com/convene/convene/viewer"
)

// Kept says what a reset does with the events synced so far.
type Kept string

// What a reset can do with them.
const (
	Keep         Kept = "KEEP"          // leave them in both calendars
	DeleteRemote Kept = "DELETE_REMOTE" // delete them from Outlook or Google
	DeleteLocal  Kept = "DELETE_LOCAL"  // delete the imported ones from Convene
	DeleteBoth   Kept = "DELETE_BOTH"
)

// Taken says what the sync after a reset takes.
type Taken string

// What it can take.
const (
	NewOnly Taken = "NEW_ONLY" // events made from now on
	All     Taken = "ALL"      // every event there is
)

// Reset starts the calendar sync of an employee (the signed-in one, or for
// an admin anyone of the company) at provider afresh: the events synced so
// far stay or go as kept says, and the next run takes what taken says.
// Remote deletions are the next run's first work.
func (s *Syncer) Reset(ctx context.Context, userID *int, provider schematype.Provider, kept Kept, taken Taken) (*Connection, error) {
	v, err := employee(ctx)
	if err != nil {
		return nil, err
	}
	who := v.UserID
	if userID != nil && *userID != v.UserID {
		if !v.IsAdmin() {
			return nil, apperr.New(apperr.Forbidden, "only an admin resets someone else's calendar sync")
		}
		who = *userID // the state below is looked for in the admin's company only
	}
	sys := viewer.NewSystemContext(ctx, viewer.SystemCalendarSync)
	st, err := s.client.SyncState.Query().Where(syncstate.UserID(who), syncstate.ProviderEQ(provider), syncstate.CompanyID(v.CompanyID)).Only(sys)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("provider", "that %s calendar is not connected", provider)
	}
	if err != nil {
		return nil, err
	}
	err = db.WithTx(sys, s.client, func(tx *ent.Tx) error {
		if err := forget(sys, tx, st, kept); err != nil {
			return err
		}
		u := tx.SyncState.UpdateOne(st).ClearSyncToken().ClearPageToken().SetBaseline(taken == NewOnly).ClearPushAfter().
			AddGeneration(1) // a copy deleted there keeps its id: the next one needs another
		if taken == NewOnly {
			u.SetPushAfter(time.Now())
		}
		return u.Exec(sys)
	})
	if err != nil {
		return nil, err
	}
	if err := s.Request(sys, st.CompanyID, who, provider); err != nil {
		return nil, err
	}
	return s.connection(sys, st)
}

// forget does to the links of st (and their events) what kept says.
func forget(ctx context.Context, tx *ent.Tx, st *ent.SyncState, kept Kept) error {
	links := tx.ExternalLink.Query().Where(externallink.UserID(st.UserID), externallink.ProviderEQ(st.Provider))
	switch kept { // KEEP: the links stay, so a fresh listing matches what is there
	case DeleteLocal:
		imported, err := links.Clone().Where(externallink.Pushed(false)).All(ctx)
		if err != nil {
			return err
		}
		in := importer{tx: tx, state: st}
		for _, l := range imported {
			if err := in.remove(ctx, l); err != nil {
				return err
			}
		}
	case DeleteRemote, DeleteBoth: // the next run deletes them there, and for DELETE_BOTH the imported ones here
		if err := tx.SyncState.UpdateOne(st).SetDropImported(kept == DeleteBoth).Exec(ctx); err != nil {
			return err
		}
		return tx.ExternalLink.Update().Where(externallink.UserID(st.UserID), externallink.ProviderEQ(st.Provider)).
			SetDoomed(true).Exec(ctx)
	}
	return nil
}

// deleteDoomed deletes the remote events a reset doomed, first thing in a
// run, and with them the imported events here when the reset said so.
func (s *Syncer) deleteDoomed(ctx context.Context, state *ent.SyncState, w Writer) error {
	doomed, err := s.client.ExternalLink.Query().Where(externallink.UserID(state.UserID), externallink.ProviderEQ(state.Provider),
		externallink.Doomed(true)).All(ctx)
	if err != nil {
		return err
	}
	for _, l := range doomed {
		if err := w.Delete(ctx, l.ExternalID); err != nil && !isGone(err) {
			return err
		}
		err := db.WithTx(ctx, s.client, func(tx *ent.Tx) error {
			if !l.Pushed && state.DropImported {
				return importer{tx: tx, state: state}.remove(ctx, l)
			}
			return tx.ExternalLink.DeleteOneID(l.ID).Exec(ctx)
		})
		if err != nil {
			return err
		}
	}
	if !state.DropImported {
		return nil
	}
	return s.client.SyncState.UpdateOne(state).SetDropImported(false).Exec(ctx)
}
