package scheduling_test

import (
	"context"

	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/internal/testdb"
	"github.com/convene/convene/internal/testenv"
	"github.com/convene/convene/scheduling"
	"github.com/convene/convene/viewer"
)

// bigCompany is the fixture of the figures: 1,000 users, 50 rooms
// and 50,000 events, a fifth of them weekly or daily series (some with
// cancelled occurrences) started up to five years ago; three in four series
// have a COUNT, so most of them ended long ago, as series do.
type bigCompany struct {
	users []*ent.User
	rooms []*ent.Room
}

func seedBigCompany(b *testing.B, env *testenv.Env, now time.Time) bigCompany {
	b.Helper()
	ctx := viewer.NewSystemContext(context.Background(), viewer.SystemSeed)
	c := env.DB.Client
	co := c.Company.Create().SetName("Big").SaveX(ctx)
	rng := rand.New(rand.NewPCG(1, 2))
	var big bigCompany
	for chunk := 0; chunk < 1000; chunk += 500 {
		builders := make([]*ent.UserCreate, 500)
		for i := range builders {
			n := chunk + i
			builders[i] = c.User.Create().SetCompany(co).SetName(fmt.Sprintf("User %d", n)).SetEmail(fmt.Sprintf("u%d@big.example", n))
		}
		big.users = append(big.users, c.User.CreateBulk(builders...).SaveX(ctx)...)
	}
	rooms := make([]*ent.RoomCreate, 50)
	for i := range rooms {
		rooms[i] = c.Room.Create().SetCompany(co).SetName(fmt.Sprintf("Room %d", i)).SetCapacity(4 + i%12)
	}
	big.rooms = c.Room.CreateBulk(rooms...).SaveX(ctx)
	const events, batch = 50000, 1000
	for start := 0; start < events; start += batch {
		builders := make([]*ent.EventCreate, batch)
		for i := range builders {
			builders[i] = randomEvent(b, c, co, big, rng, now, start+i)
		}
		created := c.Event.CreateBulk(builders...).SaveX(ctx)
		var people []*ent.AttendeeCreate
		for _, e := range created {
			for _, p := range rng.Perm(len(big.users))[:2+rng.IntN(4)] {
				people = append(people, c.Attendee.Create().SetCompany(co).SetEventID(e.ID).SetUserID(big.users[p].ID).
					SetResponse([]attendee.Response{"ACCEPTED", "NEEDS_ACTION", "DECLINED"}[rng.IntN(3)]))
			}
		}
		c.Attendee.CreateBulk(people...).ExecX(ctx)
	}
	return big
}

func randomEvent(b *testing.B, c *ent.Client, co *ent.Company, big bigCompany, rng *rand.Rand, now time.Time, n int) *ent.EventCreate {
	length := time.Duration(15*(1+rng.IntN(8))) * time.Minute
	e := c.Event.Create().SetCompany(co).SetTitle(fmt.Sprintf("Event %d", n)).SetDurationMinutes(int(length.Minutes())).
		SetTimeZone("Europe/Helsinki").SetOrganizerID(big.users[rng.IntN(len(big.users))].ID).SetIcalUID(fmt.Sprintf("big-%d", n))
	if rng.IntN(10) == 0 {
		e.SetRoomID(big.rooms[rng.IntN(len(big.rooms))].ID)
	}
	if rng.IntN(5) > 0 { // a single event within a year either side of now
		start := now.Add(time.Duration(rng.Int64N(int64(2*365*24*time.Hour))) - 365*24*time.Hour).Truncate(15 * time.Minute)
		return e.SetStartAt(start).SetSeriesEnd(start.Add(length))
	}
	start := now.Add(-time.Duration(rng.Int64N(int64(5 * 365 * 24 * time.Hour)))).Truncate(15 * time.Minute)
	rule := "FREQ=WEEKLY"
	if rng.IntN(10) == 0 {
		rule = "FREQ=DAILY"
	}
	if rng.IntN(4) > 0 {
		rule += fmt.Sprintf(";COUNT=%d", 5+rng.IntN(50))
	}
	helsinki, _ := time.LoadLocation("Europe/Helsinki")
	parsed, err := scheduling.ParseRule(rule, start, helsinki)
	if err != nil {
		b.Fatal(err)
	}
	if last, ok := parsed.Last(); ok {
		e.SetSeriesEnd(last.Add(length))
	}
	e.SetStartAt(start).SetRrule(rule)
	if rng.IntN(4) == 0 {
		e.SetExdates([]time.Time{start.AddDate(0, 0, 7), start.AddDate(0, 0, 14)})
	}
	return e
}

func BenchmarkCalendarAtScale(b *testing.B) {
	for _, d := range testdb.Dialects {
		b.Run(d, func(b *testing.B) {
			env := testenv.New(b, d)
			now := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
			big := seedBigCompany(b, env, now)
			// Planner statistics as a running deployment has them: SQLite's
			// from the server's hourly optimize, Postgres's from autovacuum.
			if err := env.DB.Optimize(context.Background()); err != nil {
				b.Fatal(err)
			}
			if d == dialect.Postgres {
				env.DB.SQL.Exec("ANALYZE")
			}
			me := big.users[17]
			ctx := testenv.As(me)
			cal := scheduling.NewCalendar(env.DB.Client)
			ten := make([]int, 10)
			for i := range ten {
				ten[i] = big.users[100+i].ID
			}
			run := func(name string, w scheduling.Window, read func(scheduling.Window) (int, error)) {
				b.Run(name, func(b *testing.B) {
					n := 0
					for b.Loop() {
						var err error
						if n, err = read(w); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(n), "items")
				})
			}
			occurrences := func(w scheduling.Window) (int, error) { o, err := cal.Occurrences(ctx, w); return len(o), err }
			busy := func(w scheduling.Window) (int, error) { o, err := cal.FreeBusy(ctx, w); return len(o), err }
			run("user-month", scheduling.Window{From: now, To: now.AddDate(0, 1, 0)}, occurrences)
			run("room-week", scheduling.Window{From: now, To: now.AddDate(0, 0, 7), Rooms: []int{big.rooms[3].ID}}, occurrences)
			run("freebusy-10-users-2-weeks", scheduling.Window{From: now, To: now.AddDate(0, 0, 14), Users: ten}, busy)
			b.Run("suggest-10-users-2-weeks", func(b *testing.B) {
				req := scheduling.SuggestRequest{Attendees: ten, DurationMinutes: 30, From: now, To: now.AddDate(0, 0, 14),
					WorkdayStart: "08:00", WorkdayEnd: "18:00", Workdays: []string{"MO", "TU", "WE", "TH", "FR"}, StepMinutes: 15, Limit: 10}
				n := 0
				for b.Loop() {
					s, err := cal.Suggest(ctx, req)
					if err != nil {
						b.Fatal(err)
					}
					n = len(s)
				}
				b.ReportMetric(float64(n), "items")
			})
		})
	}
}
