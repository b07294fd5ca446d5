// Package demo fills a demo company that a newcomer can explore in GraphiQL:
// an admin and ten employees, rooms, channels, contacts and a week of
// meetings. Every demo account's password is "demo".
package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/convene/convene/db"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/ent/user"
	"github.com/convene/convene/viewer"
)

// AdminEmail and Password sign in as the demo admin.
const (
	AdminEmail = "admin@example.com"
	Password   = "demo"
)

var employees = []struct{ name, phone string }{
	{"Ada Admin", "+358401000000"},
	{"Linh Nguyen", "+84912345678"},
	{"Mikko Virtanen", "+358401234567"},
	{"Sara Lindqvist", "+46701234567"},
	{"Tuan Tran", "+84903334455"},
	{"Emma Korhonen", "+358409876543"},
	{"Kenji Sato", "+819012345678"},
	{"Olivia Brown", "+447700900123"},
	{"Minh Pham", "+84987654321"},
	{"Aino Laine", "+358451112233"},
	{"Lucas Silva", "+5511987654321"},
}

// Seed fills the demo company once; later calls find it and return its admin.
func Seed(ctx context.Context, client *ent.Client, now time.Time) (*ent.User, error) {
	ctx = viewer.NewSystemContext(ctx, viewer.SystemSeed)
	admin, err := client.User.Query().Where(user.Email(AdminEmail)).Only(ctx)
	if err == nil {
		return admin, nil
	}
	if !ent.IsNotFound(err) {
		return nil, fmt.Errorf("demo: %w", err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	err = db.WithTx(ctx, client, func(tx *ent.Tx) error {
		admin, err = seed(ctx, tx, hash, now)
		return err
	})
	return admin, err
}

func seed(ctx context.Context, tx *ent.Tx, hash []byte, now time.Time) (*ent.User, error) {
	co, err := tx.Company.Create().SetName("Convene Demo").SetTimeZone("Europe/Helsinki").Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: company: %w", err)
	}
	users := make([]*ent.User, len(employees))
	for i, e := range employees {
		email := AdminEmail
		role := user.RoleMEMBER
		if i == 0 {
			role = user.RoleADMIN
		} else {
			email = strings.ToLower(strings.Fields(e.name)[0]) + "@example.com"
		}
		users[i], err = tx.User.Create().SetCompany(co).SetName(e.name).SetEmail(email).
			SetPhone(e.phone).SetRole(role).SetPasswordHash(hash).
			SetExtension(fmt.Sprint(1001 + i)).Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("demo: user %s: %w", e.name, err)
		}
	}
	rooms, err := seedRooms(ctx, tx, co)
	if err != nil {
		return nil, err
	}
	if err := seedChannels(ctx, tx, co, users); err != nil {
		return nil, err
	}
	if err := seedContacts(ctx, tx, co); err != nil {
		return nil, err
	}
	return users[0], seedMeetings(ctx, tx, co, users, rooms, now)
}

func seedRooms(ctx context.Context, tx *ent.Tx, co *ent.Company) ([]*ent.Room, error) {
	rooms, err := tx.Room.CreateBulk(
		tx.Room.Create().SetCompany(co).SetName("Lotus").SetCapacity(8).SetLocation("Floor 2"),
		tx.Room.Create().SetCompany(co).SetName("Orchid").SetCapacity(4).SetLocation("Floor 2"),
		tx.Room.Create().SetCompany(co).SetName("Board Room").SetCapacity(16).SetLocation("Floor 5"),
	).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: rooms: %w", err)
	}
	return rooms, nil
}

func seedChannels(ctx context.Context, tx *ent.Tx, co *ent.Company, users []*ent.User) error {
	err := tx.Channel.Create().SetCompany(co).SetName("general").SetDescription("Everyone").
		SetCreatedBy(users[0]).AddMembers(users...).Exec(ctx)
	if err == nil {
		err = tx.Channel.Create().SetCompany(co).SetName("sales").SetDescription("Customer calls and demos").
			SetCreatedBy(users[1]).AddMembers(users[1:6]...).Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("demo: channels: %w", err)
	}
	return nil
}

func seedContacts(ctx context.Context, tx *ent.Tx, co *ent.Company) error {
	_, err := tx.Contact.CreateBulk(
		tx.Contact.Create().SetCompany(co).SetName("Hoa Le").SetOrganization("Saigon Trading").
			SetPhones([]string{"+84912000111"}).SetEmail("hoa.le@saigontrading.example"),
		tx.Contact.Create().SetCompany(co).SetName("Pekka Nieminen").SetOrganization("Nordic Foods").
			SetPhones([]string{"+358401999888", "+35891234567"}).SetEmail("pekka@nordicfoods.example"),
		tx.Contact.Create().SetCompany(co).SetName("Julia Meyer").SetOrganization("Meyer GmbH").
			SetPhones([]string{"+4915112345678"}).SetNotes("Prefers calls after 14:00 CET"),
		tx.Contact.Create().SetCompany(co).SetName("Carlos Ruiz").SetOrganization("Ruiz & Co").
			SetPhones([]string{"+34600123456"}),
	).Save(ctx)
	if err != nil {
		return fmt.Errorf("demo: contacts: %w", err)
	}
	return nil
}

type meeting struct {
	title     string
	kind      event.Kind
	dayOffset int // days from tomorrow
	hour      int
	minutes   int
	rrule     string
	room      int // index into rooms, -1 for none
	people    []int
}

var meetings = []meeting{
	{"Weekly team sync", event.KindMEETING, 0, 9, 30, "FREQ=WEEKLY;BYDAY=MO", 0, []int{0, 1, 2, 3, 4, 5}},
	{"Sales pipeline review", event.KindMEETING, 1, 14, 60, "", 2, []int{1, 2, 3, 4, 5}},
	{"Customer demo: Nordic Foods", event.KindMEETING, 2, 11, 45, "", 1, []int{2, 5, 9}},
	{"1:1 Ada / Linh", event.KindMEETING, 3, 15, 30, "", -1, []int{0, 1}},
	{"Focus time", event.KindPERSONAL, 1, 8, 90, "", -1, nil},
}

func seedMeetings(ctx context.Context, tx *ent.Tx, co *ent.Company, users []*ent.User, rooms []*ent.Room, now time.Time) error {
	loc, err := time.LoadLocation(co.TimeZone)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	tomorrow := now.In(loc).AddDate(0, 0, 1)
	for _, m := range meetings {
		day := tomorrow.AddDate(0, 0, m.dayOffset)
		start := time.Date(day.Year(), day.Month(), day.Day(), m.hour, 0, 0, 0, loc)
		create := tx.Event.Create().SetCompany(co).SetTitle(m.title).SetKind(m.kind).
			SetStartAt(start).SetDurationMinutes(m.minutes).SetTimeZone(co.TimeZone).
			SetOrganizer(users[0]).SetIcalUID(uuid.NewString() + "@convene")
		if m.rrule != "" {
			create.SetRrule(m.rrule)
		} else {
			create.SetSeriesEnd(start.Add(time.Duration(m.minutes) * time.Minute))
		}
		if m.room >= 0 {
			create.SetRoom(rooms[m.room])
		}
		ev, err := create.Save(ctx)
		if err != nil {
			return fmt.Errorf("demo: meeting %q: %w", m.title, err)
		}
		for i, p := range m.people {
			role := attendee.RoleATTENDEE
			if i == 1 {
				role = attendee.RoleRESPONSIBLE
			}
			err := tx.Attendee.Create().SetCompany(co).SetEvent(ev).SetUser(users[p]).SetRole(role).Exec(ctx)
			if err != nil {
				return fmt.Errorf("demo: attendee: %w", err)
			}
		}
	}
	return nil
}
