package notify

import (
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// mailView is what the mail templates see.
type mailView struct {
	Meeting
	When      string
	Cancelled bool
	Answers   []Answer
	Company   string // the company's own text, from its template
}

var textMail = texttemplate.Must(texttemplate.New("text").Parse(`{{if .Cancelled}}This meeting was cancelled.

{{end}}{{if .Company}}{{.Company}}

{{end}}{{.Title}}
When: {{.When}}
Organizer: {{.Organizer.Name}} <{{.Organizer.Email}}>
{{- if .Location}}
Where: {{.Location}}{{end}}
{{- if .JoinURL}}
Join: {{.JoinURL}}{{if .Password}}
Password: {{.Password}}{{end}}{{end}}
{{- if .Description}}

{{.Description}}{{end}}
{{- if .Answers}}

Will you come?{{range .Answers}}
  {{.Label}}: {{.URL}}{{end}}{{end}}
`))

var htmlMail = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html><body style="font-family:sans-serif">
{{if .Cancelled}}<p><strong>This meeting was cancelled.</strong></p>{{end}}
{{if .Company}}<p style="white-space:pre-line">{{.Company}}</p>{{end}}
<h2>{{.Title}}</h2>
<p>When: {{.When}}<br>Organizer: {{.Organizer.Name}} &lt;{{.Organizer.Email}}&gt;
{{- if .Location}}<br>Where: {{.Location}}{{end}}
{{- if .JoinURL}}<br>Join: <a href="{{.JoinURL}}">{{.JoinURL}}</a>{{if .Password}}<br>Password: {{.Password}}{{end}}{{end}}</p>
{{- if .Description}}<p>{{.Description}}</p>{{end}}
{{- if .Answers}}<p>Will you come?{{range .Answers}} <a href="{{.URL}}">{{.Label}}</a>{{end}}</p>{{end}}
</body></html>
`))

// render writes a mail's text and HTML parts; company is the company's
// own text, first in the mail.
func render(m Meeting, method string, answers []Answer, company string) (text, html string, err error) {
	v := mailView{Meeting: m, When: when(m), Cancelled: method == MethodCancel, Answers: answers, Company: company}
	var t, h strings.Builder
	if err := textMail.Execute(&t, v); err != nil {
		return "", "", err
	}
	if err := htmlMail.Execute(&h, v); err != nil {
		return "", "", err
	}
	return t.String(), h.String(), nil
}

// textToHTML shows plain text as HTML, line breaks kept.
func textToHTML(text string) string {
	return `<p style="white-space:pre-line">` + htmltemplate.HTMLEscapeString(text) + "</p>"
}
