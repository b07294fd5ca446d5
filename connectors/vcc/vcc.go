// Package vcc reaches a VNPT cloud contact center (VCC): the agent token
// the center's embedded softphone takes, and the login that turns it into
// the center's own session.
package vcc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/convene/convene/connectors/rest"
)

// Center is one tenant (domain) of a call center, with the access key the
// center issued for it.
type Center struct {
	Base      string // https://web.vcc-vinaphone.com.vn
	Domain    string
	AccessKey string
}

// centerZone is where the center reads the token's expiry; VNPT's demo
// writes local time without a zone, and the center runs in Vietnam.
var centerZone = mustZone("Asia/Ho_Chi_Minh")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Token is the agent token for extension ipphone, valid until expires: a
// JWT, HS256, signed with the access key, as VNPT's demo makes it.
func (c Center) Token(ipphone string, expires time.Time) (string, error) {
	if ipphone == "" {
		return "", errors.New("vcc: an agent token needs the agent's extension")
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"ipphone": ipphone,
		"expired": expires.In(centerZone).Format(time.DateTime),
	}).SignedString([]byte(c.AccessKey))
}

// Session is what the center answers a login with.
type Session struct {
	UserID int    `json:"user_id"`
	Token  string `json:"token"`
}

// Login logs the agent of token in at the center.
func (c Center) Login(ctx context.Context, token string) (Session, error) {
	var out struct {
		Code    string  `json:"code"`
		Message string  `json:"message"`
		User    Session `json:"user"`
	}
	api := rest.New(c.Base, "", refusal)
	if err := api.Call(ctx, http.MethodPost, "/"+c.Domain+"/thirdParty/login", map[string]string{"token": token}, &out); err != nil {
		return Session{}, err
	}
	if out.Code != "ok" {
		return Session{}, &Error{Status: http.StatusOK, Code: out.Code, Message: out.Message}
	}
	return out.User, nil
}

// Error is the center's refusal. Its shape is not documented: the code
// and message are read when the body has them.
type Error struct {
	Status        int
	Code, Message string
}

func (e *Error) Error() string {
	switch {
	case e.Message != "":
		return fmt.Sprintf("the call center refused (%d %s): %s", e.Status, e.Code, e.Message)
	case e.Code != "":
		return fmt.Sprintf("the call center refused (%d): %s", e.Status, e.Code)
	}
	return fmt.Sprintf("the call center answered %d %s", e.Status, http.StatusText(e.Status))
}

func refusal(res *http.Response, body []byte) error {
	e := &Error{Status: res.StatusCode}
	var parsed struct{ Code, Message string }
	if json.Unmarshal(body, &parsed) == nil {
		e.Code, e.Message = parsed.Code, parsed.Message
	}
	return e
}
