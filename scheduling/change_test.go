package scheduling_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/scheduling"
)

type noProviders struct{}

func (noProviders) ConferenceProviders(context.Context) ([]schematype.ConferenceProvider, error) {
	return nil, nil
}

func TestEveryCommittedChangeIsPublishedToItsPeopleAndRoom(t *testing.T) {
	env := testenv.New(t, "sqlite3")
	co := env.NewCompany(t, "Acme")
	guest := env.NewUser(t, co.Company, "Guest", "guest@acme.example", "MEMBER")
	ctx := testenv.As(co.Member)
	room := env.DB.Client.Room.Create().SetName("Lotus").SaveX(testenv.As(co.Admin))
	var got []scheduling.Change
	planner := scheduling.NewPlanner(env.DB.Client, noProviders{}, func(_ context.Context, c scheduling.Change) { got = append(got, c) })

	start := time.Now().Add(24 * time.Hour).Truncate(time.Minute)
	e, err := planner.Create(ctx, scheduling.NewEvent{Title: "Review", Start: start, DurationMinutes: 30,
		Attendees: []int{guest.ID}, Room: &room.ID})
	if err != nil {
		t.Fatal(err)
	}
	title := "Review, moved"
	if _, err := planner.Update(ctx, e.ID, scheduling.ScopeAll, nil, scheduling.EventChanges{Title: &title}); err != nil {
		t.Fatal(err)
	}
	// A refused change publishes nothing.
	taken := 0
	if _, err := planner.Update(ctx, e.ID, scheduling.ScopeAll, nil, scheduling.EventChanges{DurationMinutes: &taken}); err == nil {
		t.Fatal("a zero duration was accepted")
	}
	if _, err := planner.Cancel(ctx, e.ID, scheduling.ScopeAll, nil); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range got {
		kinds = append(kinds, string(c.Kind))
		if c.EventID != e.ID || c.CompanyID != co.Company.ID || !slices.Contains(c.Users, co.Member.ID) ||
			!slices.Contains(c.Users, guest.ID) || fmt.Sprint(c.Rooms) != fmt.Sprint([]int{room.ID}) {
			t.Errorf("change %+v", c)
		}
	}
	if fmt.Sprint(kinds) != "[CREATED UPDATED CANCELLED]" {
		t.Fatalf("published %v", kinds)
	}
}
