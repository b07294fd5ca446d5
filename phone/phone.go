// Package phone writes telephone numbers one way, E.164, so that a number
// typed as 0912 345 678 and one reported as +84 912 345 678 are equal.
package phone

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Normalize returns raw in E.164. A number without a country code is read
// as one of region (ISO 3166, such as VN).
func Normalize(raw, region string) (string, error) {
	n, err := phonenumbers.Parse(strings.TrimSpace(raw), region)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", fmt.Errorf("%q is not a phone number", raw)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// NormalizeAll normalizes each of raws, and names the first that is not a
// number.
func NormalizeAll(raws []string, region string) ([]string, error) {
	out := make([]string, 0, len(raws))
	for _, r := range raws {
		n, err := Normalize(r, region)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// ValidRegion refuses a region the numbering plan does not know.
func ValidRegion(region string) error {
	if phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return fmt.Errorf("%q is not a region code such as VN or FI", region)
	}
	return nil
}
