// Package calls holds phone calls through the company's call center and
// in-app calls: agents' sessions at the center, and calls' states.
package calls

import (
	"context"
	"errors"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/connectors/vcc"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/viewer"
)

// Centers find a company's call center.
type Centers interface {
	CallCenter(ctx context.Context, companyID int) (vcc.Center, error)
}

// Agents are the employees who take calls through the call center.
type Agents struct {
	client  *ent.Client
	centers Centers
}

// NewAgents returns the agents of the companies in client.
func NewAgents(client *ent.Client, centers Centers) *Agents {
	return &Agents{client: client, centers: centers}
}

// agentTokenLife is how long the token a browser's softphone starts with
// lasts: a working day, then the app asks again.
const agentTokenLife = 12 * time.Hour

// CenterSession is what an agent's browser needs to start the call
// center's softphone: the agent token (csInit's) and the session the
// center answered its login with.
type CenterSession struct {
	Token        string
	BaseURL      string
	Domain       string
	AgentID      int
	SessionToken string
	ExpiresAt    time.Time
}

// CenterSession logs the signed-in employee in at the company's call
// center as the agent at their extension.
func (a *Agents) CenterSession(ctx context.Context) (*CenterSession, error) {
	me, err := signedInEmployee(ctx, a.client, "the call center's agent session is")
	if err != nil {
		return nil, err
	}
	if me.Extension == "" {
		return nil, apperr.Invalid("extension", "you have no call-center extension: an admin sets it with updateUser")
	}
	center, err := a.centers.CallCenter(viewer.NewSystemContext(ctx, viewer.SystemCallCenter), me.CompanyID)
	if errors.Is(err, credentials.ErrNotConnected) {
		return nil, apperr.New(apperr.ProviderError, "the company has no call center: an admin connects one with configureCallCenter")
	}
	if err != nil {
		return nil, err
	}
	expires := time.Now().Add(agentTokenLife).Truncate(time.Second)
	token, err := center.Token(me.Extension, expires)
	if err != nil {
		return nil, err
	}
	session, err := center.Login(ctx, token)
	var refused *vcc.Error
	if errors.As(err, &refused) {
		return nil, apperr.New(apperr.ProviderError, "%v", refused)
	}
	if err != nil {
		return nil, apperr.New(apperr.ProviderError, "the call center could not be reached: %v", err)
	}
	return &CenterSession{Token: token, BaseURL: center.Base, Domain: center.Domain, AgentID: session.UserID,
		SessionToken: session.Token, ExpiresAt: expires}, nil
}
