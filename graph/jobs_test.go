package graph_test

import (
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/ent/job"
	"github.com/convene/convene/internal/testenv"
)

func TestAdminsSeeFailedJobsAndRetryThem(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, env *testenv.Env) {
		co := env.NewCompany(t, "Acme")
		other := env.NewCompany(t, "Other")
		ctx := testenv.As(co.Admin)
		failed := env.DB.Client.Job.Create().SetKind("mystery").SetIdempotencyKey("mystery:1").
			SetState(job.StateFAILED).SetAttempts(8).SetLastError("gave up").SetRunAt(time.Now().UTC()).SaveX(ctx)

		const list = `query($s:JobState){ jobs(state:$s){ totalCount edges { node { id kind state attempts lastError } } } }`
		var seen struct {
			Jobs struct {
				TotalCount int
				Edges      []struct {
					Node struct{ ID, Kind, State, LastError string }
				}
			}
		}
		env.Must(t, co.AdminToken, list, map[string]any{"s": "FAILED"}, &seen)
		if seen.Jobs.TotalCount != 1 || seen.Jobs.Edges[0].Node.LastError != "gave up" {
			t.Fatalf("failed jobs: %+v", seen.Jobs)
		}
		if res := env.Query(t, co.MemberToken, list, nil); res.Code() != "FORBIDDEN" {
			t.Errorf("a member listed jobs: %+v", res.Errors)
		}
		env.Must(t, other.AdminToken, list, nil, &seen)
		if seen.Jobs.TotalCount != 0 {
			t.Errorf("another company's admin sees %d jobs", seen.Jobs.TotalCount)
		}
		if res := env.Query(t, other.AdminToken, `mutation($id:ID!){ retryJob(id:$id){ id } }`, map[string]any{"id": failed.ID}); res.Code() != "NOT_FOUND" {
			t.Errorf("another company's admin retried it: %+v", res.Errors)
		}

		var retried struct{ RetryJob struct{ State string } }
		env.Must(t, co.AdminToken, `mutation($id:ID!){ retryJob(id:$id){ state } }`, map[string]any{"id": failed.ID}, &retried)
		if retried.RetryJob.State != "PENDING" {
			t.Fatalf("retried: %+v", retried)
		}
		if res := env.Query(t, co.AdminToken, `mutation($id:ID!){ retryJob(id:$id){ id } }`, map[string]any{"id": failed.ID}); res.Field() != "id" {
			t.Errorf("retrying a pending job: %+v", res.Errors)
		}
		// /metrics shows the queue by state.
		res, err := env.Server.Client().Get(env.Server.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(metrics), `convene_jobs{state="FAILED"} 0`) || !regexp.MustCompile(`convene_jobs\{state="(PENDING|RUNNING)"\} 1`).Match(metrics) {
			t.Errorf("jobs in /metrics:\n%s", regexp.MustCompile(`(?m)^convene_jobs.*$`).FindAll(metrics, -1))
		}
		// The queue takes it at once; no handler knows this kind, so it fails again.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if j := env.DB.Client.Job.GetX(ctx, failed.ID); j.Attempts == 1 && j.State != job.StateRUNNING {
				if !strings.Contains(j.LastError, "no handler") {
					t.Fatalf("after the retry: %q", j.LastError)
				}
				return
			}
		}
		t.Fatal("the retried job did not run")
	})
}
