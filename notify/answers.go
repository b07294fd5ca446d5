package notify

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Answer is one of a mail's answer links.
type Answer struct {
	Label    string
	Response string // ACCEPTED, TENTATIVE or DECLINED
	URL      string
}

// AnswerLinks signs the links that let an attendee answer from a mail
// without signing in. A link names one attendee of one meeting and
// expires with the meeting.
type AnswerLinks struct {
	key  []byte
	base string // the public URL
}

// NewAnswerLinks signs with key links under publicURL.
func NewAnswerLinks(key []byte, publicURL string) *AnswerLinks {
	return &AnswerLinks{key: key, base: publicURL}
}

const answerAudience = "rsvp"

// answerClaims are what a link's token holds.
type answerClaims struct {
	Event int `json:"evt"`
	jwt.RegisteredClaims
}

// For returns the three answer links of an attendee, valid until.
func (l *AnswerLinks) For(attendeeID, eventID int, until time.Time) ([]Answer, error) {
	token, err := l.Token(attendeeID, eventID, time.Now(), until)
	if err != nil {
		return nil, err
	}
	page := l.base + "/rsvp/" + token
	answers := make([]Answer, len(Choices))
	for i, c := range Choices {
		answers[i] = Answer{Label: c.Label, Response: c.Response, URL: page + "?answer=" + c.Response}
	}
	return answers, nil
}

// Choices are the answers a mail offers, without their links.
var Choices = []Answer{{Label: "Yes", Response: "ACCEPTED"}, {Label: "Maybe", Response: "TENTATIVE"}, {Label: "No", Response: "DECLINED"}}

// Token signs a link's token.
func (l *AnswerLinks) Token(attendeeID, eventID int, issued, until time.Time) (string, error) {
	claims := answerClaims{Event: eventID, RegisteredClaims: jwt.RegisteredClaims{
		Subject:   strconv.Itoa(attendeeID),
		Audience:  jwt.ClaimStrings{answerAudience},
		IssuedAt:  jwt.NewNumericDate(issued),
		ExpiresAt: jwt.NewNumericDate(until),
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(l.key)
	if err != nil {
		return "", fmt.Errorf("notify: signing an answer link: %w", err)
	}
	return url.PathEscape(s), nil
}

// LinkClaim is what a valid link says.
type LinkClaim struct {
	AttendeeID int
	EventID    int
	Issued     time.Time
}

// Check verifies a link's token: signed by us, for answers, not expired.
func (l *AnswerLinks) Check(token string) (LinkClaim, error) {
	var c answerClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return l.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithAudience(answerAudience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		return LinkClaim{}, fmt.Errorf("notify: answer link: %w", err)
	}
	id, err := strconv.Atoi(c.Subject)
	if err != nil || c.IssuedAt == nil {
		return LinkClaim{}, fmt.Errorf("notify: answer link without an attendee")
	}
	return LinkClaim{AttendeeID: id, EventID: c.Event, Issued: c.IssuedAt.Time}, nil
}
