package credentials

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/convene/convene/apperr"
	"github.com/convene/convene/connectors/vcc"
	"github.com/convene/convene/ent"
	"github.com/convene/convene/ent/credential"
	"github.com/convene/convene/ent/schematype"
	"github.com/convene/convene/viewer"
)

// CallCenterApp is the company's tenant at a VNPT cloud contact center.
type CallCenterApp struct {
	BaseURL   string
	Domain    string
	AccessKey string
}

// A domain is one segment of the center's paths.
var centerDomain = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// ConfigureCallCenter saves the company's call center and its access key.
func (s *Store) ConfigureCallCenter(ctx context.Context, app CallCenterApp) (*ent.Credential, error) {
	base, err := serverAddress("baseUrl", app.BaseURL, "https://web.vcc-vinaphone.com.vn")
	if err != nil {
		return nil, err
	}
	domain := strings.TrimSpace(app.Domain)
	if domain != "" && !centerDomain.MatchString(domain) {
		return nil, apperr.Invalid("domain", "is your tenant's name at the center, in letters, digits, dots and dashes")
	}
	return s.configure(ctx, schematype.ProviderVCC, "what VNPT support issued for your domain",
		map[string]string{"baseUrl": base, "domain": domain, "accessKey": app.AccessKey},
		func(u *ent.CredentialUpdateOne) { u.SetBaseURL(base).SetAccountID(domain) }, app.AccessKey)
}

// CallCenter is the company's call center, or ErrNotConnected.
func (s *Store) CallCenter(ctx context.Context, companyID int) (vcc.Center, error) {
	c, err := s.companyApp(ctx, companyID, schematype.ProviderVCC)
	if err != nil {
		return vcc.Center{}, err
	}
	return s.centerOf(c)
}

func (s *Store) centerOf(c *ent.Credential) (vcc.Center, error) {
	key, err := s.ClientSecret(c)
	if err != nil {
		return vcc.Center{}, err
	}
	return vcc.Center{Base: c.BaseURL, Domain: c.AccountID, AccessKey: key}, nil
}

// checkCallCenter logs the checking admin in as an agent: the center has
// no cheaper call, and its login checks the key and the domain.
func (s *Store) checkCallCenter(ctx context.Context, c *ent.Credential) (string, error) {
	center, err := s.centerOf(c)
	if err != nil {
		return "", err
	}
	v, _ := viewer.FromContext(ctx)
	admin, err := s.client.User.Get(ctx, v.UserID)
	if err != nil {
		return "", err
	}
	token, err := center.Token(admin.Extension, time.Now().Add(time.Minute))
	if err != nil {
		return "set your own extension (updateUser) to check the call center: it checks an agent's login", nil
	}
	_, err = center.Login(ctx, token)
	var refused *vcc.Error
	if errors.As(err, &refused) {
		return fmt.Sprintf("the call center at %s/%s refused extension %s: %v", c.BaseURL, c.AccountID, admin.Extension, err), nil
	}
	if err != nil {
		return fmt.Sprintf("the call center at %s could not be reached: %v", c.BaseURL, err), nil
	}
	return "", nil
}

// ReportingCenter is a company's center that may have sent a report.
type ReportingCenter struct {
	CompanyID int
	Center    vcc.Center
}

// CentersAt are the call centers of every company whose tenant is named
// domain: a report names its domain, and its signature tells which
// company's key made it.
func (s *Store) CentersAt(ctx context.Context, domain string) ([]ReportingCenter, error) {
	ctx = viewer.NewSystemContext(ctx, viewer.SystemCallReports)
	creds, err := s.client.Credential.Query().Where(credential.ProviderEQ(schematype.ProviderVCC),
		credential.UserIDIsNil(), credential.AccountID(domain)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	centers := make([]ReportingCenter, 0, len(creds))
	for _, c := range creds {
		center, err := s.centerOf(c)
		if err != nil {
			return nil, err
		}
		centers = append(centers, ReportingCenter{CompanyID: c.CompanyID, Center: center})
	}
	return centers, nil
}
