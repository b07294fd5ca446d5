package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/privacy"
)

// presentError turns any resolver error into a GraphQL error with
// extensions.code, and the field at fault for bad input. Errors we do not
// recognise are logged and shown as INTERNAL without their text, so SQL and
// internals never reach a client.
func presentError(log *slog.Logger, count func(code string)) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := graphql.DefaultErrorPresenter(ctx, err)
		var known *gqlerror.Error
		if errors.As(err, &known) && known.Extensions["code"] != nil {
			count(fmt.Sprint(known.Extensions["code"]))
			return out // gqlgen's parse, validation and limit errors
		}
		e := classify(err)
		if e.Code == apperr.Internal {
			log.ErrorContext(ctx, "graphql: internal error", "path", out.Path.String(), "err", err)
		}
		count(string(e.Code))
		out.Message = e.Message
		out.Extensions = map[string]any{"code": string(e.Code)}
		if e.Field != "" {
			out.Extensions["field"] = e.Field
		}
		return out
	}
}

// classify maps domain, ent and privacy errors to client errors.
func classify(err error) *apperr.Error {
	var validation *ent.ValidationError
	switch e, ok := apperr.As(err); {
	case ok:
		return e
	case errors.As(err, &validation):
		msg := validation.Unwrap().Error()
		if _, after, found := strings.Cut(msg, ": "); found && strings.HasPrefix(msg, "validator failed") {
			msg = after
		}
		return apperr.Invalid(camelCase(validation.Name), "%s", msg)
	case errors.Is(err, privacy.Deny):
		return apperr.New(apperr.Forbidden, "%s", denyReason(err))
	case ent.IsNotFound(err):
		return apperr.New(apperr.NotFound, "not found, or not in your company")
	case ent.IsConstraintError(err):
		return apperr.New(apperr.Conflict, "this conflicts with an existing record (a name or number already in use)")
	case errors.Is(err, context.DeadlineExceeded):
		return apperr.New(apperr.Internal, "the request took too long; try again")
	default:
		return apperr.New(apperr.Internal, "internal error; it has been logged")
	}
}

// denyReason keeps the human part of a privacy decision.
func denyReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "authz: "); i >= 0 {
		msg = msg[i+len("authz: "):]
	}
	msg, _, _ = strings.Cut(msg, ": ent/privacy")
	if msg == "" || strings.HasPrefix(msg, "ent/privacy") {
		return "you are not allowed to do this"
	}
	return msg
}

// camelCase turns ent's column name into the GraphQL field name.
func camelCase(snake string) string {
	parts := strings.Split(snake, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// recoverPanic logs a resolver panic and answers INTERNAL.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "graphql: panic", "panic", p)
		return apperr.New(apperr.Internal, "internal error; it has been logged")
	}
}
