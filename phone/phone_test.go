package phone_test

import (
	"testing"

	"github.com/convene/convene/phone"
)

func TestNumbersWrittenAnyWayAreOne(t *testing.T) {
	for _, c := range []struct{ raw, region, want string }{
		{"0912 345 678", "VN", "+84912345678"},
		{"+84 912 345 678", "VN", "+84912345678"},
		{"+84912345678", "FI", "+84912345678"},
		{"(091) 234-5678", "VN", "+84912345678"},
		{"040 123 4567", "FI", "+358401234567"},
	} {
		got, err := phone.Normalize(c.raw, c.region)
		if err != nil || got != c.want {
			t.Errorf("%q in %s: %q, %v", c.raw, c.region, got, err)
		}
	}
	for _, bad := range []string{"", "call me", "12", "0912345678901234567"} {
		if got, err := phone.Normalize(bad, "VN"); err == nil {
			t.Errorf("%q normalized to %q", bad, got)
		}
	}
	if _, err := phone.NormalizeAll([]string{"0912345678", "nope"}, "VN"); err == nil {
		t.Error("a list with a non-number passed")
	}
	if phone.ValidRegion("VN") != nil || phone.ValidRegion("XX") == nil || phone.ValidRegion("") == nil {
		t.Error("regions")
	}
}
