package app

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/convene/convene/credentials"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/viewer"
)

// consentPage is where a provider's consent page sends the admin back: it
// completes the connection and says how it went.
type consentPage struct {
	creds *credentials.Store
	// connected resumes what waited for the credential.
	connected func(context.Context, *ent.Credential) error
	log       *slog.Logger
}

var consentTemplate = template.Must(template.New("consent").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Message}}</p></body></html>
`))

// names are the providers whose consent comes back to /oauth/{provider}/callback.
var names = map[string]string{"google": "Google", "microsoft": "Microsoft"}

// callback handles /oauth/{provider}/callback: the signed state says which
// credential the consent was for.
func (p consentPage) callback(w http.ResponseWriter, r *http.Request) {
	name, ok := names[r.PathValue("provider")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	if why := q.Get("error"); why != "" {
		if err := p.creds.DeclinedConsent(r.Context(), q.Get("state"), why); err != nil {
			p.render(w, http.StatusBadRequest, "Not connected", err.Error())
			return
		}
		p.render(w, http.StatusOK, "Not connected", name+" was not connected: access was not allowed. Start again from the admin settings to connect it.")
		return
	}
	c, err := p.creds.CompleteConsent(r.Context(), q.Get("state"), q.Get("code"))
	if err != nil {
		p.log.Warn("consent failed", "provider", name, "err", err)
		p.render(w, http.StatusBadRequest, "Not connected", err.Error())
		return
	}
	if err := p.connected(viewer.NewCompanyContext(r.Context(), viewer.SystemOAuth, c.CompanyID), c); err != nil {
		p.log.Error("resuming after consent", "provider", name, "err", err)
	}
	if c.UserID != nil {
		p.render(w, http.StatusOK, "Calendar connected", "Your "+name+" calendar now syncs with Convene. You can close this page.")
		return
	}
	p.render(w, http.StatusOK, name+" connected", "Convene can now make "+name+" meeting links for your company's meetings. You can close this page.")
}

func (p consentPage) render(w http.ResponseWriter, status int, title, message string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = consentTemplate.Execute(w, struct{ Title, Message string }{title, message})
}
