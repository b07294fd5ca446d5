// Package apperr defines the errors domain packages return to clients: a
// code from a fixed set, the input field at fault, and a message a person can
// act on. Anything else is an internal error and is never shown as is.
package apperr

import (
	"errors"
	"fmt"
)

// Code is the value of a GraphQL error's extensions.code.
type Code string

const (
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	BadUserInput    Code = "BAD_USER_INPUT"
	NotFound        Code = "NOT_FOUND"
	Conflict        Code = "CONFLICT"
	ProviderError   Code = "PROVIDER_ERROR"
	Internal        Code = "INTERNAL"
)

// Error is an error meant for the client.
type Error struct {
	Code    Code
	Field   string // the input field at fault, for BAD_USER_INPUT
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Invalid reports bad input in field.
func Invalid(field, format string, a ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: fmt.Sprintf(format, a...)}
}

// New returns an error with code and a message.
func New(code Code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// As finds an *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
