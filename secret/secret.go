// Package secret seals secret columns with AES-256-GCM. The associated data
// names the company, the table, the column and the row, so a ciphertext copied
// to another row or company does not open. Every ciphertext starts with the
// version of its key, so keys can be rotated: new seals use the newest key,
// older ones still open.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// KeySize is the length of an AES-256 key.
const KeySize = 32

var (
	// ErrNoKey means the ciphertext names a key version the keyring lacks.
	ErrNoKey = errors.New("secret: unknown key version")
	// ErrOpen means the ciphertext was altered or sealed for another place.
	ErrOpen = errors.New("secret: cannot open: altered or sealed for another row")
)

// Place is where a secret lives; it is bound into the ciphertext.
type Place struct {
	CompanyID int
	Table     string
	Column    string
	RowID     int
}

func (p Place) aad() []byte {
	return fmt.Appendf(nil, "convene/%d/%s/%s/%d", p.CompanyID, p.Table, p.Column, p.RowID)
}

// Keyring seals with its newest key and opens with any.
type Keyring struct {
	current byte
	aeads   map[byte]cipher.AEAD
	raw     map[byte][]byte
}

// ParseKeyring reads "v1:BASE64,v2:BASE64"; the highest version seals. A bare
// BASE64 key is version 1.
func ParseKeyring(spec string) (*Keyring, error) {
	k := &Keyring{aeads: map[byte]cipher.AEAD{}, raw: map[byte][]byte{}}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		version, encoded := 1, part
		if v, rest, ok := strings.Cut(part, ":"); ok && strings.HasPrefix(v, "v") {
			n, err := strconv.Atoi(v[1:])
			if err != nil || n < 1 || n > 255 {
				return nil, fmt.Errorf("secret: key version %q: want v1 to v255", v)
			}
			version, encoded = n, rest
		}
		raw, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil || len(raw) != KeySize {
			return nil, fmt.Errorf("secret: key v%d: want %d bytes in base64", version, KeySize)
		}
		if err := k.add(byte(version), raw); err != nil {
			return nil, err
		}
	}
	return k, nil
}

func (k *Keyring) add(version byte, raw []byte) error {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	k.aeads[version] = aead
	k.raw[version] = raw
	k.current = max(k.current, version)
	return nil
}

// DeriveKey returns a key for another purpose, such as signing access
// tokens, derived from the newest key with HKDF-SHA256: one secret to keep,
// and no purpose can learn another's key.
func (k *Keyring) DeriveKey(purpose string) ([]byte, error) {
	key, err := hkdf.Key(sha256.New, k.raw[k.current], nil, "convene "+purpose, KeySize)
	if err != nil {
		return nil, fmt.Errorf("secret: deriving %s key: %w", purpose, err)
	}
	return key, nil
}

// NewKey returns a fresh random key in the keyring's text form.
func NewKey() string {
	raw := make([]byte, KeySize)
	_, _ = rand.Read(raw) // crypto/rand never fails on supported platforms
	return "v1:" + base64.StdEncoding.EncodeToString(raw)
}

// Seal encrypts plaintext for place: version byte, nonce, ciphertext.
func (k *Keyring) Seal(plaintext string, place Place) []byte {
	aead := k.aeads[k.current]
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = k.current
	_, _ = rand.Read(out[1:])
	return aead.Seal(out, out[1:], []byte(plaintext), place.aad())
}

// Open decrypts what Seal made for the same place.
func (k *Keyring) Open(sealed []byte, place Place) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	aead, ok := k.aeads[sealed[0]]
	if !ok {
		return "", fmt.Errorf("%w v%d", ErrNoKey, sealed[0])
	}
	if len(sealed) < 1+aead.NonceSize() {
		return "", ErrOpen
	}
	nonce, ciphertext := sealed[1:1+aead.NonceSize()], sealed[1+aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, ciphertext, place.aad())
	if err != nil {
		return "", ErrOpen
	}
	return string(plain), nil
}
