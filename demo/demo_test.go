package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/convene/convene/demo"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/internal/testenv"
)

func TestSeedFillsOnceThroughTheSeedPath(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	ctx := context.Background()
	admin, err := demo.Seed(ctx, env.DB.Client, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	again, err := demo.Seed(ctx, env.DB.Client, time.Now())
	if err != nil || again.ID != admin.ID {
		t.Fatalf("second seed: %v, %v", again, err)
	}
	as := testenv.As(admin)
	users, _ := env.DB.Client.User.Query().Count(as)
	rooms, _ := env.DB.Client.Room.Query().Count(as)
	channels, _ := env.DB.Client.Channel.Query().Count(as)
	contacts, _ := env.DB.Client.Contact.Query().Count(as)
	weekly, _ := env.DB.Client.Event.Query().Where(event.RruleNEQ("")).Count(as)
	if users != 11 || rooms != 3 || channels != 2 || contacts < 3 || weekly != 1 {
		t.Fatalf("users %d rooms %d channels %d contacts %d weekly %d", users, rooms, channels, contacts, weekly)
	}
	if admin.Role != "ADMIN" {
		t.Fatalf("admin role %s", admin.Role)
	}
	// The demo password signs in through the real login.
	if token := env.LoginWith(t, demo.AdminEmail, demo.Password); token == "" {
		t.Fatal("no token")
	}
}
