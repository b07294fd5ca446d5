package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/attendee"
	"github.com/convene/convene/ent/event"
	"github.com/convene/convene/internal/zone"
	"github.com/convene/convene/notify"
	"github.com/convene/convene/scheduling"
	"github.com/convene/convene/viewer"
)

// answerPage serves the answer links of invitation mails. Mail scanners
// open every link in a mail, so GET only shows the meeting and the three
// buttons; the answer is recorded by the page's POST.
type answerPage struct {
	client  *ent.Client
	links   *notify.AnswerLinks
	planner *scheduling.Planner
	log     *slog.Logger
}

var answerTemplate = template.Must(template.New("answer").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{if .Title}}{{.Title}}{{else}}Invitation{{end}}</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em}
button{font-size:1.1em;margin-right:.5em;padding:.4em 1.2em}.chosen{font-weight:bold;outline:2px solid #36c}</style></head>
<body>
{{if .Message}}<p>{{.Message}}</p>{{end}}
{{if .Title}}<h1>{{.Title}}</h1><p>{{.When}}<br>Organizer: {{.Organizer}}</p>{{end}}
{{if .Ask}}<form method="post">
{{range .Answers}}<button name="answer" value="{{.Response}}"{{if eq .Response $.Chosen}} class="chosen"{{end}}>{{.Label}}</button>{{end}}
</form>{{end}}
</body></html>
`))

type answerView struct {
	Title, When, Organizer string
	Message                string
	Ask                    bool
	Chosen                 string
	Answers                []notify.Answer
}

// show presents the meeting and asks for the answer; it changes nothing.
func (p answerPage) show(w http.ResponseWriter, r *http.Request) {
	view, claim, ok := p.meeting(w, r)
	if !ok {
		return
	}
	view.Ask, view.Chosen, view.Answers = true, r.URL.Query().Get("answer"), notify.Choices
	if a, err := p.client.Attendee.Get(p.system(r), claim.AttendeeID); err == nil && a.RespondedAt != nil && !a.RespondedAt.Before(claim.Issued) {
		view.Ask, view.Message = false, "You have answered this invitation already. To change your answer, use the app."
	}
	p.render(w, http.StatusOK, view)
}

// record stores the answer chosen on the page.
func (p answerPage) record(w http.ResponseWriter, r *http.Request) {
	view, claim, ok := p.meeting(w, r)
	if !ok {
		return
	}
	response := attendee.Response(r.PostFormValue("answer"))
	if attendee.ResponseValidator(response) != nil || response == attendee.ResponseNEEDS_ACTION {
		view.Message = "Choose Yes, Maybe or No."
		p.render(w, http.StatusBadRequest, view)
		return
	}
	_, err := p.planner.AnswerByLink(r.Context(), claim.AttendeeID, claim.EventID, claim.Issued, response)
	var known *apperr.Error
	switch {
	case err == nil:
		view.Message = "Thank you: your answer is recorded and the organizer told."
		p.render(w, http.StatusOK, view)
	case errors.As(err, &known) && known.Code == apperr.Conflict:
		view.Message = "This link was used already. To change your answer, use the app."
		p.render(w, http.StatusConflict, view)
	default:
		p.log.ErrorContext(r.Context(), "recording an answer", "err", err)
		view.Message = "Your answer could not be recorded; please try again."
		p.render(w, http.StatusInternalServerError, view)
	}
}

// meeting checks the link and loads what the page shows, answering the
// request itself when it cannot.
func (p answerPage) meeting(w http.ResponseWriter, r *http.Request) (answerView, notify.LinkClaim, bool) {
	claim, err := p.links.Check(r.PathValue("token"))
	if err != nil {
		p.render(w, http.StatusForbidden, answerView{Message: "This link is not valid, or it has expired."})
		return answerView{}, claim, false
	}
	e, err := p.client.Event.Query().Where(event.ID(claim.EventID), event.HasAttendeesWith(attendee.ID(claim.AttendeeID))).
		WithOrganizer().Only(p.system(r))
	if err != nil {
		p.render(w, http.StatusNotFound, answerView{Message: "This invitation is no longer open."})
		return answerView{}, claim, false
	}
	view := answerView{Title: e.Title, When: e.StartAt.Format("Mon 2 Jan 2006 15:04 MST")}
	if loc, err := zone.Load(e.TimeZone); err == nil {
		view.When = e.StartAt.In(loc).Format("Mon 2 Jan 2006 15:04 MST")
	}
	if o := e.Edges.Organizer; o != nil {
		view.Organizer = o.Name
	}
	if e.Status == event.StatusCANCELLED {
		view.Message = "This meeting was cancelled."
		p.render(w, http.StatusGone, view)
		return answerView{}, claim, false
	}
	return view, claim, true
}

func (p answerPage) system(r *http.Request) context.Context {
	return viewer.NewSystemContext(r.Context(), viewer.SystemAnswerLinks)
}

func (p answerPage) render(w http.ResponseWriter, status int, view answerView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
	w.WriteHeader(status)
	if err := answerTemplate.Execute(w, view); err != nil {
		p.log.Error("answer page", "err", err)
	}
}

// inboundReply takes a mail piped from the reply mailbox (see
// Options.ReplyAddress) and records the iTIP answers in it. A mailbox pipe
// retries what fails, so only a message that can never count is refused
// for good: it answers 422 then, 202 otherwise.
func (a *App) inboundReply(w http.ResponseWriter, r *http.Request) {
	secret := a.opts.InboundSecret
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if secret == "" || !ok || subtle.ConstantTimeCompare([]byte(token), []byte(secret)) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "message too large", http.StatusRequestEntityTooLarge)
		return
	}
	replies, err := notify.ParseReplies(raw)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	recorded := 0
	for _, reply := range replies {
		ok, err := a.planner.AnswerByReply(r.Context(), reply)
		if err != nil {
			a.opts.Log.ErrorContext(r.Context(), "recording an iTIP reply", "err", err)
			http.Error(w, "try again later", http.StatusServiceUnavailable)
			return
		}
		if ok {
			recorded++
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = fmt.Fprintf(w, `{"replies":%d,"recorded":%d}`+"\n", len(replies), recorded)
}
