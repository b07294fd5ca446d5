package calls

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/connectors/vcc"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/webhookreceipt"
	"github.com/convene/convene/viewer"
)

// ReportingCenters find the centers that may have signed a report.
type ReportingCenters interface {
	CentersAt(ctx context.Context, domain string) ([]credentials.ReportingCenter, error)
}

// Inbox takes the call center's signed reports: it checks who signed one
// and when, refuses a replay, and applies the rest to calls.
type Inbox struct {
	calls   *Calls
	centers ReportingCenters
	client  *ent.Client
}

// NewInbox returns an inbox applying reports to calls.
func NewInbox(client *ent.Client, calls *Calls, centers ReportingCenters) *Inbox {
	return &Inbox{calls: calls, centers: centers, client: client}
}

// Why a report was refused before it was read.
var (
	ErrUnsigned = errors.New("the report is not signed with the access key of a call center at its domain, or its timestamp is more than five minutes off")
	ErrReplayed = errors.New("this signed report was delivered before")
)

// Receive applies the report in body, signed in header. Its errors are
// ErrUnsigned, ErrReplayed, ErrStale, an apperr.Error saying what is wrong
// with the report, or a failure worth sending the report again for.
func (in *Inbox) Receive(ctx context.Context, header http.Header, body []byte) error {
	var r vcc.Report
	if err := json.Unmarshal(body, &r); err != nil {
		return apperr.Invalid("body", "is not a call report: %v", err)
	}
	companyID, err := in.signer(ctx, r.Domain, header, body)
	if err != nil {
		return err
	}
	signature := header.Get(vcc.SignatureHeader)
	if err := in.remember(ctx, signature); err != nil {
		return err
	}
	err = in.calls.Report(viewer.NewCompanyContext(ctx, viewer.SystemCallReports, companyID), r)
	if err != nil && !errors.Is(err, ErrStale) {
		in.forget(ctx, signature) // nothing was applied: the same delivery again is no replay
	}
	return err
}

// signer is the company whose center's key signed body.
func (in *Inbox) signer(ctx context.Context, domain string, header http.Header, body []byte) (int, error) {
	centers, err := in.centers.CentersAt(ctx, domain)
	if err != nil {
		return 0, err
	}
	now := time.Now()
	for _, c := range centers {
		if c.Center.Verify(header, body, now) == nil {
			return c.CompanyID, nil
		}
	}
	return 0, ErrUnsigned
}

// remember records a signature while its timestamp could still pass, and
// refuses one seen before.
func (in *Inbox) remember(ctx context.Context, signature string) error {
	ctx = viewer.NewSystemContext(ctx, viewer.SystemCallReports)
	now := time.Now()
	err := in.client.WebhookReceipt.Create().SetSignature(signature).SetReceivedAt(now).Exec(ctx)
	if ent.IsConstraintError(err) {
		return ErrReplayed
	}
	if err != nil {
		return err
	}
	// Receipts older than the timestamps Verify accepts guard nothing.
	_, err = in.client.WebhookReceipt.Delete().Where(webhookreceipt.ReceivedAtLT(now.Add(-2 * vcc.MaxReportAge))).Exec(ctx)
	return err
}

func (in *Inbox) forget(ctx context.Context, signature string) {
	ctx = viewer.NewSystemContext(ctx, viewer.SystemCallReports)
	_, _ = in.client.WebhookReceipt.Delete().Where(webhookreceipt.Signature(signature)).Exec(ctx)
}
