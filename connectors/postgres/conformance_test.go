package postgres_test

import (
	"context"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govkit/connections/connectors"
	"github.com/govkit/connections/connectors/connectortest"
	"github.com/govkit/connections/connectors/postgres"
	"github.com/govkit/connections/hierarchy"
	"github.com/govkit/connections/internal/sqlmeta"
)

// configFromDSN turns the test DSN into the technology's Config, the
// DSN's database as the maintenance database.
func configFromDSN(t testing.TB) connectors.Config {
	t.Helper()
	dsn := testDSN(t)
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg := connectors.Config{
		"host":     pc.Host,
		"port":     strconv.Itoa(int(pc.Port)),
		"user":     pc.User,
		"database": pc.Database,
	}
	if u, err := url.Parse(dsn); err == nil {
		if m := u.Query().Get("sslmode"); m != "" {
			cfg["sslmode"] = m
		}
	}
	return cfg
}

// pgColumnTypes maps the suite's column types to format_type's text, which
// CREATE TABLE also reads.
var pgColumnTypes = map[string]string{
	connectortest.TypeInteger:   "integer",
	connectortest.TypeVarchar10: "character varying(10)",
	connectortest.TypeVarchar:   "character varying(100)",
	connectortest.TypeDecimal:   "numeric(12,2)",
	connectortest.TypeBoolean:   "boolean",
	connectortest.TypeDate:      "date",
	connectortest.TypeTimestamp: "timestamp without time zone",
}

// loadFixture creates the fixture's databases, schemas and relations.
// Views and materialized views select typed NULLs, so that their columns
// have exactly the fixture's types.
func loadFixture(ctx context.Context, t *testing.T, f connectortest.Fixture) []func() {
	var drops []func()
	q := sqlmeta.QuoteIdent
	lit := sqlmeta.QuoteLiteral
	for _, d := range f.Databases {
		drops = append(drops, createDatabase(ctx, t, d.Name))
		var stmts []string // public stays: Harness.ExtraSchemas
		if d.Comment != "" {
			stmts = append(stmts, "COMMENT ON DATABASE "+q(d.Name)+" IS "+lit(d.Comment))
		}
		for _, s := range d.Schemas {
			stmts = append(stmts, "CREATE SCHEMA "+q(s.Name))
			if s.Comment != "" {
				stmts = append(stmts, "COMMENT ON SCHEMA "+q(s.Name)+" IS "+lit(s.Comment))
			}
			for _, tb := range s.Tables {
				name := sqlmeta.QualifiedName(s.Name, tb.Name)
				var create, kind string
				switch tb.Type {
				case hierarchy.TypeTable:
					kind = "TABLE"
					create = "CREATE TABLE " + name + " ("
					for i, c := range tb.Columns {
						if i > 0 {
							create += ", "
						}
						create += q(c.Name) + " " + c.Type
						if !c.Nullable {
							create += " NOT NULL"
						}
					}
					create += ")"
				case hierarchy.TypeView, hierarchy.TypeMaterializedView:
					kind = "VIEW"
					create = "CREATE VIEW " + name + " AS SELECT "
					if tb.Type == hierarchy.TypeMaterializedView {
						kind = "MATERIALIZED VIEW"
						create = "CREATE MATERIALIZED VIEW " + name + " AS SELECT "
					}
					for i, c := range tb.Columns {
						if i > 0 {
							create += ", "
						}
						create += "CAST(NULL AS " + c.Type + ") AS " + q(c.Name)
					}
				default:
					t.Fatalf("the fixture has a table type the harness cannot make: %q", tb.Type)
				}
				stmts = append(stmts, create)
				if tb.Comment != "" {
					stmts = append(stmts, "COMMENT ON "+kind+" "+name+" IS "+lit(tb.Comment))
				}
				for _, c := range tb.Columns {
					if c.Comment != "" {
						stmts = append(stmts, "COMMENT ON COLUMN "+name+"."+q(c.Name)+" IS "+lit(c.Comment))
					}
				}
			}
		}
		exec(ctx, t, d.Name, stmts...)
	}
	return drops
}

func TestConformance(t *testing.T) {
	testDSN(t)
	id := unique()
	cfg := configFromDSN(t)
	const badPassword = "conformance-Secret-pw"
	var (
		once    sync.Once
		loadErr bool
	)
	parent := t
	connectortest.Run(t, connectortest.Harness{
		Open: func(t *testing.T, f connectortest.Fixture) connectors.Connector {
			once.Do(func() {
				loadErr = true
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				for _, drop := range loadFixture(ctx, t, f) {
					parent.Cleanup(drop)
				}
				loadErr = false
			})
			if loadErr {
				t.Fatal("the fixture could not be loaded (see the first subtest)")
			}
			c, err := postgres.Technology().Open(t.Context(), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		OpenBadCredentials: func(t *testing.T, _ connectortest.Fixture) connectors.Connector {
			// The test server trusts local clients, so refuse the role
			// instead of the password: it does not exist.
			bad := connectors.Config{}
			for k, v := range cfg {
				bad[k] = v
			}
			bad["user"] = prefix + id + "_nobody"
			c, err := postgres.Open(t.Context(), bad, connectors.Credentials{"password": badPassword}, &postgres.Options{RetryAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		HostName: cfg["host"] + ":" + cfg["port"],
		Name: func(kind hierarchy.Kind, name string) string {
			if kind == hierarchy.KindDatabase { // databases are server-wide: make them unique
				return prefix + id + "_" + name
			}
			return name
		},
		ColumnType: func(typ string) string {
			if pg, ok := pgColumnTypes[typ]; ok {
				return pg
			}
			return typ
		},
		ExtraSchemas: []string{"public"},
		Secrets:      []string{badPassword},
	})
}
