package postgres_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/govkit/connections"
	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/postgres"
)

func TestTechnologyFields(t *testing.T) {
	tech := postgres.Technology()
	if tech.Name != "postgres" || tech.DisplayName != "PostgreSQL" || tech.Levels != [4]string{"Server", "Database", "Schema", "Relation"} ||
		tech.Impersonation || tech.ProjectWorkspaces || tech.Validate == nil || tech.Open == nil {
		t.Errorf("Technology() = %+v", tech)
	}
	if _, err := connectors.NewRegistry(tech); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	ok := connectors.Config{"host": "db.example.com", "user": "reader"}
	if err := postgres.Validate(ok); err != nil {
		t.Fatalf("Validate(%v) = %v", ok, err)
	}
	full := connectors.Config{
		"host": "a,b", "port": "5433", "user": "u", "database": "maint", "sslmode": "verify-full",
		"sslrootcert": "/etc/ca.pem", "connect_timeout": "0", "application_name": "x",
		"databases": `["a,b", "c"]`, "exclude_databases": "d, e", "include_partitions": "true",
		"max_conns": "2", "max_open_databases": "3",
	}
	if err := postgres.Validate(full); err != nil {
		t.Fatalf("Validate(all keys) = %v", err)
	}
	with := func(k, v string) connectors.Config {
		c := connectors.Config{"host": "h", "user": "u"}
		if v == "\x00delete" {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	for _, tc := range []struct {
		cfg  connectors.Config
		want string
	}{
		{nil, "host is required"},
		{with("host", "\x00delete"), "host is required"},
		{with("user", "\x00delete"), "user is required"},
		{with("host", "  "), "host is required"},
		{with("port", "0"), "not a port number"},
		{with("port", "65536"), "not a port number"},
		{with("port", "x"), "not a port number"},
		{with("sslmode", "on"), "sslmode"},
		{with("connect_timeout", "-1"), "connect_timeout"},
		{with("databases", `["a",`), "not a JSON array"},
		{with("databases", `a,,b`), "empty name"},
		{with("include_partitions", "maybe"), "include_partitions"},
		{with("max_conns", "0"), "max_conns"},
		{with("max_open_databases", "many"), "max_open_databases"},
		{with("password", "hunter2"), "secret"},
		{with("sslpassword", "hunter2"), "secret"},
		{with("hostname", "h"), `unknown key "hostname"`},
		{with("user", "bad\xff"), "not valid text"},
		{with("host", "nul\x00"), "not valid text"},
	} {
		err := postgres.Validate(tc.cfg)
		if !errors.Is(err, connections.ErrInvalidInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%q) = %v, want ErrInvalidInput mentioning %q", tc.cfg, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Validate error shows a secret: %v", err)
		}
	}
}

func TestOpenRejects(t *testing.T) {
	ctx := testCtx(t)
	if _, err := postgres.Technology().Open(ctx, connectors.Config{"user": "u"}, nil); !errors.Is(err, connections.ErrInvalidInput) {
		t.Errorf("Open without host = %v, want ErrInvalidInput", err)
	}
	_, err := postgres.Technology().Open(ctx, connectors.Config{"host": "h", "user": "u"}, connectors.Credentials{"pasword": "hunter2"})
	if !errors.Is(err, connections.ErrInvalidInput) || strings.Contains(fmt.Sprint(err), "hunter2") {
		t.Errorf("Open with an unknown credential = %v, want ErrInvalidInput without the value", err)
	}
	_, err = postgres.Technology().Open(ctx, connectors.Config{"host": "h", "user": "u", "sslmode": "verify-full", "sslrootcert": "/no/such/ca.pem"},
		connectors.Credentials{"password": "hunter2"})
	if !errors.Is(err, connections.ErrInvalidInput) || strings.Contains(fmt.Sprint(err), "hunter2") {
		t.Errorf("Open with a missing CA file = %v, want ErrInvalidInput without the password", err)
	}
}

// Open through the registry with the test server's settings, then list
// what the shared fixture holds, honouring the config's allow-list.
func TestOpenThroughRegistry(t *testing.T) {
	f := sharedFixture(t)
	cfg := configFromDSN(t)
	cfg["databases"] = fmt.Sprintf("[%q]", f.main)
	cfg["max_conns"] = "1"
	reg, err := connectors.NewRegistry(postgres.Technology())
	if err != nil {
		t.Fatal(err)
	}
	tech, err := reg.Lookup("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if err := tech.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	c, err := tech.Open(ctx, cfg, connectors.Credentials{"password": "unused-by-trust"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	dbs, err := c.Databases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(dbs) != 1 || dbs[0].Name != f.main {
		t.Errorf("Databases with the allow-list %s = %+v", cfg["databases"], dbs)
	}
	if _, err := c.Schemas(ctx, f.small); !errors.Is(err, connections.ErrNotFound) {
		t.Errorf("Schemas of a database outside the allow-list = %v, want ErrNotFound", err)
	}
	tables, err := c.Tables(ctx, f.main, oddSchema)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Tables through the registry", tables, wantOddTables())
}
