package fakekit

import (
	"encoding/base64"
	"fmt"
	"strings"
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
