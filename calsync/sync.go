package calsync

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/connectors/google"
	"github.com/convene/convene/connectors/microsoft"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/db"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/ent/syncstate"
	"github.com/convene/convene/jobs"
	"github.com/convene/convene/viewer"
)

// KindSync is one run of an employee's calendar sync.
const KindSync = "calendar.sync"

type syncJob struct {
	UserID   int                 `json:"userId"`
	Provider schematype.Provider `json:"provider"`
	Run      string              `json:"run"` // tells one requested run from another
}

// Calendars are the employees' own calendars at the providers.
type Calendars interface {
	EmployeeGoogleCalendar(ctx context.Context, companyID, userID int) (*google.Calendar, error)
	EmployeeGraph(ctx context.Context, companyID, userID int) (*microsoft.Graph, error)
	CalendarConsent(ctx context.Context, companyID, userID int, provider schematype.Provider) (schematype.ConnectionStatus, string, error)
	DisconnectCalendar(ctx context.Context, companyID, userID int, provider schematype.Provider) error
	ForgetCalendarToken(ctx context.Context, companyID, userID int, provider schematype.Provider) error
	ConnectCalendar(ctx context.Context, provider schematype.Provider) (string, error)
}

// Syncer runs calendar syncs.
type Syncer struct {
	client    *ent.Client
	calendars Calendars
	wake      func() // the job queue, to run a requested sync now
	log       *slog.Logger
}

// New returns a Syncer of client's companies' calendars.
func New(client *ent.Client, calendars Calendars, wake func(), log *slog.Logger) *Syncer {
	return &Syncer{client: client, calendars: calendars, wake: wake, log: log}
}

// Request asks for a sync of the employee's calendar at provider now; the
// connection was made by Connect, and a run finds it gone if it was
// disconnected meanwhile.
func (s *Syncer) Request(ctx context.Context, companyID, userID int, provider schematype.Provider) error {
	ctx = viewer.NewSystemContext(ctx, viewer.SystemCalendarSync)
	run := "now-" + time.Now().Format(time.RFC3339Nano)
	err := jobs.Enqueue(ctx, s.client, jobs.New{CompanyID: companyID, Kind: KindSync,
		Key: fmt.Sprintf("calendar-sync:%d:%s:%s", userID, provider, run), Payload: syncJob{userID, provider, run}})
	if err == nil {
		s.wake()
	}
	return err
}

// Sync is the job: it pulls what changed in the remote calendar, a page at
// a time, each page with its token in one transaction, so a run that stops
// resumes at the page it stopped on.
func (s *Syncer) Sync(ctx context.Context, j *jobs.Job) error {
	var p syncJob
	if err := j.Decode(&p); err != nil {
		return jobs.Permanent(err)
	}
	ctx = viewer.NewSystemContext(ctx, viewer.SystemCalendarSync)
	state, err := s.client.SyncState.Query().Where(syncstate.UserID(p.UserID), syncstate.ProviderEQ(p.Provider)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil // disconnected meanwhile
	}
	if err != nil {
		return err
	}
	remote, err := s.remote(ctx, state)
	if err != nil {
		return s.failed(ctx, state, err)
	}
	if err := s.deleteDoomed(ctx, state, remote); err != nil {
		return s.failed(ctx, state, err)
	}
	pulled, err := s.pull(ctx, state, remote)
	if err != nil {
		return s.failed(ctx, state, err)
	}
	pushed, err := s.push(ctx, state, remote)
	if err != nil {
		return s.failed(ctx, state, err)
	}
	return s.client.SyncState.UpdateOne(state).SetStatus(schematype.StatusConnected).SetLastSyncAt(time.Now()).
		SetPulled(pulled).SetPushed(pushed).SetLastError("").Exec(ctx)
}

// Calendar is a remote calendar both ways.
type Calendar interface {
	Remote
	Writer
}

func (s *Syncer) remote(ctx context.Context, state *ent.SyncState) (Calendar, error) {
	switch state.Provider {
	case schematype.ProviderGoogle:
		cal, err := s.calendars.EmployeeGoogleCalendar(ctx, state.CompanyID, state.UserID)
		return googleCalendar{cal}, err
	case schematype.ProviderMicrosoft:
		graph, err := s.calendars.EmployeeGraph(ctx, state.CompanyID, state.UserID)
		return graphCalendar{graph}, err
	}
	return nil, jobs.Permanent(fmt.Errorf("calsync: %s calendars do not sync", state.Provider))
}

// pull applies the remote's changes since the state's token, and returns
// how many events it changed here.
func (s *Syncer) pull(ctx context.Context, state *ent.SyncState, remote Remote) (int, error) {
	changed := 0
	for {
		page, err := remote.Page(ctx, state.SyncToken, state.PageToken)
		if errors.Is(err, ErrTokenExpired) && (state.SyncToken != "" || state.PageToken != "") {
			// Everything again; the links keep it from making anything twice.
			if state, err = state.Update().ClearSyncToken().ClearPageToken().Save(ctx); err != nil {
				return changed, err
			}
			continue
		}
		if err != nil {
			return changed, err
		}
		n, next, err := s.applyPage(ctx, state, page)
		if err != nil {
			return changed, err
		}
		changed, state = changed+n, next
		if page.NextPage == "" {
			return changed, nil
		}
	}
}

// applyPage writes a page's changes and where the listing goes on, at once.
func (s *Syncer) applyPage(ctx context.Context, state *ent.SyncState, page *Page) (int, *ent.SyncState, error) {
	changed := 0
	var next *ent.SyncState
	err := db.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		in := importer{tx: tx, state: state, byOccurrence: page.Shown != nil}
		// Series before their exceptions, which need them.
		slices.SortStableFunc(page.Events, func(a, b RemoteEvent) int { return cmp.Compare(len(a.SeriesID), len(b.SeriesID)) })
		for _, e := range page.Events {
			if state.Baseline { // after a reset to NEW_ONLY: only where the listing ends
				break
			}
			did, err := in.apply(ctx, e)
			if err != nil {
				return err
			}
			if did {
				changed++
			}
		}
		if page.NextPage == "" && state.SyncToken == "" && page.Shown != nil { // the end of a full listing
			if err := in.fillGaps(ctx, *page.Shown); err != nil {
				return err
			}
		}
		u := tx.SyncState.UpdateOneID(state.ID).SetPageToken(page.NextPage)
		if page.NextPage == "" {
			u.SetSyncToken(page.NextSync).SetBaseline(false)
		}
		var err error
		next, err = u.Save(ctx)
		return err
	})
	return changed, next, err
}

// failed records why a run failed: a lost consent makes the connection
// NEEDS_AUTH and ends the job; other failures are retried, a refused
// access token with a fresh one.
func (s *Syncer) failed(ctx context.Context, state *ent.SyncState, err error) error {
	var refused interface{ Unauthorized() bool }
	if errors.As(err, &refused) && refused.Unauthorized() {
		if ferr := s.calendars.ForgetCalendarToken(ctx, state.CompanyID, state.UserID, state.Provider); ferr != nil {
			return ferr
		}
	}
	status, why := schematype.StatusError, err.Error()
	if errors.Is(err, credentials.ErrNeedsAuth) || errors.Is(err, credentials.ErrNotConnected) {
		status, why = schematype.StatusNeedsAuth, "your consent was withdrawn or has expired: connect the calendar again"
		err = jobs.Permanent(err)
	}
	if e, ok := apperr.As(err); ok {
		why = e.Message
	}
	if uerr := s.client.SyncState.UpdateOne(state).SetStatus(status).SetLastError(why).Exec(ctx); uerr != nil {
		return uerr
	}
	var throttled interface{ Wait() time.Duration }
	if errors.As(err, &throttled) && throttled.Wait() > 0 { // 429 or 503 with Retry-After: not sooner
		return jobs.RetryAfter(err, throttled.Wait())
	}
	return err
}
