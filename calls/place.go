package calls

import (
	"context"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/sqljson"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/call"
	"github.com/convene/convene/ent/channel"
	"github.com/convene/convene/ent/contact"
	"github.com/convene/convene/ent/predicate"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/phone"
	"github.com/convene/convene/viewer"
)

// Callee is who placeCall calls: exactly one of a phone number (out
// through the call center), an employee or a channel (in the app).
type Callee struct {
	Number  *string
	User    *int
	Channel *int
}

// Place calls callee for the signed-in employee.
func (c *Calls) Place(ctx context.Context, to Callee) (*ent.Call, error) {
	me, err := signedInEmployee(ctx, c.client, "placing calls is")
	if err != nil {
		return nil, err
	}
	switch {
	case countSet(to.Number != nil, to.User != nil, to.Channel != nil) != 1:
		return nil, apperr.Invalid("input", "give exactly one of number, user or channel")
	case to.Number != nil:
		return c.callOut(ctx, me, *to.Number)
	case to.User != nil:
		return c.callEmployee(ctx, me, *to.User)
	}
	return c.callChannel(ctx, me, *to.Channel)
}

// callOut asks the agent's voice session to dial number through the
// center; the center's reports then carry the call on.
func (c *Calls) callOut(ctx context.Context, me *ent.User, number string) (*ent.Call, error) {
	customer, err := c.normalize(ctx, "number", number)
	if err != nil {
		return nil, err
	}
	if me.Extension == "" {
		return nil, apperr.Invalid("extension", "you have no call-center extension: an admin sets it with updateUser")
	}
	if me.VoiceSession == "" {
		return nil, apperr.New(apperr.Conflict, "no tab of yours handles calls: open the app and claim the voice session")
	}
	cl, err := newCall(c.client, call.DirectionOUTBOUND, me).SetCalleeNumber(customer).
		SetNillableContactID(c.contactOf(ctx, customer)).Save(ctx)
	if err != nil {
		return nil, err
	}
	c.publish(ctx, cl, CalloutInfo) // the voice session dials on this
	return cl, nil
}

func (c *Calls) callEmployee(ctx context.Context, me *ent.User, id int) (*ent.Call, error) {
	callee, err := c.client.User.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("user", "no such employee")
	}
	if err != nil {
		return nil, err
	}
	switch {
	case callee.ID == me.ID:
		return nil, apperr.Invalid("user", "you cannot call yourself")
	case !callee.Active || callee.CallAvailability == user.CallAvailabilityOFF:
		return nil, apperr.New(apperr.Conflict, "%s is not taking calls", callee.Name)
	}
	return c.startRinging(ctx, func(client *ent.Client) *ent.CallCreate {
		return newCall(client, call.DirectionINTERNAL, me).SetCalleeID(callee.ID)
	})
}

func (c *Calls) callChannel(ctx context.Context, me *ent.User, id int) (*ent.Call, error) {
	members, err := c.client.Channel.Query().Where(channel.ID(id)).QueryMembers().IDs(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(members, me.ID) {
		return nil, apperr.Invalid("channel", "you are not a member of this channel")
	}
	return c.startRinging(ctx, func(client *ent.Client) *ent.CallCreate {
		return newCall(client, call.DirectionINTERNAL, me).SetChannelID(id)
	})
}

func newCall(client *ent.Client, d call.Direction, caller *ent.User) *ent.CallCreate {
	return client.Call.Create().SetDirection(d).SetCallerID(caller.ID).SetStartedAt(time.Now()).
		SetDevice(call.Device(caller.CallDevice))
}

// contactOf is the company's contact with number (E.164) among its phones.
func (c *Calls) contactOf(ctx context.Context, number string) *int {
	id, err := c.client.Contact.Query().Where(predicate.Contact(func(s *sql.Selector) {
		s.Where(sqljson.ValueContains(contact.FieldPhones, number))
	})).Order(contact.ByID()).FirstID(ctx)
	if err != nil {
		return nil // no contact: the popup offers to create one
	}
	return &id
}

func countSet(set ...bool) int {
	n := 0
	for _, s := range set {
		if s {
			n++
		}
	}
	return n
}

// normalize writes number in E.164, reading it as a number of the
// viewer's company's region when it has no country code.
func (c *Calls) normalize(ctx context.Context, field, number string) (string, error) {
	region, err := c.phoneRegion(ctx)
	if err != nil {
		return "", err
	}
	n, err := phone.Normalize(number, region)
	if err != nil {
		return "", apperr.Invalid(field, "%v", err)
	}
	return n, nil
}

// normalizePhones writes a contact's numbers in E.164.
func (c *Calls) normalizePhones(ctx context.Context, numbers []string) ([]string, error) {
	if len(numbers) == 0 {
		return numbers, nil
	}
	region, err := c.phoneRegion(ctx)
	if err != nil {
		return nil, err
	}
	out, err := phone.NormalizeAll(numbers, region)
	if err != nil {
		return nil, apperr.Invalid("phones", "%v", err)
	}
	return out, nil
}

func (c *Calls) phoneRegion(ctx context.Context) (string, error) {
	v, _ := viewer.FromContext(ctx)
	co, err := c.client.Company.Get(ctx, v.CompanyID)
	if err != nil {
		return "", err
	}
	return co.PhoneRegion, nil
}
