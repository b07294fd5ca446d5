package app

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/calls"
)

// callReports serves POST /webhooks/vcc, where the call center reports
// call events.
type callReports struct {
	inbox *calls.Inbox
	log   *slog.Logger
}

// statusOf is the answer each kind of apperr gets: the center sends a
// report again on a 409 or 404 (it came early) and on a 5xx.
var statusOf = map[apperr.Code]int{
	apperr.BadUserInput: http.StatusBadRequest,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Conflict:     http.StatusConflict,
}

func (h callReports) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body) // limitRequest bounds it
	if err != nil {
		writeReportAnswer(w, http.StatusRequestEntityTooLarge, "error", err.Error())
		return
	}
	err = h.inbox.Receive(r.Context(), r.Header, body)
	known, isKnown := apperr.As(err)
	switch {
	case err == nil:
		writeReportAnswer(w, http.StatusOK, "ok", "")
	case errors.Is(err, calls.ErrStale):
		writeReportAnswer(w, http.StatusOK, "ignored", err.Error())
	case errors.Is(err, calls.ErrUnsigned):
		writeReportAnswer(w, http.StatusUnauthorized, "error", err.Error())
	case errors.Is(err, calls.ErrReplayed):
		writeReportAnswer(w, http.StatusConflict, "error", err.Error())
	case isKnown && statusOf[known.Code] != 0:
		writeReportAnswer(w, statusOf[known.Code], "error", known.Message)
	default:
		h.log.ErrorContext(r.Context(), "a call report failed", "err", err)
		writeReportAnswer(w, http.StatusInternalServerError, "error", "the report could not be saved: send it again")
	}
}

func writeReportAnswer(w http.ResponseWriter, status int, outcome, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": outcome, "message": message})
}
