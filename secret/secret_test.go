package secret

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpenRoundTrip(t *testing.T) {
	k, err := ParseKeyring(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	place := Place{CompanyID: 1, Table: "credentials", Column: "client_secret", RowID: 7}
	sealed := k.Seal("s3cret-value", place)
	if bytes.Contains(sealed, []byte("s3cret-value")) {
		t.Fatal("sealed bytes contain the plaintext")
	}
	got, err := k.Open(sealed, place)
	if err != nil || got != "s3cret-value" {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestSealedForAnotherPlaceDoesNotOpen(t *testing.T) {
	k, _ := ParseKeyring(NewKey())
	place := Place{CompanyID: 1, Table: "credentials", Column: "client_secret", RowID: 7}
	sealed := k.Seal("x", place)
	for name, other := range map[string]Place{
		"company": {CompanyID: 2, Table: "credentials", Column: "client_secret", RowID: 7},
		"row":     {CompanyID: 1, Table: "credentials", Column: "client_secret", RowID: 8},
		"column":  {CompanyID: 1, Table: "credentials", Column: "refresh_token", RowID: 7},
	} {
		if _, err := k.Open(sealed, other); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: Open = %v, want ErrOpen", name, err)
		}
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := k.Open(sealed, place); !errors.Is(err, ErrOpen) {
		t.Errorf("altered: Open = %v, want ErrOpen", err)
	}
}

func TestRotationOpensOldAndSealsWithNewest(t *testing.T) {
	oldSpec := NewKey()
	old, _ := ParseKeyring(oldSpec)
	place := Place{CompanyID: 1, Table: "t", Column: "c", RowID: 1}
	sealedOld := old.Seal("before", place)

	newSpec := "v2:" + NewKey()[3:]
	rotated, err := ParseKeyring(oldSpec + "," + newSpec)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealedOld, place); err != nil || got != "before" {
		t.Fatalf("old ciphertext: %q, %v", got, err)
	}
	if v := rotated.Seal("after", place)[0]; v != 2 {
		t.Fatalf("sealed with key v%d, want v2", v)
	}
	if _, err := old.Open(rotated.Seal("after", place), place); !errors.Is(err, ErrNoKey) {
		t.Fatalf("old keyring opening v2: %v, want ErrNoKey", err)
	}
}

func TestParseKeyringRejectsBadKeys(t *testing.T) {
	for _, spec := range []string{"", "not-base64!", "v1:c2hvcnQ=", "v0:" + NewKey()[3:], "vx:" + NewKey()[3:]} {
		if _, err := ParseKeyring(spec); err == nil {
			t.Errorf("ParseKeyring(%q) accepted", spec)
		}
	}
}

func TestDeriveKeyDependsOnPurposeAndKey(t *testing.T) {
	a, _ := ParseKeyring(NewKey())
	b, _ := ParseKeyring(NewKey())
	derive := func(k *Keyring, purpose string) []byte {
		key, err := k.DeriveKey(purpose)
		if err != nil || len(key) != KeySize {
			t.Fatalf("DeriveKey(%q) = %d bytes, %v", purpose, len(key), err)
		}
		return key
	}
	if bytes.Equal(derive(a, "tokens"), derive(a, "rsvp")) {
		t.Fatal("two purposes share a key")
	}
	if bytes.Equal(derive(a, "tokens"), derive(b, "tokens")) {
		t.Fatal("two keyrings derive the same key")
	}
	if !bytes.Equal(derive(a, "tokens"), derive(a, "tokens")) {
		t.Fatal("derivation is not stable")
	}
}
