package databricks

import (
	"errors"
	"strings"
	"testing"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
)

func TestTechnology(t *testing.T) {
	tech := Technology()
	if tech.Name != "databricks" || tech.DisplayName != "Databricks Unity Catalog" ||
		tech.Levels != [4]string{"Metastore", "Catalog", "Schema", "Table"} ||
		tech.Impersonation || tech.ProjectWorkspaces || tech.Validate == nil || tech.Open == nil {
		t.Fatalf("Technology() = %+v", tech)
	}
	if _, err := connectors.NewRegistry(tech); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	good := []connectors.Config{
		{"host": "adb-1234567890123456.7.azuredatabricks.net"},
		{"host": "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com/"},
		{"host": "http://localhost:8080"},
		{"host": "http://127.0.0.1:8080", "auth_type": "pat", "max_results": "0", "concurrency": "4", "include_system": "TRUE", "tags": "columns"},
		{"host": "x.cloud.databricks.com", "client_id": "abc"},
		{"host": "x.cloud.databricks.com", "auth_type": "oauth-m2m", "client_id": "abc", "tags": "off", "max_results": "50"},
	}
	for _, cfg := range good {
		if err := Validate(cfg); err != nil {
			t.Errorf("Validate(%v) = %v", cfg, err)
		}
	}
	bad := map[string]connectors.Config{
		"required":               {},
		"unknown key":            {"host": "x", "warehouse": "w"},
		"http":                   {"host": "http://x.cloud.databricks.com"},
		"scheme":                 {"host": "ftp://x"},
		"query":                  {"host": "https://x?a=b"},
		"auth_type":              {"host": "x", "auth_type": "basic"},
		"oauth without id":       {"host": "x", "auth_type": "oauth-m2m"},
		"pat with id":            {"host": "x", "auth_type": "pat", "client_id": "abc"},
		"max_results":            {"host": "x", "max_results": "-1"},
		"max_results not number": {"host": "x", "max_results": "ten"},
		"concurrency":            {"host": "x", "concurrency": "0"},
		"concurrency big":        {"host": "x", "concurrency": "65"},
		"include_system":         {"host": "x", "include_system": "yes"},
		"tags":                   {"host": "x", "tags": "all"},
	}
	for name, cfg := range bad {
		err := Validate(cfg)
		if !errors.Is(err, connections.ErrInvalidInput) {
			t.Errorf("%s: Validate(%v) = %v, want ErrInvalidInput", name, cfg, err)
		}
	}
}

func TestOpen(t *testing.T) {
	f := patFake(t)
	cfg := connectors.Config{"host": f.URL()}
	conn, err := Open(t.Context(), cfg, connectors.Credentials{"token": testPAT})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, ok := conn.(connectors.TagReader); ok {
		t.Error("with tags off, Open's connector offers TagReader")
	}
	if err := conn.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	dbs, err := conn.Databases(t.Context())
	if err != nil || len(dbs) != 3 {
		t.Fatalf("Databases = %v, %v", dbs, err)
	}

	cfg["tags"] = "tables"
	conn, err = Open(t.Context(), cfg, connectors.Credentials{"token": testPAT})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tr, ok := conn.(connectors.TagReader)
	if !ok {
		t.Fatal("with tags on, Open's connector does not offer TagReader")
	}
	if tags, err := tr.Tags(t.Context(), "main", "default"); err != nil || len(tags) != 2 {
		t.Fatalf("Tags = %v, %v", tags, err)
	}

	o := oauthFake(t)
	conn, err = Open(t.Context(), connectors.Config{"host": o.URL(), "client_id": testClientID},
		connectors.Credentials{"client_secret": testClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Check(t.Context()); err != nil || o.issued != 1 {
		t.Fatalf("Check over OAuth: %v (%d tokens)", err, o.issued)
	}

	for name, tc := range map[string]struct {
		cfg   connectors.Config
		creds connectors.Credentials
	}{
		"no token":  {connectors.Config{"host": f.URL()}, nil},
		"no secret": {connectors.Config{"host": f.URL(), "client_id": "x"}, connectors.Credentials{"token": "t"}},
		"bad cfg":   {connectors.Config{}, connectors.Credentials{"token": "t"}},
	} {
		_, err := Open(t.Context(), tc.cfg, tc.creds)
		if !errors.Is(err, connections.ErrInvalidInput) {
			t.Errorf("%s: %v", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "\"t\"") {
			t.Errorf("%s: error shows a credential: %v", name, err)
		}
	}
}
