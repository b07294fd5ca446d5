package demo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/convene/convene/connectors/google/googlefake"
	"github.com/convene/convene/connectors/microsoft/microsoftfake"
	"github.com/convene/convene/connectors/trueconf/trueconffake"
	"github.com/convene/convene/connectors/zoom/zoomfake"
	"github.com/convene/convene/credentials"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/viewer"
)

// Providers are fake Zoom, Google, Microsoft and TrueConf servers on loopback, inside the demo
// process, so that a newcomer's online meetings get links. The links are
// not real: nobody can join them.
type Providers struct {
	At         credentials.Providers
	trueconfAt string // a TrueConf Server is the company's own: its address is in its credential
	servers    []*http.Server
}

// The demo's apps at the fakes.
const (
	zoomAccount, zoomClient, zoomSecret = "demo-account", "demo-zoom-client", "demo-zoom-secret"
	googleClient, googleSecret          = "demo.apps.googleusercontent.com", "demo-google-secret"
	microsoftClient, microsoftSecret    = "00000000-0000-0000-0000-0000000de770", "demo-microsoft-secret"
	trueconfClient, trueconfSecret      = "demo-trueconf-client", "demo-trueconf-secret"
)

// StartProviders starts the fakes on 127.0.0.1.
func StartProviders() (*Providers, error) {
	trueconfServer := trueconffake.New(trueconfClient, trueconfSecret)
	fakes := []http.Handler{zoomfake.New(zoomAccount, zoomClient, zoomSecret), googlefake.New(googleClient, googleSecret),
		microsoftfake.New(microsoftClient, microsoftSecret), trueconfServer}
	p := &Providers{}
	at := make([]string, len(fakes))
	for i, h := range fakes {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("demo: %w", err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		p.servers = append(p.servers, srv)
		go func() { _ = srv.Serve(l) }()
		at[i] = "http://" + l.Addr().String()
	}
	p.At = credentials.Providers{Zoom: zoomfake.Endpoints(at[0]), Google: googlefake.Endpoints(at[1]), Microsoft: microsoftfake.Endpoints(at[2])}
	p.trueconfAt, trueconfServer.URL = at[3], at[3]
	return p, nil
}

// Close stops the fakes.
func (p *Providers) Close() {
	for _, srv := range p.servers {
		_ = srv.Close()
	}
}

// Connect gives the demo company a Zoom app, a Google and a Microsoft app
// that an admin has consented to, and a TrueConf Server, all fakes.
func (p *Providers) Connect(ctx context.Context, store *credentials.Store, admin *ent.User) error {
	ctx = viewer.NewContext(ctx, viewer.Viewer{UserID: admin.ID, CompanyID: admin.CompanyID, Role: viewer.Admin})
	c, err := store.ConfigureZoom(ctx, credentials.ZoomApp{AccountID: zoomAccount, ClientID: zoomClient, ClientSecret: zoomSecret})
	if err == nil {
		_, err = store.Test(ctx, c.ID) // shown CONNECTED, as an admin's check would
	}
	if err != nil {
		return fmt.Errorf("demo: zoom: %w", err)
	}
	c, err = store.ConfigureGoogle(ctx, credentials.GoogleApp{ClientID: googleClient, ClientSecret: googleSecret})
	if err == nil {
		err = consent(ctx, store, c)
	}
	if err != nil {
		return fmt.Errorf("demo: google: %w", err)
	}
	c, err = store.ConfigureMicrosoft(ctx, credentials.MicrosoftApp{ClientID: microsoftClient, ClientSecret: microsoftSecret})
	if err == nil {
		err = consent(ctx, store, c)
	}
	if err != nil {
		return fmt.Errorf("demo: microsoft: %w", err)
	}
	c, err = store.ConfigureTrueConf(ctx, credentials.TrueConfApp{ServerURL: p.trueconfAt, ClientID: trueconfClient, ClientSecret: trueconfSecret})
	if err == nil {
		_, err = store.Test(ctx, c.ID)
	}
	if err != nil {
		return fmt.Errorf("demo: trueconf: %w", err)
	}
	return nil
}

// consent runs an admin's consent for c at its fake.
func consent(ctx context.Context, store *credentials.Store, c *ent.Credential) error {
	consent, err := store.AuthorizeURL(ctx, c.ID)
	if err != nil {
		return err
	}
	// The fake's consent page allows at once and sends the browser back
	// with a code; here the demo is the browser.
	noFollow := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(consent)
	if err != nil {
		return err
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || back.Query().Get("code") == "" {
		return errors.New("the fake consent page gave no code")
	}
	_, err = store.CompleteConsent(ctx, back.Query().Get("state"), back.Query().Get("code"))
	return err
}
