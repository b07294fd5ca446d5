package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != "data/convene.db" || c.PublicURL != "http://localhost:8080" || !c.Introspection || c.Broker != "memory" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestParseConfigFlagsWinOverEnvironment(t *testing.T) {
	c, err := ParseConfig([]string{"-addr", "127.0.0.1:9000"}, env(map[string]string{
		"CONVENE_ADDR": ":7000", "CONVENE_ALLOWED_ORIGINS": "https://app.example.com/, https://m.example.com",
		"CONVENE_PUBLIC_URL": "https://convene.example.com/",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.PublicURL != "https://convene.example.com" ||
		strings.Join(c.AllowedOrigins, " ") != "https://app.example.com https://m.example.com" {
		t.Fatalf("%+v", c)
	}
}

func TestConfigIsValidMessages(t *testing.T) {
	cases := map[string]struct {
		env  map[string]string
		want string
	}{
		"postgres without key":      {map[string]string{"CONVENE_DATABASE_URL": "postgres://x@127.0.0.1/db"}, "config: a Postgres deployment needs CONVENE_SECRET_KEY"},
		"bad public url":            {map[string]string{"CONVENE_PUBLIC_URL": "ftp://x"}, `config: public URL "ftp://x" must be an http or https URL`},
		"bad origin":                {map[string]string{"CONVENE_ALLOWED_ORIGINS": "app.example.com/path"}, `config: allowed origin "app.example.com/path" must look like https://app.example.com`},
		"bad log level":             {map[string]string{"CONVENE_LOG_LEVEL": "loud"}, `config: log level "loud": want debug, info, warn or error`},
		"unknown broker":            {map[string]string{"CONVENE_BROKER": "kafka"}, `config: broker "kafka": want memory, postgres or nats`},
		"postgres broker on sqlite": {map[string]string{"CONVENE_BROKER": "postgres"}, "config: the postgres broker needs a postgres:// database URL"},
	}
	for name, c := range cases {
		_, err := ParseConfig(nil, env(c.env))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

func TestEmbeddedKeyIsMadeOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	c := Config{DatabaseURL: filepath.Join(dir, "data", "convene.db")}
	made := 0
	newKey := func() string { made++; return "v1:key" }
	log := slog.New(slog.DiscardHandler)
	first, err := loadOrCreateKey(c, newKey, log)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := loadOrCreateKey(c, newKey, log)
	if first != "v1:key" || second != first || made != 1 {
		t.Fatalf("first %q second %q made %d", first, second, made)
	}
	info, err := os.Stat(filepath.Join(dir, "data", "secret.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info, err)
	}
}

func TestPostgresDefaultsToThePostgresBroker(t *testing.T) {
	c, err := ParseConfig(nil, env(map[string]string{"CONVENE_DATABASE_URL": "postgres://x@127.0.0.1/db", "CONVENE_SECRET_KEY": "v1:x"}))
	if err != nil || c.Broker != "postgres" {
		t.Fatalf("%q %v", c.Broker, err)
	}
}
