package calls

import (
	"context"

	"github.com/convene/convene/ent"
)

// CreateContact saves a customer with their numbers in E.164, so that a
// call from any of them finds the contact however either was typed.
func (c *Calls) CreateContact(ctx context.Context, in ent.CreateContactInput) (*ent.Contact, error) {
	phones, err := c.normalizePhones(ctx, in.Phones)
	if err != nil {
		return nil, err
	}
	in.Phones = phones
	return c.client.Contact.Create().SetInput(in).Save(ctx)
}

// UpdateContact changes a customer, numbers in E.164 as CreateContact's.
func (c *Calls) UpdateContact(ctx context.Context, id int, in ent.UpdateContactInput) (*ent.Contact, error) {
	var err error
	if in.Phones, err = c.normalizePhones(ctx, in.Phones); err != nil {
		return nil, err
	}
	if in.AppendPhones, err = c.normalizePhones(ctx, in.AppendPhones); err != nil {
		return nil, err
	}
	return c.client.Contact.UpdateOneID(id).SetInput(in).Save(ctx)
}
