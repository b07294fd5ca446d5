package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent/privacy"
)

func TestPresentErrorHidesInternals(t *testing.T) {
	var logs bytes.Buffer
	var counted []string
	present := presentError(slog.New(slog.NewTextHandler(&logs, nil)), func(code string) { counted = append(counted, code) })
	sqlErr := errors.New(`pq: relation "users" does not exist at character 15`)
	got := present(context.Background(), fmt.Errorf("directory: %w", sqlErr))
	if got.Message != "internal error; it has been logged" || got.Extensions["code"] != "INTERNAL" {
		t.Fatalf("internal error shown as %q %v", got.Message, got.Extensions)
	}
	if !strings.Contains(logs.String(), "relation") {
		t.Fatal("the real error was not logged")
	}
	if len(counted) != 1 || counted[0] != "INTERNAL" {
		t.Fatalf("counted %v", counted)
	}
}

func TestClassify(t *testing.T) {
	cases := map[string]struct {
		err  error
		code apperr.Code
		msg  string
	}{
		"domain":  {fmt.Errorf("x: %w", apperr.Invalid("email", "bad")), apperr.BadUserInput, "bad"},
		"privacy": {privacy.Denyf("authz: only an admin may do this"), apperr.Forbidden, "only an admin may do this"},
		"deny":    {privacy.Deny, apperr.Forbidden, "you are not allowed to do this"},
		"timeout": {context.DeadlineExceeded, apperr.Internal, "the request took too long; try again"},
	}
	for name, c := range cases {
		got := classify(c.err)
		if got.Code != c.code || got.Message != c.msg {
			t.Errorf("%s: %s %q, want %s %q", name, got.Code, got.Message, c.code, c.msg)
		}
	}
}

func TestCamelCase(t *testing.T) {
	for in, want := range map[string]string{"time_zone": "timeZone", "name": "name", "duration_minutes": "durationMinutes"} {
		if got := camelCase(in); got != want {
			t.Errorf("camelCase(%q) = %q", in, got)
		}
	}
}
