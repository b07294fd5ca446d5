package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// apiTokenPrefix marks integrator tokens so they are told apart from JWTs and
// found by secret scanners.
const apiTokenPrefix = "cvn_"

// newOpaqueToken returns a random token and the hash to store for it.
func newOpaqueToken(prefix string) (token string, hash []byte) {
	raw := make([]byte, 32)
	_, _ = rand.Read(raw) // crypto/rand never fails on supported platforms
	token = prefix + base64.RawURLEncoding.EncodeToString(raw)
	return token, hashToken(token)
}

// hashToken is how opaque tokens are stored and looked up: they carry 256
// random bits, so a fast hash is enough.
func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func isAPIToken(token string) bool { return strings.HasPrefix(token, apiTokenPrefix) }
