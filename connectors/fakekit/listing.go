package fakekit

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Listing is where a fake's change listing stands, as its opaque page and
// sync tokens say: the epoch the token was given in (a fake that expires
// its tokens starts a new one), the change count it was taken at, the
// count it lists changes since (-1: everything), and how far it got.
type Listing struct {
	Epoch, At, Since, Offset int
}

// Token is l as an opaque token starting with prefix.
func (l Listing) Token(prefix string) string {
	return prefix + base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d:%d:%d:%d", l.Epoch, l.At, l.Since, l.Offset))
}

// ParseListing reads a token Token made with prefix.
func ParseListing(prefix, token string) (Listing, bool) {
	var l Listing
	rest, ok := strings.CutPrefix(token, prefix)
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if !ok || err != nil {
		return l, false
	}
	_, err = fmt.Sscanf(string(raw), "%d:%d:%d:%d", &l.Epoch, &l.At, &l.Since, &l.Offset)
	return l, err == nil
}

// Agenda is what a calendar owner sees from from to to: the events of
// bodies that start then, as "2006-01-02 15:04 title" (UTC), in time
// order. start reads an event's start, titled names its title's field.
func Agenda(bodies []map[string]any, from, to time.Time, start func(any) time.Time, titled string) []string {
	var out []string
	for _, b := range bodies {
		if at := start(b["start"]); !at.Before(from) && at.Before(to) {
			out = append(out, at.UTC().Format("2006-01-02 15:04")+" "+b[titled].(string))
		}
	}
	slices.Sort(out)
	return out
}
