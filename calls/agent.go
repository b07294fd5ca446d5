package calls

import (
	"context"
	"unicode/utf8"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/call"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/viewer"
)

// Agent is an employee's call settings: whether calls are offered, where
// they ring, and which of their browser tabs handles them.
type Agent struct {
	UserID       int
	Availability user.CallAvailability
	Device       user.CallDevice
	DeviceNumber *string // nil unless the device is a mobile
	VoiceSession *string // nil while no tab handles calls
}

func agentOf(u *ent.User) *Agent {
	return &Agent{UserID: u.ID, Availability: u.CallAvailability, Device: u.CallDevice,
		DeviceNumber: unlessEmpty(u.CallDeviceNumber), VoiceSession: unlessEmpty(u.VoiceSession)}
}

func unlessEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Agent is the signed-in employee's call settings.
func (c *Calls) Agent(ctx context.Context) (*Agent, error) {
	me, err := signedInEmployee(ctx, c.client, "call settings are")
	if err != nil {
		return nil, err
	}
	return agentOf(me), nil
}

// signedInEmployee is the viewer's user, or FORBIDDEN for an integrator
// token: what says the thing is an employee's own.
func signedInEmployee(ctx context.Context, client *ent.Client, what string) (*ent.User, error) {
	v, _ := viewer.FromContext(ctx)
	if v.UserID == 0 {
		return nil, apperr.New(apperr.Forbidden, "%s a signed-in employee's", what)
	}
	return client.User.Get(ctx, v.UserID)
}

// SetAvailability turns the calls offered to the employee on or off.
func (c *Calls) SetAvailability(ctx context.Context, a user.CallAvailability) (*Agent, error) {
	return c.setAgent(ctx, AvailabilityChanged, func(u *ent.UserUpdateOne) { u.SetCallAvailability(a) })
}

// SetDevice sets where the employee's center calls ring; a mobile needs its
// number.
func (c *Calls) SetDevice(ctx context.Context, d user.CallDevice, number *string) (*Agent, error) {
	if d != user.CallDeviceMOBILE {
		return c.setAgent(ctx, DeviceChanged, func(u *ent.UserUpdateOne) { u.SetCallDevice(d).ClearCallDeviceNumber() })
	}
	if number == nil {
		return nil, apperr.Invalid("number", "a mobile device needs its number")
	}
	mobile, err := c.normalize(ctx, "number", *number)
	if err != nil {
		return nil, err
	}
	return c.setAgent(ctx, DeviceChanged, func(u *ent.UserUpdateOne) { u.SetCallDevice(d).SetCallDeviceNumber(mobile) })
}

// ResetDevice puts the employee's calls back in the browser, with no tab
// handling them, as on signing out.
func (c *Calls) ResetDevice(ctx context.Context) (*Agent, error) {
	return c.setAgent(ctx, DeviceChanged, func(u *ent.UserUpdateOne) {
		u.SetCallDevice(user.CallDeviceBROWSER).ClearCallDeviceNumber().ClearVoiceSession()
	})
}

// maxTab bounds a tab's name: clients make up a random one per tab.
const maxTab = 64

// ClaimVoiceSession makes tab the one of the employee's tabs that handles
// calls; the tab that had it learns so from the same update.
func (c *Calls) ClaimVoiceSession(ctx context.Context, tab string) (*Agent, error) {
	if tab == "" || utf8.RuneCountInString(tab) > maxTab {
		return nil, apperr.Invalid("tab", "name the tab with 1 to %d characters", maxTab)
	}
	return c.setAgent(ctx, VoiceSessionChanged, func(u *ent.UserUpdateOne) { u.SetVoiceSession(tab) })
}

// setAgent changes the signed-in employee's own settings and tells their
// tabs.
func (c *Calls) setAgent(ctx context.Context, change Change, set func(*ent.UserUpdateOne)) (*Agent, error) {
	v, _ := viewer.FromContext(ctx)
	if v.UserID == 0 {
		return nil, apperr.New(apperr.Forbidden, "call settings are a signed-in employee's")
	}
	u := c.client.User.UpdateOneID(v.UserID)
	set(u)
	me, err := u.Save(viewer.NewSystemContext(ctx, viewer.SystemCallSettings)) // members may not write users
	if err != nil {
		return nil, err
	}
	c.publishAgent(ctx, me.ID, change)
	return agentOf(me), nil
}

// CurrentCall is the agent's call in progress, ringing or on hold, if any.
func (c *Calls) CurrentCall(ctx context.Context, a *Agent) (*ent.Call, error) {
	cl, err := c.client.Call.Query().
		Where(call.Or(call.CallerID(a.UserID), call.CalleeID(a.UserID)),
			call.StateIn(call.StateRINGING, call.StateACTIVE, call.StateHELD)).
		Order(ent.Desc(call.FieldStartedAt)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return cl, err
}
